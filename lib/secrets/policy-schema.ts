import { RE2JS } from "re2js";
import YAML from "yaml";
import { z } from "zod";
import { ATTRIBUTE_CATALOG } from "@/lib/domain/attributes";
import { EVENT_TABLE, METRIC_POINT_TABLE, SPAN_TABLE } from "@/lib/domain/fields";
import { POLICY_ACTIONS, type DataPolicy } from "./policy";

// Validation of a data policy, in one place for Settings → Data, the policy file (CLI and
// BLINDSPOT_DATA_POLICY_FILE) and the stored versions. Two levels:
// - storedPolicySchema: the shape only; used to read saved versions, so a target that a later
//   release removed from the registry never makes ingest fail;
// - validatePolicy: the shape plus what a new version must satisfy (targets the registry or the
//   attribute catalog knows, patterns that compile in RE2 and cannot match the empty string).

export const MAX_RULES = 500;
export const MAX_PATTERNS = 100;
export const MAX_EXEMPTIONS = 200;
/** Longest pattern or exemption, in characters: RE2 is linear in the text, not in the pattern. */
export const MAX_PATTERN_LENGTH = 500;
export const MAX_REASON_LENGTH = 500;

/** Compliance API content a rule may name (messages and chat names). */
export const COMPLIANCE_TARGETS = ["compliance.text", "compliance.name"] as const;

/** Every target a rule may name exactly: registry columns, attribute and `fields` keys, Compliance fields. */
export const KNOWN_TARGETS: ReadonlySet<string> = new Set([
  ...[EVENT_TABLE, SPAN_TABLE, METRIC_POINT_TABLE].flatMap((t) => t.fields.map((f) => f.column)),
  ...Object.keys(ATTRIBUTE_CATALOG.attributes),
  ...Object.keys(ATTRIBUTE_CATALOG.fields),
  ...COMPLIANCE_TARGETS,
]);

const action = z.enum(POLICY_ACTIONS, { error: (issue) => `unknown action ${JSON.stringify(issue.input)} (one of ${POLICY_ACTIONS.join(", ")})` });
const KIND = /^[a-z0-9-]{1,40}$/;

const storedShape = z
  .object({
    rules: z.array(z.object({ target: z.string().trim().min(1, "a rule needs a target"), action }).strict()).max(MAX_RULES, `at most ${MAX_RULES} rules`).default([]),
    defaultAction: action.default("mask"),
    extraPatterns: z
      .array(
        z
          .object({
            kind: z.string().trim().regex(KIND, "a pattern's kind is 1–40 lowercase letters, digits and dashes"),
            pattern: z.string().min(1, "a pattern is empty").max(MAX_PATTERN_LENGTH, `a pattern has at most ${MAX_PATTERN_LENGTH} characters`),
          })
          .strict(),
      )
      .max(MAX_PATTERNS, `at most ${MAX_PATTERNS} extra patterns`)
      .default([]),
    exemptions: z
      .array(z.string().min(1, "an exemption is empty").max(MAX_PATTERN_LENGTH, `an exemption has at most ${MAX_PATTERN_LENGTH} characters`))
      .max(MAX_EXEMPTIONS, `at most ${MAX_EXEMPTIONS} exemptions`)
      .default([]),
    dropEmail: z.boolean().default(false),
  })
  .strict();

export const storedPolicySchema: z.ZodType<DataPolicy> = storedShape;

/** A policy a new version may hold: the shape, plus known targets and RE2 patterns. */
export const dataPolicySchema: z.ZodType<DataPolicy> = storedShape.superRefine((p, ctx) => {
  const seen = new Set<string>();
  p.rules.forEach((r, i) => {
    const problem = targetProblem(r.target);
    if (problem) ctx.addIssue({ code: "custom", path: ["rules", i, "target"], message: problem });
    if (seen.has(r.target)) ctx.addIssue({ code: "custom", path: ["rules", i, "target"], message: `two rules for "${r.target}"` });
    seen.add(r.target);
  });
  p.extraPatterns.forEach((x, i) => {
    const problem = patternProblem(x.pattern);
    if (problem) ctx.addIssue({ code: "custom", path: ["extraPatterns", i, "pattern"], message: `pattern of kind "${x.kind}": ${problem}` });
  });
  p.exemptions.forEach((x, i) => {
    const problem = patternProblem(x);
    if (problem) ctx.addIssue({ code: "custom", path: ["exemptions", i], message: `exemption "${x}": ${problem} (escape literal characters such as ( . + with \\)` });
  });
});

/** Why a rule's target is not accepted, or null. A prefix `gen_ai.*` must name at least one known key. */
export function targetProblem(target: string): string | null {
  if (target.endsWith("*")) {
    const prefix = target.slice(0, -1);
    if (prefix === "") return `"*" alone names everything: set the default action instead`;
    if (prefix.includes("*")) return `"${target}": only one * at the end`;
    if ([...KNOWN_TARGETS].some((t) => t.startsWith(prefix))) return null;
    return `"${target}" matches no known field or attribute key`;
  }
  return KNOWN_TARGETS.has(target) ? null : `unknown target "${target}" (a field such as prompt or tool_input, an attribute key, compliance.text, or a prefix ending in *)`;
}

/** Why a pattern does not compile in RE2 or is unfit (matches the empty string), or null. */
export function patternProblem(source: string): string | null {
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (err) {
    return `not a valid RE2 pattern: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (re.matches("")) return "matches the empty string";
  return null;
}

export type PolicyParseResult = { ok: true; policy: DataPolicy } | { ok: false; error: string };

/** The first problem of an issue list, with where it is ("rules[2].target: …"). */
function firstProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid policy";
  const where = issue.path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
  return where ? `${where}: ${issue.message}` : issue.message;
}

/** Validates a policy for saving as a new version; normalised (trimmed targets and kinds). */
export function validatePolicy(input: unknown): PolicyParseResult {
  const parsed = dataPolicySchema.safeParse(input);
  return parsed.success ? { ok: true, policy: parsed.data } : { ok: false, error: firstProblem(parsed.error) };
}

/** Reads a stored version (shape only). Throws when the row is not a policy at all. */
export function readStoredPolicy(json: unknown): DataPolicy {
  const parsed = storedPolicySchema.safeParse(json);
  if (!parsed.success) throw new Error(`stored data policy is malformed: ${firstProblem(parsed.error)}`);
  return parsed.data;
}

/** A stable text of a policy: two policies are the same version when these are equal. */
export function canonicalPolicy(p: DataPolicy): string {
  return JSON.stringify({
    rules: [...p.rules].sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0)).map((r) => ({ target: r.target, action: r.action })),
    defaultAction: p.defaultAction,
    extraPatterns: p.extraPatterns.map((x) => ({ kind: x.kind, pattern: x.pattern })),
    exemptions: p.exemptions,
    dropEmail: p.dropEmail,
  });
}

/** The policy file: YAML with the same keys as the JSON (see README "Data policy"). */
export function policyToYaml(p: DataPolicy, header: { tenant: string; version: number }): string {
  const body = YAML.stringify(
    { defaultAction: p.defaultAction, dropEmail: p.dropEmail, rules: p.rules, extraPatterns: p.extraPatterns, exemptions: p.exemptions },
    { lineWidth: 0 },
  );
  return `# Blindspot data policy of tenant ${header.tenant}, version ${header.version}\n# Apply: npm run blindspot -- policy apply <file> --reason "…"\n${body}`;
}

/** Parses and validates a policy file's text. */
export function parsePolicyYaml(text: string): PolicyParseResult {
  let doc: unknown;
  try {
    doc = YAML.parse(text, { prettyErrors: true, maxAliasCount: 10 });
  } catch (err) {
    return { ok: false, error: `not valid YAML: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}` };
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return { ok: false, error: "the file must be a YAML mapping (defaultAction, rules, extraPatterns, exemptions, dropEmail)" };
  return validatePolicy(doc);
}

/** What changed between two versions, in words, for the audit log and the history. */
export function describePolicyChange(before: DataPolicy, after: DataPolicy): string[] {
  const changes: string[] = [];
  if (before.defaultAction !== after.defaultAction) changes.push(`default ${before.defaultAction} → ${after.defaultAction}`);
  if (before.dropEmail !== after.dropEmail) changes.push(`drop email ${before.dropEmail ? "on" : "off"} → ${after.dropEmail ? "on" : "off"}`);
  const rulesBefore = new Map(before.rules.map((r) => [r.target, r.action]));
  const rulesAfter = new Map(after.rules.map((r) => [r.target, r.action]));
  for (const [target, a] of rulesAfter) {
    const b = rulesBefore.get(target);
    if (b === undefined) changes.push(`+ rule ${target}: ${a}`);
    else if (b !== a) changes.push(`rule ${target}: ${b} → ${a}`);
  }
  for (const [target, b] of rulesBefore) if (!rulesAfter.has(target)) changes.push(`- rule ${target}: ${b}`);
  const key = (x: { kind: string; pattern: string }) => `${x.kind}:${x.pattern}`;
  const patternsBefore = new Set(before.extraPatterns.map(key));
  const patternsAfter = new Set(after.extraPatterns.map(key));
  for (const x of after.extraPatterns) if (!patternsBefore.has(key(x))) changes.push(`+ pattern ${x.kind} /${x.pattern}/`);
  for (const x of before.extraPatterns) if (!patternsAfter.has(key(x))) changes.push(`- pattern ${x.kind} /${x.pattern}/`);
  for (const x of after.exemptions) if (!before.exemptions.includes(x)) changes.push(`+ exemption ${x}`);
  for (const x of before.exemptions) if (!after.exemptions.includes(x)) changes.push(`- exemption ${x}`);
  return changes;
}
