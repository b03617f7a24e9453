import { getPool } from "@/lib/db/pool";
import { textStream } from "@/lib/util/text-stream";
import { ALERT_SELECT, evidenceOf, toApiAlert, type AlertDbRow } from "@/lib/detections/alert-read";
import { activityToOcsf, alertToFinding, eventToOcsf, type OcsfActivityRow, type OcsfEventRow } from "./map";

// GET /api/v1/export/ocsf as NDJSON, one OCSF record a line, read page by page in keyset order
// (500 rows per query) so memory stays flat at any size and no statement runs long.
//   findings: alerts active in [from, to) (first seen before `to`, last seen at or after `from`)
//   events:   telemetry events with time in [from, to), then Compliance activities created in it

export const OCSF_KINDS = ["findings", "events"] as const;
export type OcsfKind = (typeof OCSF_KINDS)[number];

const DEFAULT_PAGE = 500;

export interface OcsfExportQuery {
  tenantId: string;
  kind: OcsfKind;
  from: Date;
  to: Date;
  canReadContent: boolean;
  /** Rows per query (default 500). */
  pageSize?: number;
}

const lines = (records: object[]) => records.map((r) => `${JSON.stringify(r)}\n`).join("");

async function* findings(q: OcsfExportQuery): AsyncGenerator<string> {
  let after: { t: Date; id: string } | null = null;
  for (;;) {
    const rows: AlertDbRow[] = (await getPool().query<AlertDbRow>(
      `SELECT ${ALERT_SELECT} FROM alerts a
        WHERE a.tenant_id = $1 AND a.first_seen < $3 AND a.last_seen >= $2
          AND ($4::timestamptz IS NULL OR (a.first_seen, a.id) > ($4::timestamptz, $5::uuid))
        ORDER BY a.first_seen, a.id LIMIT $6`,
      [q.tenantId, q.from, q.to, after?.t ?? null, after?.id ?? null, q.pageSize ?? DEFAULT_PAGE],
    )).rows;
    if (rows.length === 0) return;
    const evidence = await evidenceOf(q.tenantId, rows.map((r) => r.id));
    yield lines(rows.map((r) => alertToFinding(toApiAlert(r, evidence.get(r.id) ?? [], q.canReadContent), q.tenantId)));
    const last = rows[rows.length - 1];
    after = { t: last.first_seen, id: last.id };
    if (rows.length < (q.pageSize ?? DEFAULT_PAGE)) return;
  }
}

const EVENT_COLUMNS = `id, source, event_name, time, session_id, prompt_id, user_id, user_email, account_uuid, organization_id, service_version,
  tool_name, tool_use_id, mcp_server, mcp_tool, success, duration_ms, error, status_code, model, request_id,
  input_tokens, output_tokens, fields, attributes`;

async function* events(q: OcsfExportQuery): AsyncGenerator<string> {
  let after: { t: Date; id: string } | null = null;
  for (;;) {
    const rows: OcsfEventRow[] = (await getPool().query<OcsfEventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events
        WHERE tenant_id = $1 AND time >= $2 AND time < $3
          AND ($4::timestamptz IS NULL OR (time, id) > ($4::timestamptz, $5::uuid))
        ORDER BY time, id LIMIT $6`,
      [q.tenantId, q.from, q.to, after?.t ?? null, after?.id ?? null, q.pageSize ?? DEFAULT_PAGE],
    )).rows;
    if (rows.length === 0) break;
    yield lines(rows.map((r) => eventToOcsf(r, q.tenantId, q.canReadContent)));
    const last = rows[rows.length - 1];
    after = { t: last.time, id: last.id };
    if (rows.length < (q.pageSize ?? DEFAULT_PAGE)) break;
  }
  let afterActivity: { t: Date; id: string } | null = null;
  for (;;) {
    const rows: OcsfActivityRow[] = (await getPool().query<OcsfActivityRow>(
      `SELECT id, created_at, type, actor_type, actor_email, actor_user_id, actor_ip, actor_user_agent, raw FROM compliance_activities
        WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3
          AND ($4::timestamptz IS NULL OR (created_at, id) > ($4::timestamptz, $5::text))
        ORDER BY created_at, id LIMIT $6`,
      [q.tenantId, q.from, q.to, afterActivity?.t ?? null, afterActivity?.id ?? null, q.pageSize ?? DEFAULT_PAGE],
    )).rows;
    if (rows.length === 0) return;
    yield lines(rows.map((a) => activityToOcsf(a, q.tenantId, q.canReadContent)));
    const last = rows[rows.length - 1];
    afterActivity = { t: last.created_at, id: last.id };
    if (rows.length < (q.pageSize ?? DEFAULT_PAGE)) return;
  }
}

/** The export as a byte stream; a failure mid-way ends the stream with an error (logged without data). */
export function ocsfStream(q: OcsfExportQuery): ReadableStream<Uint8Array> {
  return textStream(q.kind === "findings" ? findings(q) : events(q), "ocsf");
}
