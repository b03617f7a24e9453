import type pg from "pg";
import { insertUnnest, type Cell } from "@/lib/db/unnest-insert";
import { personKey } from "@/lib/domain/person";
import { EVENT, SPAN } from "@/lib/domain/vocabulary";
import type { EventRow, MetricPointRow, SpanRow } from "@/lib/sources/model";

// Rollups kept up to date inside the ingest transaction, from the rows that batch actually
// inserted (a retried batch inserts nothing, so it counts nothing). The same rules backfill the
// tables in migration 20261122050000_rollups, and migration 20261205000100_person_key recomputes
// decision_rollups.user_key under the person key of lib/domain/person.ts: keep them in step.

const HOUR_MS = 3_600_000;

function hour(d: Date): string {
  return new Date(Math.floor(d.getTime() / HOUR_MS) * HOUR_MS).toISOString();
}

const DAY_MS = 86_400_000;
const dayNames = new Map<number, string>();

/** The UTC day of a time as YYYY-MM-DD (memoized: a batch spans a day or two). */
function day(d: Date): string {
  const n = Math.floor(d.getTime() / DAY_MS);
  let name = dayNames.get(n);
  if (name === undefined) {
    name = new Date(n * DAY_MS).toISOString().slice(0, 10);
    if (dayNames.size > 10_000) dayNames.clear();
    dayNames.set(n, name);
  }
  return name;
}

function text(v: unknown): string {
  return typeof v === "string" ? v : "";
}

class Counter<K extends Cell[]> {
  readonly rows = new Map<string, { key: K; values: number[]; last: Date }>();

  add(key: K, values: number[], time: Date): void {
    const id = JSON.stringify(key);
    const row = this.rows.get(id);
    if (!row) this.rows.set(id, { key, values: [...values], last: time });
    else {
      values.forEach((v, i) => (row.values[i] += v));
      if (time > row.last) row.last = time;
    }
  }
}

export async function updateRollups(
  client: Pick<pg.ClientBase, "query">,
  tenantId: string,
  inserted: { events: EventRow[]; spans: SpanRow[]; points: MetricPointRow[] },
): Promise<void> {
  const decisions = new Counter<Cell[]>();
  const sources = new Counter<Cell[]>();

  for (const e of inserted.events) {
    if (e.eventName === EVENT.toolDecision) {
      const team = text(e.attributes["team.id"]) || text(e.attributes.department);
      decisions.add([hour(e.time), e.source, personKey(e), team, e.toolName ?? "", e.mcpServer ?? "", e.decision ?? "", e.decisionSource ?? "", ""], [1], e.time);
    }
    const prompt = e.attributes.prompt;
    const isPrompt = e.eventName === EVENT.userPrompt;
    sources.add([day(e.time), e.source, "event", e.serviceVersion ?? "", e.eventName], [
      1,
      e.userEmail || e.accountUuid || e.accountId ? 1 : 0,
      isPrompt && typeof prompt === "string" && prompt !== "<REDACTED>" ? 1 : 0,
      isPrompt && (typeof prompt !== "string" || prompt === "<REDACTED>") ? 1 : 0,
      "tool_parameters" in e.attributes || "tool_input" in e.attributes ? 1 : 0,
      e.truncatedKeys.length > 0 ? 1 : 0,
    ], e.time);
  }
  for (const s of inserted.spans) {
    if (s.name === SPAN.officeToolExecution && s.source === "office") {
      decisions.add([hour(s.startTime), "office", personKey(s), "", s.toolName ?? "", "", s.decision ?? "", "", s.readWrite ?? ""], [1], s.startTime);
    }
    sources.add([day(s.startTime), s.source, "span", text(s.attributes["office.version"]), s.name], [
      1, s.userEmail || s.accountUuid ? 1 : 0, 0, 0, "tool.input" in s.attributes ? 1 : 0, s.truncatedKeys.length > 0 ? 1 : 0,
    ], s.startTime);
  }
  for (const p of inserted.points) {
    sources.add([day(p.time), p.source, "metric", text(p.attributes["app.version"]), p.metricName], [1, p.userEmail || p.accountUuid ? 1 : 0, 0, 0, 0, 0], p.time);
  }

  if (decisions.rows.size) {
    await insertUnnest(
      client, "decision_rollups", { tenant_id: tenantId },
      [
        { name: "bucket", type: "timestamptz" }, { name: "surface", type: "text" }, { name: "user_key", type: "text" }, { name: "team", type: "text" },
        { name: "tool_name", type: "text" }, { name: "mcp_server", type: "text" }, { name: "decision", type: "text" },
        { name: "decision_source", type: "text" }, { name: "read_write", type: "text" }, { name: "count", type: "int8" },
      ],
      [...decisions.rows.values()].map((r) => [...r.key, r.values[0]]),
      `ON CONFLICT (tenant_id, bucket, surface, user_key, team, tool_name, mcp_server, decision, decision_source, read_write)
       DO UPDATE SET count = decision_rollups.count + EXCLUDED.count`,
      9, // the whole key: bucket … read_write
    );
  }
  if (sources.rows.size) {
    await insertUnnest(
      client, "source_rollups", { tenant_id: tenantId },
      [
        { name: "day", type: "date" }, { name: "source", type: "text" }, { name: "kind", type: "text" }, { name: "service_version", type: "text" },
        { name: "name", type: "text" }, { name: "records", type: "int8" }, { name: "with_identity", type: "int8" }, { name: "prompt_captured", type: "int8" },
        { name: "prompt_redacted", type: "int8" }, { name: "tool_details", type: "int8" }, { name: "truncated", type: "int8" }, { name: "last_seen", type: "timestamptz" },
      ],
      [...sources.rows.values()].map((r) => [...r.key, ...r.values, r.last.toISOString()]),
      `ON CONFLICT (tenant_id, day, source, kind, service_version, name) DO UPDATE SET
         records = source_rollups.records + EXCLUDED.records,
         with_identity = source_rollups.with_identity + EXCLUDED.with_identity,
         prompt_captured = source_rollups.prompt_captured + EXCLUDED.prompt_captured,
         prompt_redacted = source_rollups.prompt_redacted + EXCLUDED.prompt_redacted,
         tool_details = source_rollups.tool_details + EXCLUDED.tool_details,
         truncated = source_rollups.truncated + EXCLUDED.truncated,
         last_seen = GREATEST(source_rollups.last_seen, EXCLUDED.last_seen)`,
      5, // the whole key: day … name
    );
  }
}
