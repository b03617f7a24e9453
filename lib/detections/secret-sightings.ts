import type pg from "pg";
import { getPool } from "@/lib/db/pool";
import { personColumns, personKeySql } from "@/lib/domain/person";
import type { ApiAlertEvidence } from "./alert-read";

// "Seen before": where else a secret an alert found was seen. Ingest masking replaces each secret
// with a marker and lists its fingerprint (kind:hmac8, keyed per tenant) in the record's
// secret_fingerprints (lib/secrets/mask.ts), so the same secret can be followed across sessions,
// people, surfaces and Compliance transcripts without being stored. Fingerprints are metadata:
// every reader of the alert may see them (the secret itself is in no table).

type Db = Pick<pg.ClientBase, "query">;

export interface SecretSighting {
  /** kind:hmac8, as in the marker `[secret:<kind>:hmac8=<hmac8>]`. */
  fingerprint: string;
  kind: string;
  /** Records holding it outside this alert's evidence: telemetry events and spans, Compliance messages. */
  elsewhere: { records: number; sessions: number; people: number; firstSeen: string | null; lastSeen: string | null };
  /** First seen anywhere (this alert included): "seen before" when earlier than the alert. */
  firstSeen: string;
}

/** The fingerprints in an alert's evidence records (events and spans). */
async function evidenceFingerprints(tenantId: string, evidence: ApiAlertEvidence[], db: Db): Promise<string[]> {
  const eventIds = evidence.filter((e) => e.kind === "event" && /^[0-9a-f-]{36}$/i.test(e.id)).map((e) => e.id);
  const spanIds = evidence.filter((e) => e.kind === "span").map((e) => e.id);
  if (eventIds.length === 0 && spanIds.length === 0) return [];
  const r = await db.query<{ fp: string }>(
    `SELECT DISTINCT fp FROM (
       SELECT unnest(secret_fingerprints) AS fp FROM events WHERE tenant_id = $1 AND id = ANY($2::uuid[])
       UNION ALL
       SELECT unnest(secret_fingerprints) FROM spans WHERE tenant_id = $1 AND (trace_id || '/' || span_id) = ANY($3::text[])
     ) x ORDER BY fp`,
    [tenantId, eventIds, spanIds],
  );
  return r.rows.map((row) => row.fp);
}

/**
 * For each secret in the alert's evidence: how often, in how many sessions and by how many people
 * it was seen outside this alert's evidence, and when it was first seen anywhere. Reads the GIN
 * indexes on secret_fingerprints (events' and spans' hold only records with a secret: the
 * `cardinality(…) > 0` lets the planner use them); at most 20 fingerprints per alert.
 */
export async function secretSightings(tenantId: string, evidence: ApiAlertEvidence[], db: Db = getPool()): Promise<SecretSighting[]> {
  const fingerprints = (await evidenceFingerprints(tenantId, evidence, db)).slice(0, 20);
  if (fingerprints.length === 0) return [];
  const excluded = evidence.map((e) => `${e.kind}:${e.id}`);
  const eventPerson = personKeySql(personColumns("e"));
  const spanPerson = personKeySql(personColumns("s", { enduser: false, accountId: false, device: false }));
  const r = await db.query<{ fp: string; records: number; sessions: number; people: number; first_elsewhere: Date | null; last_elsewhere: Date | null; first_any: Date }>(
    `WITH seen AS (
       SELECT fp, 'event:' || e.id AS ref, e.session_id AS sess, ${eventPerson} AS person, e.time
         FROM events e, unnest(e.secret_fingerprints) fp
        WHERE e.tenant_id = $1 AND e.secret_fingerprints && $2::text[] AND cardinality(e.secret_fingerprints) > 0
       UNION ALL
       SELECT fp, 'span:' || s.trace_id || '/' || s.span_id, s.session_id, ${spanPerson}, s.start_time
         FROM spans s, unnest(s.secret_fingerprints) fp
        WHERE s.tenant_id = $1 AND s.secret_fingerprints && $2::text[] AND cardinality(s.secret_fingerprints) > 0
       UNION ALL
       SELECT fp, 'compliance:' || m.id, 'chat:' || m.chat_id, COALESCE(lower(c.user_email), c.user_id, ''), m.created_at
         FROM compliance_chat_messages m JOIN compliance_chats c ON c.tenant_id = m.tenant_id AND c.id = m.chat_id, unnest(m.secret_fingerprints) fp
        WHERE m.tenant_id = $1 AND m.secret_fingerprints && $2::text[]
       UNION ALL
       SELECT fp, 'compliance:' || m.id, 'session:' || m.session_id, COALESCE(lower(cs.user_email), cs.user_id, ''), m.created_at
         FROM compliance_session_messages m JOIN compliance_sessions cs ON cs.tenant_id = m.tenant_id AND cs.id = m.session_id, unnest(m.secret_fingerprints) fp
        WHERE m.tenant_id = $1 AND m.secret_fingerprints && $2::text[]
     )
     SELECT fp,
            count(*) FILTER (WHERE NOT ref = ANY($3::text[]))::int AS records,
            count(DISTINCT sess) FILTER (WHERE NOT ref = ANY($3::text[]))::int AS sessions,
            count(DISTINCT NULLIF(person, '')) FILTER (WHERE NOT ref = ANY($3::text[]))::int AS people,
            min(time) FILTER (WHERE NOT ref = ANY($3::text[])) AS first_elsewhere,
            max(time) FILTER (WHERE NOT ref = ANY($3::text[])) AS last_elsewhere,
            min(time) AS first_any
       FROM seen WHERE fp = ANY($2::text[]) GROUP BY fp ORDER BY fp`,
    [tenantId, fingerprints, excluded],
  );
  return r.rows.map((row) => ({
    fingerprint: row.fp,
    kind: row.fp.slice(0, row.fp.lastIndexOf(":")),
    elsewhere: {
      records: row.records, sessions: row.sessions, people: row.people,
      firstSeen: row.first_elsewhere?.toISOString() ?? null, lastSeen: row.last_elsewhere?.toISOString() ?? null,
    },
    firstSeen: row.first_any.toISOString(),
  }));
}
