import type pg from "pg";
import { insertUnnest, type Cell } from "@/lib/db/unnest-insert";
import type { ComplianceActivityRow } from "@/lib/detections/evaluator-contract";

// The coverage page's Compliance activity levels (migrations 20261205200700_compliance_activity_rollups,
// 20261205200800_compliance_actor_latest): per UTC day, the activities by type and actor type
// (compliance_activity_daily) and by actor (compliance_actor_daily: the identity columns, '' for
// none); per actor, its latest activity and latest Cowork activity (compliance_actor_latest). Kept by storeActivities in the
// transaction that stores the activities, from the rows it actually inserted (a redelivered
// activity inserts nothing, so it counts nothing); rebuildComplianceRollups is the same rules in
// SQL, as the migration's backfill.

type Db = Pick<pg.ClientBase, "query">;

/** The types counted as Cowork activity (the coverage page's rule, `type LIKE '%cowork%'`). */
const isCowork = (type: string) => type.includes("cowork");

interface Sums {
  key: Cell[];
  records: number;
  cowork: number;
  last: Date;
}

function sum(into: Map<string, Sums>, key: Cell[], a: ComplianceActivityRow): void {
  const id = JSON.stringify(key);
  const row = into.get(id);
  const cowork = isCowork(a.type) ? 1 : 0;
  if (!row) into.set(id, { key, records: 1, cowork, last: a.createdAt });
  else {
    row.records += 1;
    row.cowork += cowork;
    if (a.createdAt > row.last) row.last = a.createdAt;
  }
}

/** Adds newly stored activities to the levels (call in the transaction that inserted them). */
export async function updateComplianceRollups(db: Db, tenantId: string, inserted: ComplianceActivityRow[]): Promise<void> {
  if (inserted.length === 0) return;
  const byType = new Map<string, Sums>();
  const byActor = new Map<string, Sums>();
  for (const a of inserted) {
    const day = a.createdAt.toISOString().slice(0, 10);
    sum(byType, [day, a.type, a.actorType ?? ""], a);
    sum(byActor, [day, a.actorType ?? "", a.actorEmail ?? "", a.actorUserId ?? "", a.actorAccountUuid ?? ""], a);
  }
  await insertUnnest(
    db, "compliance_activity_daily", { tenant_id: tenantId },
    [
      { name: "day", type: "date" }, { name: "type", type: "text" }, { name: "actor_type", type: "text" },
      { name: "records", type: "int8" }, { name: "last_seen", type: "timestamptz" },
    ],
    [...byType.values()].map((r) => [...r.key, r.records, r.last.toISOString()]),
    `ON CONFLICT (tenant_id, day, type, actor_type) DO UPDATE SET
       records = compliance_activity_daily.records + EXCLUDED.records,
       last_seen = GREATEST(compliance_activity_daily.last_seen, EXCLUDED.last_seen)`,
    3, // the whole key: day … actor_type
  );
  await insertUnnest(
    db, "compliance_actor_daily", { tenant_id: tenantId },
    [
      { name: "day", type: "date" }, { name: "actor_type", type: "text" }, { name: "actor_email", type: "text" },
      { name: "actor_user_id", type: "text" }, { name: "actor_account_uuid", type: "text" },
      { name: "records", type: "int8" }, { name: "cowork_records", type: "int8" }, { name: "last_seen", type: "timestamptz" },
    ],
    [...byActor.values()].map((r) => [...r.key, r.records, r.cowork, r.last.toISOString()]),
    `ON CONFLICT (tenant_id, day, actor_type, actor_email, actor_user_id, actor_account_uuid) DO UPDATE SET
       records = compliance_actor_daily.records + EXCLUDED.records,
       cowork_records = compliance_actor_daily.cowork_records + EXCLUDED.cowork_records,
       last_seen = GREATEST(compliance_actor_daily.last_seen, EXCLUDED.last_seen)`,
    5, // the whole key: day … actor_account_uuid
  );
  const latest = new Map<string, { key: Cell[]; last: Date; cowork: Date | null }>();
  for (const a of inserted) {
    const key = [a.actorType ?? "", a.actorEmail ?? "", a.actorUserId ?? "", a.actorAccountUuid ?? ""];
    const id = JSON.stringify(key);
    const row = latest.get(id) ?? { key, last: a.createdAt, cowork: null };
    if (a.createdAt > row.last) row.last = a.createdAt;
    if (isCowork(a.type) && (!row.cowork || a.createdAt > row.cowork)) row.cowork = a.createdAt;
    latest.set(id, row);
  }
  await insertUnnest(
    db, "compliance_actor_latest", { tenant_id: tenantId },
    [
      { name: "actor_type", type: "text" }, { name: "actor_email", type: "text" }, { name: "actor_user_id", type: "text" },
      { name: "actor_account_uuid", type: "text" }, { name: "last_seen", type: "timestamptz" }, { name: "cowork_last_seen", type: "timestamptz" },
    ],
    [...latest.values()].map((r) => [...r.key, r.last.toISOString(), r.cowork?.toISOString() ?? null]),
    // GREATEST ignores NULL: a batch without Cowork activity keeps the actor's latest one.
    `ON CONFLICT (tenant_id, actor_type, actor_email, actor_user_id, actor_account_uuid) DO UPDATE SET
       last_seen = GREATEST(compliance_actor_latest.last_seen, EXCLUDED.last_seen),
       cowork_last_seen = GREATEST(compliance_actor_latest.cowork_last_seen, EXCLUDED.cowork_last_seen)`,
    4, // the whole key: actor_type … actor_account_uuid
  );
}

/** Recomputes the levels of a tenant from its stored activities (after a bulk load that bypassed storeActivities). */
export async function rebuildComplianceRollups(client: Db, tenantId: string): Promise<void> {
  await client.query(`DELETE FROM compliance_activity_daily WHERE tenant_id = $1`, [tenantId]);
  await client.query(`DELETE FROM compliance_actor_daily WHERE tenant_id = $1`, [tenantId]);
  await client.query(`DELETE FROM compliance_actor_latest WHERE tenant_id = $1`, [tenantId]);
  const day = `(created_at AT TIME ZONE 'UTC')::date`;
  await client.query(
    `INSERT INTO compliance_activity_daily (tenant_id, day, type, actor_type, records, last_seen)
     SELECT tenant_id, ${day}, type, COALESCE(actor_type, ''), count(*), max(created_at)
     FROM compliance_activities WHERE tenant_id = $1 GROUP BY 1, 2, 3, 4`,
    [tenantId],
  );
  await client.query(
    `INSERT INTO compliance_actor_daily (tenant_id, day, actor_type, actor_email, actor_user_id, actor_account_uuid, records, cowork_records, last_seen)
     SELECT tenant_id, ${day}, COALESCE(actor_type, ''), COALESCE(actor_email, ''), COALESCE(actor_user_id, ''), COALESCE(actor_account_uuid, ''),
            count(*), count(*) FILTER (WHERE type LIKE '%cowork%'), max(created_at)
     FROM compliance_activities WHERE tenant_id = $1 GROUP BY 1, 2, 3, 4, 5, 6`,
    [tenantId],
  );
  await client.query(
    `INSERT INTO compliance_actor_latest (tenant_id, actor_type, actor_email, actor_user_id, actor_account_uuid, last_seen, cowork_last_seen)
     SELECT tenant_id, COALESCE(actor_type, ''), COALESCE(actor_email, ''), COALESCE(actor_user_id, ''), COALESCE(actor_account_uuid, ''),
            max(created_at), max(created_at) FILTER (WHERE type LIKE '%cowork%')
     FROM compliance_activities WHERE tenant_id = $1 GROUP BY 1, 2, 3, 4, 5`,
    [tenantId],
  );
}
