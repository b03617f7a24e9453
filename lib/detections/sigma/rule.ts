import { LineCounter, parseAllDocuments, type Document } from "yaml";
import { DETECTION_SERVICES, RULE_LEVELS, type DetectionService, type RuleLevel } from "../types";
import { compileCorrelation, type CompiledCorrelation } from "./correlation";
import { compileDetection, type CompiledDetection } from "./detection";
import { SigmaError, type RuleLoadError } from "./errors";

// One rule file → its Sigma rules. A file holds one rule, or one correlation rule together with the
// rules it alone refers to (Sigma 2 multi-document YAML; those "building blocks" feed the
// correlation and raise no alert of their own). Every problem comes back as file, line and reason.

export const RULE_STATUSES = ["stable", "test", "experimental", "deprecated", "unsupported"] as const;
export type RuleStatus = (typeof RULE_STATUSES)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TAG = /^[a-z0-9_-]+\.[a-z0-9._-]+$/;
const MAX_FILE_BYTES = 256 * 1024;
const MAX_DOCUMENTS = 16;

interface RuleMeta {
  id: string;
  name: string | null;
  title: string;
  description: string;
  status: RuleStatus;
  level: RuleLevel;
  tags: string[];
  references: string[];
  falsepositives: string[];
  author: string | null;
  date: string | null;
}

export interface ParsedEventRule extends RuleMeta {
  kind: "event";
  service: DetectionService;
  detection: CompiledDetection;
  /** The YAML document of this rule alone. */
  yaml: string;
}

export interface ParsedCorrelationRule extends RuleMeta {
  kind: "correlation";
  service: DetectionService;
  correlation: CompiledCorrelation;
  yaml: string;
}

export type ParsedRule = ParsedEventRule | ParsedCorrelationRule;

export interface ParsedFile {
  /** Rules that raise alerts: single-event rules and correlations. */
  rules: ParsedRule[];
  /** Rules referred to by a correlation of the same file only. */
  buildingBlocks: ParsedEventRule[];
  errors: RuleLoadError[];
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function stringList(doc: Record<string, unknown>, key: string, required = false): string[] {
  const v = doc[key];
  if (v === undefined || v === null) {
    if (required) throw new SigmaError(`${key} is required`, [key]);
    return [];
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) throw new SigmaError(`${key} must be a list of strings`, [key]);
  return v as string[];
}

function text(doc: Record<string, unknown>, key: string, required: boolean, max = 4000): string | null {
  const v = doc[key];
  if (v === undefined || v === null) {
    if (required) throw new SigmaError(`${key} is required`, [key]);
    return null;
  }
  // YAML reads an unquoted 2026-12-04 as a date.
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v !== "string" || v.trim() === "") throw new SigmaError(`${key} must be a non-empty string`, [key]);
  if (v.length > max) throw new SigmaError(`${key} is longer than ${max} characters`, [key]);
  return v;
}

function meta(doc: Record<string, unknown>): RuleMeta {
  const id = text(doc, "id", true)!;
  if (!UUID.test(id)) throw new SigmaError("id must be a UUID", ["id"]);
  const status = text(doc, "status", true)!;
  if (!(RULE_STATUSES as readonly string[]).includes(status)) throw new SigmaError(`status must be one of ${RULE_STATUSES.join(", ")}`, ["status"]);
  const level = text(doc, "level", true)!;
  if (!(RULE_LEVELS as readonly string[]).includes(level)) throw new SigmaError(`level must be one of ${RULE_LEVELS.join(", ")}`, ["level"]);
  const tags = stringList(doc, "tags");
  tags.forEach((t, i) => {
    if (!TAG.test(t)) throw new SigmaError(`tag "${t}" must be namespace.name in lower case (e.g. attack.t1552.001)`, ["tags", i]);
  });
  const name = text(doc, "name", false, 200);
  if (name !== null && !/^[a-z0-9_.-]+$/.test(name)) throw new SigmaError("name is lower case letters, digits, _, . and -", ["name"]);
  return {
    id: id.toLowerCase(),
    name,
    title: text(doc, "title", true, 256)!,
    description: text(doc, "description", false) ?? "",
    status: status as RuleStatus,
    level: level as RuleLevel,
    tags,
    references: stringList(doc, "references"),
    falsepositives: stringList(doc, "falsepositives"),
    author: text(doc, "author", false, 400),
    date: text(doc, "date", false, 40),
  };
}

function logsourceService(doc: Record<string, unknown>): DetectionService {
  const ls = doc.logsource;
  if (!isMap(ls)) throw new SigmaError("logsource is required (product: claude, service: …)", ["logsource"]);
  if (ls.product !== "claude") throw new SigmaError("logsource.product must be claude", ["logsource", "product"]);
  if (!(DETECTION_SERVICES as readonly unknown[]).includes(ls.service)) {
    throw new SigmaError(`logsource.service must be one of ${DETECTION_SERVICES.join(", ")}`, ["logsource", "service"]);
  }
  return ls.service as DetectionService;
}

function lineOf(doc: Document, counter: LineCounter, path: (string | number)[]): number | null {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return counter.linePos(range[0]).line;
  }
  return doc.range ? counter.linePos(doc.range[0]).line : null;
}

interface FileDocuments {
  entries: { document: Document; doc: Record<string, unknown> }[];
  errors: RuleLoadError[];
  counter: LineCounter;
}

/** A file's YAML documents as maps, or why they do not parse (with the line). */
function readDocuments(file: string, source: string): FileDocuments {
  const counter = new LineCounter();
  const none = (line: number | null, reason: string): FileDocuments => ({ entries: [], errors: [{ file, line, reason }], counter });
  if (Buffer.byteLength(source, "utf8") > MAX_FILE_BYTES) return none(null, `the file is larger than ${MAX_FILE_BYTES / 1024} KiB`);
  const documents = parseAllDocuments(source, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (!Array.isArray(documents)) return none(null, "not a YAML document");
  if (documents.length > MAX_DOCUMENTS) return none(null, `more than ${MAX_DOCUMENTS} YAML documents in one file`);
  const entries: FileDocuments["entries"] = [];
  for (const d of documents) {
    if (d.errors.length > 0) {
      const e = d.errors[0];
      return none(e.linePos?.[0]?.line ?? (e.pos ? counter.linePos(e.pos[0]).line : null), e.message.split("\n")[0]);
    }
    let js: unknown;
    try {
      // No aliases: a "billion laughs" file must not expand.
      js = d.toJS({ maxAliasCount: 0 });
    } catch (err) {
      return none(lineOf(d, counter, []), err instanceof Error ? err.message : String(err));
    }
    if (js === null || js === undefined) continue; // an empty document (e.g. after a trailing ---)
    if (!isMap(js)) return none(lineOf(d, counter, []), "a rule is a YAML map");
    entries.push({ document: d, doc: js });
  }
  if (entries.length === 0) return none(1, "the file holds no rule");
  return { entries, errors: [], counter };
}

export function compileDocument(doc: Record<string, unknown>, yaml: string, resolve: (ref: string) => ParsedEventRule | null): ParsedRule {
  if ("action" in doc) throw new SigmaError("action documents (global, reset, repeat) are not supported", ["action"]);
  if ("correlation" in doc) {
    const m = meta(doc);
    const correlation = compileCorrelation(doc.correlation, resolve, ["correlation"]);
    return { ...m, kind: "correlation", service: correlation.rules[0].service, correlation, yaml };
  }
  const m = meta(doc);
  const service = logsourceService(doc);
  const detection = compileDetection(doc.detection);
  return { ...m, kind: "event", service, detection, yaml };
}

/** The pieces of a file, compiled: its rules, building blocks and errors (with lines). */
export function compileRuleFile(file: string, source: string, resolveExternal: (ref: string) => ParsedEventRule | null = () => null): ParsedFile {
  const { entries, errors, counter } = readDocuments(file, source);
  const out: ParsedFile = { rules: [], buildingBlocks: [], errors };
  if (errors.length) return out;
  const yamlOf = (i: number) => String(entries[i].document).trimEnd() + "\n";
  const fail = (i: number, err: unknown) => {
    if (!(err instanceof SigmaError)) throw err;
    out.errors.push({ file, line: lineOf(entries[i].document, counter, err.path), reason: err.message });
  };

  // Event rules first, so the file's correlations can refer to them.
  const local = new Map<string, ParsedEventRule>();
  const events: { i: number; rule: ParsedEventRule }[] = [];
  entries.forEach((d, i) => {
    if ("correlation" in d.doc) return;
    try {
      const rule = compileDocument(d.doc, yamlOf(i), () => null) as ParsedEventRule;
      events.push({ i, rule });
      local.set(rule.id, rule);
      if (rule.name) local.set(rule.name, rule);
    } catch (err) {
      fail(i, err);
    }
  });
  const usedLocally = new Set<string>();
  const correlations: ParsedCorrelationRule[] = [];
  entries.forEach((d, i) => {
    if (!("correlation" in d.doc)) return;
    try {
      const rule = compileDocument(d.doc, yamlOf(i), (ref) => {
        const r = local.get(ref);
        if (r) {
          usedLocally.add(r.id);
          return r;
        }
        return resolveExternal(ref);
      }) as ParsedCorrelationRule;
      correlations.push(rule);
    } catch (err) {
      fail(i, err);
    }
  });
  if (out.errors.length) return out;
  if (correlations.length > 1) {
    out.errors.push({ file, line: null, reason: "one correlation rule per file" });
    return out;
  }
  if (correlations.length === 0 && events.length > 1) {
    out.errors.push({ file, line: lineOf(entries[events[1].i].document, counter, []), reason: "one rule per file (several documents only with a correlation rule)" });
    return out;
  }
  for (const { rule } of events) (usedLocally.has(rule.id) ? out.buildingBlocks : out.rules).push(rule);
  out.rules.push(...correlations);
  return out;
}
