import type { ComplianceActivityRow, CompiledRule, DetectionEngine } from "@/lib/detections/evaluator-contract";
import { exceptionMatches } from "@/lib/detections/tuning";
import type { DetectionRecord, DetectionService, RuleHit, TenantTuning } from "@/lib/detections/types";
import type { JsonValue } from "@/lib/otlp/values";
import type { EventRow, SpanRow } from "@/lib/sources/model";

// FOR TESTS AND BENCHMARKS ONLY: a small rule engine with a few hand-written rules, including a
// rule that always throws and a burst correlation with a known span, so the evaluators (ingest hook,
// correlation job, backfill, alert store) are tested on behaviours the shipped pack does not have on
// purpose. lib/detections/replay.test.ts runs the evaluators with the shipped Sigma pack.

export const BASH_RULE_ID = "0b5e6d1a-0000-4000-8000-00000000ba51";
export const THROWING_RULE_ID = "0b5e6d1a-0000-4000-8000-0000000000e1";
export const ADMIN_KEY_RULE_ID = "0b5e6d1a-0000-4000-8000-0000000000c1";
export const BURST_RULE_ID = "0b5e6d1a-0000-4000-8000-0000000000b2";

/** The burst rule: at least this many tool decisions of one person within BURST_SPAN_MS. */
export const BURST_COUNT = 3;
export const BURST_SPAN_MS = 10 * 60_000;

function rule(id: string, title: string, service: DetectionService, kind: "event" | "correlation", level: CompiledRule["level"] = "high"): CompiledRule {
  return {
    id, title, description: title, level, status: "test", tags: [], service, kind, file: `test/${id}.yml`, yaml: "", falsepositives: [],
    references: [], conditionText: title, name: null, author: null, date: null, tests: null, testsFile: null,
  };
}

function serviceOf(source: string): DetectionService {
  return source === "cowork" ? "cowork" : source === "office" ? "office_agent" : "claude_code";
}

function excepted(rule: CompiledRule, record: DetectionRecord, tuning: TenantTuning): boolean {
  return tuning.exceptions.some((e) => (e.ruleId === null || e.ruleId === rule.id) && exceptionMatches(e, e.field === "person" ? record.person : record.fields[e.field]));
}

export interface TestEngineOptions {
  /** Include a rule whose evaluation always throws (a broken rule). */
  throwing?: boolean;
  /** Include the correlation rule (BURST_COUNT tool decisions of one person in BURST_SPAN_MS). */
  burst?: boolean;
}

export function createTestEngine(opts: TestEngineOptions = {}): DetectionEngine & { evaluatedRecords: number } {
  const rules: CompiledRule[] = [
    rule(BASH_RULE_ID, "Bash tool used", "claude_code", "event"),
    rule(ADMIN_KEY_RULE_ID, "Admin API key created", "compliance_activity", "event", "critical"),
  ];
  if (opts.throwing) rules.push(rule(THROWING_RULE_ID, "Broken rule", "claude_code", "event"));
  if (opts.burst) rules.push(rule(BURST_RULE_ID, "Burst of tool decisions", "claude_code", "correlation", "medium"));
  const pack = { rules, errors: [] };

  const engine: DetectionEngine & { evaluatedRecords: number } = {
    evaluatedRecords: 0,
    loadPack: () => pack,
    isEnabled: (r, tuning) => tuning.settings.get(r.id)?.enabled ?? true,
    effectiveLevel: (r, tuning) => tuning.settings.get(r.id)?.level ?? r.level,
    matchRecord(r, record, tuning): Record<string, string> | null {
      engine.evaluatedRecords += 1;
      if (r.id === THROWING_RULE_ID) throw new TypeError("cannot read the rule's field");
      if (excepted(r, record, tuning)) return null;
      if (r.id === BASH_RULE_ID && record.fields.tool_name === "Bash") return { tool_name: "Bash" };
      if (r.id === ADMIN_KEY_RULE_ID && record.name === "admin_api_key_created") return { type: record.name };
      return null;
    },
    correlate(r, records, tuning) {
      if (r.id !== BURST_RULE_ID) return [];
      const groups = new Map<string, DetectionRecord[]>();
      for (const rec of records) {
        if (rec.name !== "tool_decision" || !rec.person || excepted(r, rec, tuning)) continue;
        const start = Math.floor(rec.time.getTime() / BURST_SPAN_MS) * BURST_SPAN_MS;
        const key = `${rec.person}\u0000${start}`;
        const g = groups.get(key) ?? [];
        g.push(rec);
        groups.set(key, g);
      }
      const hits: RuleHit[] = [];
      for (const [key, g] of groups) {
        if (g.length < BURST_COUNT) continue;
        const [person, start] = key.split("\u0000");
        hits.push({
          ruleId: r.id, ruleTitle: r.title, level: engine.effectiveLevel(r, tuning), service: r.service, groupKey: person,
          windowStart: new Date(Number(start)), person, sessionId: g[0].sessionId, promptId: null, traceId: null,
          firstSeen: g[0].time, lastSeen: g[g.length - 1].time, matched: { count: String(g.length) },
          evidence: g.map((x) => ({ kind: x.kind, id: x.id, time: x.time, sessionId: x.sessionId, promptId: x.promptId, name: x.name })),
        });
      }
      return hits;
    },
    eventRecord: (row: EventRow, person) => ({
      kind: "event", id: row.id, time: row.time, service: serviceOf(row.source), name: row.eventName.replace(/^claude_code\./, ""), person,
      sessionId: row.sessionId, promptId: row.promptId, traceId: row.traceId,
      fields: { ...(row.attributes as Record<string, JsonValue>), tool_name: row.toolName, decision_source: row.decisionSource },
    }),
    spanRecord: (row: SpanRow, person) => ({
      kind: "span", id: `${row.traceId}/${row.spanId}`, time: row.startTime, service: serviceOf(row.source), name: row.name, person,
      sessionId: row.sessionId, promptId: null, traceId: row.traceId, fields: { ...(row.attributes as Record<string, JsonValue>), tool_name: row.toolName },
    }),
    complianceRecord: (row: ComplianceActivityRow, person) => ({
      kind: "compliance", id: row.id, time: row.createdAt, service: "compliance_activity", name: row.type, person, sessionId: null,
      promptId: null, traceId: null, fields: { type: row.type, "actor.email_address": row.actorEmail },
    }),
  };
  return engine;
}

let decisionSeq = 0;

/** Claude Code tool_decision events of one person at the given times, as an OTLP/JSON logs request. */
export function toolDecisionLogs(email: string, times: Date[], tool = "Read"): unknown {
  const kv = (key: string, v: string | number) => ({ key, value: typeof v === "number" ? { intValue: v } : { stringValue: v } });
  return {
    resourceLogs: [{
      resource: { attributes: [kv("service.name", "claude-code"), kv("service.version", "2.1.197")] },
      scopeLogs: [{
        scope: { name: "com.anthropic.claude_code.events", version: "2.1.197" },
        logRecords: times.map((t) => {
          decisionSeq += 1;
          return {
            timeUnixNano: `${t.getTime()}000000`,
            body: { stringValue: "claude_code.tool_decision" },
            attributes: [
              kv("user.email", email), kv("session.id", `session-${email}`), kv("event.name", "tool_decision"),
              kv("event.timestamp", t.toISOString()), kv("event.sequence", decisionSeq), kv("prompt.id", `prompt-${decisionSeq}`),
              kv("decision", "accept"), kv("source", "config"), kv("tool_name", tool),
            ],
          };
        }),
      }],
    }],
  };
}
