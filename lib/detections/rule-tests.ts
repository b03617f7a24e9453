import { personOf } from "./evaluate";
import { parse } from "yaml";
import type { JsonValue } from "@/lib/otlp/values";
import { decodeJsonRequest } from "@/lib/otlp/json";
import { fixturesOf, FIXTURES_2_1_332_DIR, FIXTURES_DIR } from "@/lib/testing/fixtures";
import { normalizeLogs } from "@/lib/sources/logs";
import { normalizeTraces } from "@/lib/sources/traces";
import type { EventRow, SpanRow } from "@/lib/sources/model";
import { correlate, emptyTuning, matchRecord, type CompiledRule } from "./pack";
import { eventRecord, spanRecord } from "./record";
import { ALLOWLISTS, type AllowlistName, type DetectionRecord, type DetectionService, type EvidenceKind, type TenantTuning } from "./types";

// A rule's test cases (`<slug>.tests.yml` beside the rule) and the replay of the captured fixtures,
// shared by the pack's test, the CLI's `rules check` and the rules page.
//
//   cases:
//     - name: what the case shows
//       hits: 1                      # exact number of hits expected (0 for a negative case)
//       records:                     # records as the rule sees them (lib/detections/record.ts)
//         - { event.name: tool_decision, decision: accept, _at: 30 }   # _at: seconds from the start
//       fixture: a-bash-allowed      # or: replay a captured scenario (test/fixtures)
//       version: "2.1.332"           #     from test/fixtures-2.1.332
//       allowlists: { mcp_servers: [soc_demo] }
//
// Records get person jon.snow@westeros.example, session.id s1 and prompt.id p1 unless they say
// otherwise (null removes one); `_service` and `_kind` set the record's service and kind.

export interface RuleTestCase {
  name: string;
  hits: number;
  records?: Record<string, JsonValue>[];
  fixture?: string;
  version?: string;
  allowlists?: Partial<Record<AllowlistName, string[]>>;
}

export interface RuleTestResult {
  name: string;
  expected: number;
  actual: number;
  ok: boolean;
  error?: string;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function parseRuleTests(text: string): RuleTestCase[] {
  const doc = parse(text, { maxAliasCount: 0 }) as unknown;
  if (!isMap(doc) || !Array.isArray(doc.cases)) throw new Error("a tests file holds `cases:`, a list");
  return doc.cases.map((c, i) => {
    if (!isMap(c) || typeof c.name !== "string" || typeof c.hits !== "number") throw new Error(`case ${i + 1} needs a name and hits`);
    if (!Array.isArray(c.records) && typeof c.fixture !== "string") throw new Error(`case "${c.name}" needs records or a fixture`);
    return c as unknown as RuleTestCase;
  });
}

const START = Date.UTC(2026, 11, 4, 9, 0, 0);
const DEFAULTS: Record<string, JsonValue> = { person: "jon.snow@westeros.example", "session.id": "s1", "prompt.id": "p1" };

export function caseRecord(rule: CompiledRule, raw: Record<string, JsonValue>, i: number): DetectionRecord {
  const fields: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries({ ...DEFAULTS, ...raw })) if (!k.startsWith("_") && v !== null) fields[k] = v;
  const at = typeof raw._at === "number" ? raw._at : i;
  const service = (typeof raw._service === "string" ? raw._service : rule.service) as DetectionService;
  fields.service ??= service;
  const str = (k: string) => (typeof fields[k] === "string" ? (fields[k] as string) : null);
  return {
    kind: (typeof raw._kind === "string" ? raw._kind : service === "compliance_activity" ? "compliance" : "event") as EvidenceKind,
    id: `case-${i}`, time: new Date(START + at * 1000), service,
    name: str("event.name") ?? str("span.name") ?? str("type") ?? "record",
    person: str("person"), sessionId: str("session.id"), promptId: str("prompt.id"), traceId: null, fields,
  };
}



const fixtureCache = new Map<string, DetectionRecord[]>();

/** Every record of a captured scenario (its http-json capture), ordered by time, as the evaluators would see them. */
export function fixtureRecords(scenario: string, version?: string): DetectionRecord[] {
  const key = `${version ?? "2.1.197"}/${scenario}`;
  const cached = fixtureCache.get(key);
  if (cached) return cached;
  const dir = version === "2.1.332" ? FIXTURES_2_1_332_DIR : FIXTURES_DIR;
  const requests = fixturesOf(scenario, "http-json", dir);
  if (requests.length === 0) throw new Error(`no fixture ${key}`);
  const events: EventRow[] = [];
  const spans: SpanRow[] = [];
  for (const r of requests) {
    if (r.signal === "logs") events.push(...normalizeLogs(decodeJsonRequest("logs", r.body()), new Date(START)).events);
    if (r.signal === "traces") spans.push(...normalizeTraces(decodeJsonRequest("traces", r.body())).spans);
  }
  const records = [
    ...events.map((e) => eventRecord(e, personOf(e))),
    ...spans.map((s) => spanRecord(s, personOf(s))),
  ].filter((r): r is DetectionRecord => r !== null);
  records.sort((a, b) => a.time.getTime() - b.time.getTime() || a.id.localeCompare(b.id));
  fixtureCache.set(key, records);
  return records;
}

/** How many hits a rule raises on records: matching records (single-event) or correlation hits. */
export function countHits(rule: CompiledRule, records: DetectionRecord[], tuning: TenantTuning): number {
  if (rule.kind === "correlation") return correlate(rule, records, tuning).length;
  return records.filter((r) => matchRecord(rule, r, tuning) !== null).length;
}

function tuningOf(c: RuleTestCase): TenantTuning {
  const t = emptyTuning();
  for (const l of ALLOWLISTS) t.allowlists[l] = c.allowlists?.[l] ?? [];
  return t;
}

/** Run a rule's test cases. */
export function runRuleTests(rule: CompiledRule): RuleTestResult[] {
  if (!rule.tests) return [];
  let cases: RuleTestCase[];
  try {
    cases = parseRuleTests(rule.tests);
  } catch (err) {
    return [{ name: "tests file", expected: 0, actual: 0, ok: false, error: err instanceof Error ? err.message : String(err) }];
  }
  return cases.map((c) => {
    try {
      const records = c.fixture ? fixtureRecords(c.fixture, c.version) : (c.records ?? []).map((r, i) => caseRecord(rule, r, i));
      const actual = countHits(rule, records, tuningOf(c));
      return { name: c.name, expected: c.hits, actual, ok: actual === c.hits };
    } catch (err) {
      return { name: c.name, expected: c.hits, actual: 0, ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  });
}
