import { rules as PRESET_RULES } from "@secretlint/secretlint-rule-preset-recommend";
import { RE2JS } from "re2js";
import type { DataPolicy } from "./policy";

// Finds secrets in one string: secretlint's recommended preset (its scanner rules run directly,
// once compiled, rather than through @secretlint/core's lintSource, whose per-call setup costs
// more than the scan of a short value), the JWT / private-key / bearer / .env detectors below,
// the policy's extra patterns (RE2) and high-entropy tokens. Exemptions are honoured last.
// Matches never overlap: the earliest wins, then the longest.

export interface SecretMatch {
  /** Stable lowercase kind written in the marker. */
  kind: string;
  /** UTF-16 offsets of the text replaced by the marker. */
  start: number;
  end: number;
  /** What the fingerprint is computed over (the secret itself, normalized for private keys). */
  secret: string;
}

export interface Scanner {
  /** Secrets in `text`; `keyHint` is the JSON key or attribute the text is the value of, when known. */
  scan(text: string, keyHint?: string): SecretMatch[];
}

// ---- secretlint's preset -----------------------------------------------------------------------

/** The marker kind of each preset rule (the part of the rule id after `secretlint-rule-`). */
const RULE_KINDS: Record<string, string> = {
  aws: "aws-secret-key", gcp: "gcp-key", privatekey: "private-key", npm: "npm-token", basicauth: "basic-auth",
  slack: "slack-token", sendgrid: "sendgrid-key", shopify: "shopify-token", stripe: "stripe-key", github: "github-token",
  gitlab: "gitlab-token", grafana: "grafana-token", openai: "openai-api-key", anthropic: "anthropic-api-key", groq: "groq-api-key",
  huggingface: "huggingface-token", linear: "linear-api-key", notion: "notion-token", "1password": "1password-token",
  "database-connection-string": "connection-string", "hashicorp-vault": "vault-token", vercel: "vercel-token",
  databricks: "databricks-token", docker: "docker-token", figma: "figma-token", cloudflare: "cloudflare-token", tailscale: "tailscale-key",
};
/** Messages that name a kind of their own, or none (an AWS account id is not a secret). */
const MESSAGE_KINDS: Record<string, string | null> = { AWSAccessKeyID: "aws-access-key", AWSSecretAccessKey: "aws-secret-key", AWSAccountID: null };
/** Rules whose match is a URL with credentials: only the password is replaced, the host stays readable. */
const URL_CREDENTIAL_KINDS = new Set(["connection-string", "basic-auth"]);

interface Report { message: { id: string; data?: Record<string, unknown> }; range: [number, number] }
interface Source { content: string; filePath: undefined; ext: string; contentType: "text" }
type FileHandler = (source: Source) => void;

/**
 * The prefilter: text each rule's expressions cannot match without (read from the preset's
 * source; matched case-insensitively, so each is a superset of its rule). A rule runs only when
 * one of its literals occurs; a rule absent here (a new one in a preset update) always runs.
 * scan.test.ts checks with fast-check that every sample still matches.
 */
const RULE_TRIGGERS: Record<string, string[]> = {
  aws: ["akia", "a3t", "agpa", "aida", "aroa", "aipa", "anpa", "anva", "asia", "secret", "account"],
  gcp: ["private_key"], privatekey: ["private key"], npm: ["x-oauth-basic", "_authtoken", "npm_"], basicauth: ["://"],
  slack: ["xoxb", "xoxp", "xapp", "xoxa", "xoxo", "xoxr", "hooks.slack.com"], sendgrid: ["sg."],
  shopify: ["shppa_", "shpca_", "shpat_", "shpss_"], stripe: ["sk_live", "sk_test", "rk_live", "rk_test"],
  github: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"], gitlab: ["glpat-"], grafana: ["glc_", "glsa_"],
  openai: ["t3blbkfj"], anthropic: ["sk-ant-api0"], groq: ["gsk_"], huggingface: ["hf_"], linear: ["lin_api_"], notion: ["ntn_"],
  "1password": ["ops_"], "database-connection-string": ["mongodb", "mysql", "postgres"], "hashicorp-vault": ["hvs.", "hvb.", "hvr."],
  vercel: ["vcp_", "vci_", "vca_", "vcr_", "vck_"], databricks: ["dapi"], docker: ["dckr_pat_"], figma: ["figd_"],
  cloudflare: ["cfk_", "cfut_", "cfat_"], tailscale: ["tskey-"],
};
const TRIGGER_RULES = new Map<string, string[]>();
for (const [rule, literals] of Object.entries(RULE_TRIGGERS)) {
  for (const l of literals) TRIGGER_RULES.set(l, [...(TRIGGER_RULES.get(l) ?? []), rule]);
}
// Matched on the lower-cased text: a case-sensitive alternation is several times faster in V8 than /i.
const TRIGGER = new RegExp([...TRIGGER_RULES.keys()].map((l) => l.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");

/** The preset rules worth running on `text`. */
function triggeredRules(text: string): Set<string> {
  const rules = new Set<string>();
  // Only which literals occur is used, not where, so lower-casing cannot misplace anything.
  for (const m of text.toLowerCase().matchAll(TRIGGER)) for (const r of TRIGGER_RULES.get(m[0]) ?? []) rules.add(r);
  return rules;
}

let presetSink: { rule: string; reports: Report[] } | null = null;

/** Each scanner rule of the preset, created once (their handlers keep no state between files). */
const PRESET: { rule: string; file: FileHandler }[] = PRESET_RULES.flatMap((creator) => {
  const rule = creator.meta.id.replace(/^@secretlint\/secretlint-rule-/, "");
  if (creator.meta.type !== "scanner" || !(rule in RULE_KINDS)) return []; // filter-comments is not a detector
  const context = {
    // The message id and its data (which holds the matched text) instead of a translated sentence.
    createTranslator: () => (id: string, data?: Record<string, unknown>) => ({ id, data }),
    report: (r: Report) => presetSink?.reports.push(r),
    ignore: () => undefined,
  };
  // enableIDScanRule: AWS access key ids (AKIA…) are off by default in the preset.
  const options = rule === "aws" ? { enableIDScanRule: true } : {};
  const handlers = (creator.create as (c: unknown, o: unknown) => { file?: FileHandler })(context, options);
  return handlers.file ? [{ rule, file: handlers.file }] : [];
});

function presetMatches(text: string, out: SecretMatch[]): void {
  for (const { rule, report } of presetFindings(text)) {
    const kind = report.message.id in MESSAGE_KINDS ? MESSAGE_KINDS[report.message.id] : RULE_KINDS[rule];
    if (!kind) continue;
    const match = located(text, report);
    if (!match) continue;
    out.push(URL_CREDENTIAL_KINDS.has(kind) ? passwordOf(text, kind, match) : { kind, ...match, secret: text.slice(match.start, match.end) });
  }
}

/** What the preset's rules report on `text`; `prefilter: false` runs every rule (scan.test.ts compares the two). */
export function presetFindings(text: string, { prefilter = true } = {}): { rule: string; report: Report }[] {
  const triggered = prefilter ? triggeredRules(text) : null;
  const out: { rule: string; report: Report }[] = [];
  for (const { rule, file } of PRESET) {
    if (triggered && rule in RULE_TRIGGERS && !triggered.has(rule)) continue;
    const sink = { rule, reports: [] as Report[] };
    presetSink = sink;
    try {
      file({ content: text, filePath: undefined, ext: "", contentType: "text" });
    } finally {
      presetSink = null;
    }
    for (const report of sink.reports) out.push({ rule, report });
  }
  return out;
}

/**
 * Where a report's secret is. Some rules report the range of the whole assignment with the length
 * of the secret (aws: `AWS_SECRET_ACCESS_KEY=…`), so the secret named in the message's data is
 * looked up from the start of the range.
 */
function located(text: string, r: Report): { start: number; end: number } | null {
  const [start, end] = r.range;
  const named = Object.values(r.message.data ?? {}).find((v): v is string => typeof v === "string" && v.length >= 8 && text.includes(v));
  if (named && text.slice(start, start + named.length) !== named) {
    const at = text.indexOf(named, start);
    const found = at >= 0 ? at : text.indexOf(named);
    return { start: found, end: found + named.length };
  }
  if (end <= start || end > text.length) return null;
  return { start, end };
}

/** The password of `scheme://user:password@host…` inside a match (the whole match when it has none). */
function passwordOf(text: string, kind: string, m: { start: number; end: number }): SecretMatch {
  const slice = text.slice(m.start, m.end);
  const cred = /^[^:/\s]+:\/\/[^:/\s@]+:([^@/\s]+)@/.exec(slice);
  if (!cred) return { kind, ...m, secret: slice };
  const start = m.start + cred[0].length - 1 - cred[1].length;
  return { kind, start, end: start + cred[1].length, secret: cred[1] };
}

// ---- detectors of our own ------------------------------------------------------------------------

/** Three base64url parts, the first two JSON objects (`eyJ` = `{"`). */
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*/g;

/**
 * A PEM private key, also when a sender cut it (Claude Code truncates tool_input at 512 characters)
 * and when it sits JSON-escaped in a string (`\n`); the preset's rule wants the END line and 100
 * characters of body. The body is read line by line (base64 lines and `Proc-Type:`-style headers)
 * up to the END line or the first other line, in one pass: no backtracking on hostile input.
 */
const PEM_HEADER = /-----BEGIN[ A-Z0-9]{0,20}PRIVATE KEY(?: BLOCK)?-----/g;
const PEM_FOOTER = /-----END[ A-Z0-9]{0,20}PRIVATE KEY(?: BLOCK)?-----/y;
const PEM_LINE = /(?:\r?\n|\\r\\n|\\n)(?:[A-Za-z0-9+/=]+|[A-Za-z-]{1,32}: [A-Za-z0-9,-]{1,128})?/y;

function pemKeys(text: string, out: SecretMatch[]): void {
  PEM_HEADER.lastIndex = 0;
  for (let h = PEM_HEADER.exec(text); h; h = PEM_HEADER.exec(text)) {
    let end = h.index + h[0].length;
    for (;;) {
      PEM_FOOTER.lastIndex = end;
      const footer = PEM_FOOTER.exec(text);
      if (footer) {
        end += footer[0].length;
        break;
      }
      PEM_LINE.lastIndex = end;
      const line = PEM_LINE.exec(text);
      if (!line) break;
      end += line[0].length;
    }
    // A cut key: the base64 run right after the header on its own line (JSON `..."key": "-----BEGIN…-----MIIE`).
    if (end === h.index + h[0].length) {
      const run = /[A-Za-z0-9+/=]*/y;
      run.lastIndex = end;
      end += run.exec(text)?.[0].length ?? 0;
    }
    const whole = text.slice(h.index, end);
    // The fingerprint is of the key's body, so a raw and a JSON-escaped copy get the same marker.
    const body = whole.replace(/-----(?:BEGIN|END)[^-]*-----/g, "").replace(/\\n|\\r|\s/g, "");
    out.push({ kind: "private-key", start: h.index, end, secret: body || whole });
    PEM_HEADER.lastIndex = end;
  }
}

/** `Authorization: Bearer <token>` in commands, headers and raw bodies. */
const BEARER = /\b[Bb]earer\s+([A-Za-z0-9._~+/-]{16,}=*)/g;

/** Names of variables and JSON keys that hold credentials. */
const SECRET_NAME = /(?:^|[_.-]|\b)(?:secret|token|passw(?:or)?d|passwd|pwd|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?|auth[_-]?key|client[_-]?secret)s?(?:$|[_.-]|\b)/i;

/** `NAME=value`, `export NAME="value"`, `NAME: value` (.env files, shells, YAML, CI logs). */
const ASSIGNMENT = /(?:^|[\s;'"`{,(])(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]{1,63})["']?[ \t]{0,8}(?:=|:(?!\/\/))[ \t]*(["']?)([^\s"'`,;]{6,512})\2/gm;

/** Values that name a secret rather than contain it. */
const PLACEHOLDER = /^(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|<[^>]*>|\{\{.*\}\}|\*+|x+|X+|\.\.\.|(?:your|my|example|changeme|placeholder|redacted|dummy|none|null|true|false|undefined)\b.*)$/i;

function ownMatches(text: string, out: SecretMatch[]): void {
  for (const m of text.matchAll(JWT)) out.push({ kind: "jwt", start: m.index, end: m.index + m[0].length, secret: m[0] });
  if (text.includes("PRIVATE KEY")) pemKeys(text, out);
  for (const m of text.matchAll(BEARER)) {
    if (PLACEHOLDER.test(m[1]) || !looksRandom(m[1], 16)) continue;
    const start = m.index + m[0].length - m[1].length;
    out.push({ kind: "bearer-token", start, end: start + m[1].length, secret: m[1] });
  }
  if (/[=:]/.test(text)) {
    for (const m of text.matchAll(ASSIGNMENT)) {
      const [, name, , value] = m;
      if (!isSecretValue(name, value)) continue;
      const start = m.index + m[0].lastIndexOf(value);
      out.push({ kind: "env-secret", start, end: start + value.length, secret: value });
    }
  }
}

/** A value assigned to `name` is a secret: a credential name with a real value, or any name with a random one. */
function isSecretValue(name: string, value: string): boolean {
  if (PLACEHOLDER.test(value) || /^[0-9.:-]+$/.test(value) || /^https?:\/\//.test(value)) return false;
  if (SECRET_NAME.test(name) && value.length >= 8 && !/^[a-z]+$/.test(value) && !isBenignToken(value)) return true;
  return looksRandom(value, 20);
}

// ---- high-entropy tokens ---------------------------------------------------------------------------

/** Token-like runs: base64 / base64url / base62 characters. */
const TOKEN_RUN = /[A-Za-z0-9+/=_-]{20,}/g;
const MAX_TOKEN = 256; // longer runs are data (images, archives); private keys have their own detector
const HEX_OR_UUID = /^[0-9a-fA-F-]+$/;
/** Subresource-integrity digests (package-lock.json, HTML): hashes of public files. */
const SRI_DIGEST = /^(?:sha1|sha256|sha384|sha512)-/;
/** Public ids of Anthropic, Claude and OpenAI objects: random, but not secrets. */
const PUBLIC_ID = /^(?:toolu|srvtoolu|msg|msgbatch|req|file|user|org|activity|claude_chat|claude_chat_msg|clls|cse|wrkspc|apikey|call|chatcmpl|run|thread|asst|wf|compl|evt|sess|conv|proj)_/;

function shannon(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Random-looking: digits, upper and lower case letters, and entropy near that of random text of its length. */
function looksRandom(token: string, minLength: number): boolean {
  if (token.length < minLength || isBenignToken(token)) return false;
  if (!/[0-9]/.test(token) || !/[a-z]/.test(token) || !/[A-Z]/.test(token)) return false;
  // Random base62 text of n characters shows about log2(n) − 0.3 bits per character for n ≤ 62.
  const threshold = Math.min(4.5, Math.log2(token.length) - 0.75);
  return shannon(token) >= threshold;
}

/** Hex digests, UUIDs, public object ids, paths, and base64 that decodes to readable text. */
function isBenignToken(token: string): boolean {
  if (HEX_OR_UUID.test(token) || PUBLIC_ID.test(token) || SRI_DIGEST.test(token)) return true;
  if (token.startsWith("/") || token.split("/").length > 3) return true; // a path
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(token) && token.length % 4 === 0) {
    const bytes = Buffer.from(token, "base64");
    let printable = 0;
    for (const b of bytes) if ((b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09) printable += 1;
    if (bytes.length > 0 && printable / bytes.length > 0.95) return true; // encoded text, not a key
  }
  return false;
}

function entropyMatches(text: string, out: SecretMatch[]): void {
  for (const m of text.matchAll(TOKEN_RUN)) {
    let token = m[0];
    let start = m.index;
    if (SRI_DIGEST.test(token)) continue;
    // A run glued to `=` of an assignment (`key=AbC…`) is the value after it.
    const eq = token.lastIndexOf("=", token.length - 3);
    if (eq > 0 && !/^=+$/.test(token.slice(eq))) {
      start += eq + 1;
      token = token.slice(eq + 1);
    }
    if (token.length > MAX_TOKEN) continue;
    if (looksRandom(token, 24)) out.push({ kind: "high-entropy", start, end: start + token.length, secret: token });
  }
}

// ---- the scanner ---------------------------------------------------------------------------------------

type PolicyPatterns = Pick<DataPolicy, "extraPatterns" | "exemptions">;

export class InvalidPatternError extends Error {}

function compileRe2(pattern: string, what: string): RE2JS {
  try {
    return RE2JS.compile(pattern);
  } catch (err) {
    throw new InvalidPatternError(`${what} ${JSON.stringify(pattern)} is not a valid RE2 expression: ${(err as Error).message}`);
  }
}

/** Shortest text any detector can find: shorter values are not scanned. */
const MIN_SECRET_LENGTH = 8;

/**
 * A scanner for a policy's patterns. An extra pattern that is not valid RE2 throws
 * InvalidPatternError (the policy editor validates with it), or with `invalid: "skip"` is left out.
 */
export function compileScanner(policy: PolicyPatterns, { invalid = "throw" }: { invalid?: "throw" | "skip" } = {}): Scanner {
  const extra = policy.extraPatterns.flatMap((p) => {
    try {
      return [{ kind: p.kind, re: compileRe2(p.pattern, `pattern for ${p.kind}`) }];
    } catch (err) {
      if (invalid === "throw") throw err;
      console.warn(`[secrets] extra pattern for kind ${p.kind} is not valid RE2 and is skipped`);
      return [];
    }
  });
  const literal = new Set(policy.exemptions);
  const exemptRes = policy.exemptions.flatMap((e) => {
    try {
      return [RE2JS.compile(e)];
    } catch {
      return []; // a literal that is not a valid expression
    }
  });
  const exempt = (secret: string, whole: string) =>
    literal.has(secret) || literal.has(whole) || exemptRes.some((re) => re.matches(secret) || re.matches(whole));

  return {
    scan(text: string, keyHint?: string): SecretMatch[] {
      const found: SecretMatch[] = [];
      if (text.length >= MIN_SECRET_LENGTH) {
        ownMatches(text, found); // first: on a tie its private-key fingerprint (the normalized body) wins
        presetMatches(text, found);
        entropyMatches(text, found);
      }
      for (const { kind, re } of extra) {
        const m = re.matcher(text);
        while (m.find()) {
          if (m.end() === m.start()) continue;
          found.push({ kind, start: m.start(), end: m.end(), secret: m.group() ?? "" });
        }
      }
      // A value under a credential key (`"password": "…"`) is a secret as a whole.
      if (keyHint && found.length === 0 && SECRET_NAME.test(keyHint) && isSecretValue(keyHint, text) && !/\s/.test(text)) {
        found.push({ kind: "env-secret", start: 0, end: text.length, secret: text });
      }
      const kept = nonOverlapping(found).filter((m) => !exempt(m.secret, text.slice(m.start, m.end)));
      return kept;
    },
  };
}

/** Kinds that only say "looks like a secret": a named kind over the same text wins. */
const GENERIC_KINDS = new Set(["env-secret", "high-entropy"]);
const generic = (m: SecretMatch) => (GENERIC_KINDS.has(m.kind) ? 1 : 0);

function nonOverlapping(matches: SecretMatch[]): SecretMatch[] {
  matches.sort((a, b) => a.start - b.start || b.end - a.end || generic(a) - generic(b));
  const out: SecretMatch[] = [];
  let end = -1;
  for (const m of matches) {
    if (m.start < end) continue;
    out.push(m);
    end = m.end;
  }
  return out;
}

const scanners = new Map<string, Scanner>();

/**
 * The scanner for a policy's patterns, compiled once per distinct set (ingest: a stored pattern
 * that does not compile is skipped, not a failed batch; the built-in detectors still run).
 */
export function scannerFor(policy: PolicyPatterns): Scanner {
  const key = JSON.stringify([policy.extraPatterns, policy.exemptions]);
  let s = scanners.get(key);
  if (!s) {
    if (scanners.size > 64) scanners.clear();
    s = compileScanner(policy, { invalid: "skip" });
    scanners.set(key, s);
  }
  return s;
}
