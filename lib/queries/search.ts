import { getPool } from "@/lib/db/pool";
import { exploreHref } from "@/lib/explore/url";
import { promptHref, sessionHref } from "@/lib/presentation/links";

// The console's search box: one identifier in, the page that explains it out.

export type SearchTarget = { href: string; label: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TRACE = /^[0-9a-f]{32}$/i;

export async function resolveSearch(tenantId: string, raw: string): Promise<SearchTarget[]> {
  const q = raw.trim();
  if (q === "") return [];
  const pool = getPool();
  const out: SearchTarget[] = [];

  if (TRACE.test(q)) {
    const { rowCount } = await pool.query(`SELECT 1 FROM spans WHERE tenant_id = $1 AND trace_id = $2 LIMIT 1`, [tenantId, q.toLowerCase()]);
    if (rowCount) out.push({ href: `/traces/${q.toLowerCase()}`, label: `Trace ${q}` });
  }
  if (q.startsWith("toolu_") || q.startsWith("srvtoolu_")) {
    // The call's first event (its decision, else its result): the prompt page scrolls to and marks it.
    const ev = await pool.query<{ id: string; prompt_id: string | null; session_id: string | null }>(
      `SELECT id, prompt_id, session_id FROM events WHERE tenant_id = $1 AND tool_use_id = $2
       ORDER BY sequence NULLS LAST, time, id LIMIT 1`,
      [tenantId, q],
    );
    const r = ev.rows[0];
    if (r?.prompt_id) out.push({ href: promptHref(r.prompt_id, r.id), label: `Tool call ${q} in prompt ${r.prompt_id}` });
    else if (r?.session_id) out.push({ href: sessionHref(r.session_id), label: `Tool call ${q} in session ${r.session_id}` });
    const sp = await pool.query<{ trace_id: string }>(`SELECT trace_id FROM spans WHERE tenant_id = $1 AND tool_use_id = $2 LIMIT 1`, [tenantId, q]);
    if (sp.rows[0]) out.push({ href: `/traces/${sp.rows[0].trace_id}`, label: `Office tool call ${q}` });
  }
  if (out.length === 0) {
    // Prompt and session ids are UUIDs for Claude Code and Cowork; Office session ids are opaque.
    const [prompt, session, spanSession] = await Promise.all([
      UUID.test(q) ? pool.query(`SELECT 1 FROM events WHERE tenant_id = $1 AND prompt_id = $2 LIMIT 1`, [tenantId, q]) : null,
      pool.query(`SELECT 1 FROM events WHERE tenant_id = $1 AND session_id = $2 LIMIT 1`, [tenantId, q]),
      pool.query(`SELECT 1 FROM spans WHERE tenant_id = $1 AND session_id = $2 LIMIT 1`, [tenantId, q]),
    ]);
    if (prompt?.rowCount) out.push({ href: `/prompts/${q}`, label: `Prompt ${q}` });
    if (session.rowCount || spanSession.rowCount) out.push({ href: `/sessions/${encodeURIComponent(q)}`, label: `Session ${q}` });
  }
  if (out.length === 0) {
    // A person: email, tagged account id, account UUID, device id or enduser.id.
    const who = await pool.query(
      `SELECT 1 FROM identity_observations WHERE tenant_id = $1
         AND (lower(user_email) = lower($2) OR account_id = $2 OR account_uuid = $2 OR user_id = $2 OR lower(enduser_id) = lower($2))
       LIMIT 1`,
      [tenantId, q],
    );
    const compliance = who.rowCount
      ? null
      : await pool.query(
          `SELECT 1 FROM compliance_users WHERE tenant_id = $1 AND (email = lower($2) OR id = $2)
           UNION ALL SELECT 1 FROM compliance_activities WHERE tenant_id = $1 AND (actor_email = lower($2) OR actor_user_id = $2) LIMIT 1`,
          [tenantId, q],
        );
    const isAccount = q.includes("@") || q.startsWith("user_") || UUID.test(q);
    if ((who.rowCount || compliance?.rowCount) && isAccount) out.push({ href: `/people/${encodeURIComponent(q)}?range=all`, label: `Person ${q}` });
    else if (who.rowCount) out.push({ href: exploreHref({ user: q, range: "all" }), label: `Activity of device ${q}` });
  }
  return out;
}
