import type pg from "pg";
import { z } from "zod";
import { toPostgresJson, toPostgresParams } from "@/lib/db/postgres-values";
import { insertUnnest, insertUnnestReturning, type Cell, type PgType } from "@/lib/db/unnest-insert";
import { updateComplianceRollups } from "@/lib/compliance/rollups";
import { evaluateFresh } from "@/lib/detections/evaluate";
import type { ComplianceActivityRow } from "@/lib/detections/evaluator-contract";
import type { JsonValue } from "@/lib/otlp/values";
import { fromTaggedId, isUuid, orgTaggedId } from "@/lib/identity/tagged-id";
import { ComplianceMasker } from "@/lib/secrets/mask";

// Compliance API records (https://platform.claude.com/docs/en/manage-claude/compliance-api) → the compliance_* tables. One path for the
// connector and for file imports, so both write the same rows and deduplicate on the same ids.
// Records are validated loosely (unknown fields and activity types pass through into `raw`)
// but the fields we key, join and sort on must be present and well formed. The content of chats,
// sessions and their messages (text, tool inputs and results, titles) is masked under the
// tenant's data policy before it is stored (lib/secrets/mask.ts: ComplianceMasker).

type Db = Pick<pg.ClientBase, "query">;
export type Origin = "api" | "import";

export interface StoreResult {
  accepted: number;
  duplicates: number;
  rejected: number;
  errors: string[];
}

const MAX_ERRORS = 20;

const cols = (...list: [string, PgType][]) => list.map(([name, type]) => ({ name, type }));

export function emptyResult(): StoreResult {
  return { accepted: 0, duplicates: 0, rejected: 0, errors: [] };
}

export function mergeResults(a: StoreResult, b: StoreResult): StoreResult {
  return {
    accepted: a.accepted + b.accepted,
    duplicates: a.duplicates + b.duplicates,
    rejected: a.rejected + b.rejected,
    errors: [...a.errors, ...b.errors].slice(0, MAX_ERRORS),
  };
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

/**
 * An RFC 3339 time that Postgres's timestamptz takes. Date.parse alone lets through what Postgres
 * refuses ("2026-02-30", year 0, "+275760-…", "1"), and one such value failed its whole page (the
 * connector retried that page forever; an import stopped there).
 */
function isRfc3339(s: string): boolean {
  const m = RFC3339.exec(s);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate(); // day 0 of the next month
  const offsetOk = m[9] === undefined || (Number(m[9]) <= 15 && Number(m[10]) <= 59); // Postgres: ±15:59
  const fields = year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59;
  // And one JavaScript reads too (no leap second 60), as activities are stored via Date.
  return fields && offsetOk && !Number.isNaN(Date.parse(s));
}

const rfc3339 = z.string().refine(isRfc3339, "must be an RFC 3339 time");
const nullableString = z.string().nullish().transform((v) => v ?? null);

function describeZod(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join(".") || "record"}: ${i.message}`).join("; ");
}

function reject(result: StoreResult, what: string, message: string): void {
  result.rejected += 1;
  if (result.errors.length < MAX_ERRORS) result.errors.push(`${what}: ${message}`);
}

/** The UUID of a tagged user id, when it is one (user_01… ⇄ OTel user.account_uuid). */
function accountUuidOf(userId: string | null): string | null {
  if (!userId) return null;
  const t = fromTaggedId(userId);
  return t && t.tag === "user" ? t.uuid : null;
}

// ---- activities --------------------------------------------------------------------------

export const activitySchema = z
  .object({
    id: z.string().min(1),
    created_at: rfc3339,
    type: z.string().min(1),
    organization_id: nullableString,
    organization_uuid: nullableString,
    actor: z
      .object({
        type: z.string(),
        email_address: nullableString,
        user_id: nullableString,
        ip_address: nullableString,
        user_agent: nullableString,
        unauthenticated_email_address: nullableString,
      })
      .passthrough()
      .nullish(),
  })
  .passthrough();

/** A stored activity row (the cells above, in column order) as the detection rules read it. */
function activityRow(r: Cell[]): ComplianceActivityRow {
  const text = (v: Cell) => (typeof v === "string" ? v : null);
  return {
    id: r[0] as string, createdAt: new Date(r[1] as string), type: r[2] as string, organizationId: text(r[3]), organizationUuid: text(r[4]),
    actorType: text(r[5]), actorEmail: text(r[6]), actorUserId: text(r[7]), actorAccountUuid: text(r[8]), actorIp: text(r[9]),
    actorUserAgent: text(r[10]), raw: r[11],
  };
}

export async function storeActivities(db: Db, tenantId: string, records: unknown[], origin: Origin): Promise<StoreResult> {
  const result = emptyResult();
  const rows: Cell[][] = [];
  const seen = new Set<string>();
  // Activities carry what people typed or sent (request bodies and URLs, file and project names):
  // masked like every other Compliance record; the columns above are identity and kind only.
  const masker = await ComplianceMasker.forTenant(tenantId, db);
  records.forEach((r, i) => {
    const parsed = activitySchema.safeParse(r);
    if (!parsed.success) return reject(result, `activity ${i}`, describeZod(parsed.error));
    const a = parsed.data;
    if (seen.has(a.id)) {
      result.duplicates += 1;
      return;
    }
    seen.add(a.id);
    const userId = a.actor?.user_id ?? null;
    const orgUuid = a.organization_uuid ?? (a.organization_id ? (fromTaggedId(a.organization_id)?.uuid ?? null) : null);
    rows.push([
      a.id, new Date(a.created_at).toISOString(), a.type, a.organization_id, orgUuid, a.actor?.type ?? null,
      (a.actor?.email_address ?? a.actor?.unauthenticated_email_address ?? null)?.toLowerCase() ?? null,
      userId, accountUuidOf(userId), a.actor?.ip_address ?? null, a.actor?.user_agent ?? null, masker.mask(r as JsonValue).record,
    ]);
  });
  if (rows.length === 0) return result;
  const inserted = await insertUnnestReturning<{ id: string }>(db, "compliance_activities", { tenant_id: tenantId, origin },
    cols(["id", "text"], ["created_at", "timestamptz"], ["type", "text"], ["organization_id", "text"], ["organization_uuid", "text"], ["actor_type", "text"],
      ["actor_email", "text"], ["actor_user_id", "text"], ["actor_account_uuid", "text"], ["actor_ip", "text"], ["actor_user_agent", "text"], ["raw", "jsonb"]),
    rows, "ON CONFLICT DO NOTHING", "id");
  result.accepted += inserted.length;
  result.duplicates += rows.length - inserted.length;
  // The coverage rollups and the detection rules see each activity once, when it is first stored (same transaction).
  const fresh = new Set(inserted.map((r) => r.id));
  const stored = rows.filter((r) => fresh.has(r[0] as string)).map(activityRow);
  await updateComplianceRollups(db, tenantId, stored);
  await evaluateFresh(db, tenantId, { activities: stored });
  return result;
}

// ---- chats ---------------------------------------------------------------------------------

const contentBlock = z.object({ type: z.string() }).passthrough();

export const chatMessageSchema = z
  .object({
    id: z.string().min(1),
    role: z.string(),
    created_at: rfc3339,
    content: z.array(contentBlock).nullish(),
  })
  .passthrough();

export const chatSchema = z
  .object({
    id: z.string().min(1),
    name: nullableString,
    created_at: rfc3339,
    updated_at: rfc3339.nullish(),
    deleted_at: rfc3339.nullish(),
    organization_uuid: nullableString,
    project_id: nullableString,
    model: nullableString,
    user: z.object({ id: nullableString, email_address: nullableString }).passthrough().nullish(),
    chat_messages: z.array(z.unknown()).nullish(),
  })
  .passthrough();

function textOf(content: { type: string; text?: unknown }[] | null | undefined): string | null {
  const parts = (content ?? []).filter((b) => b.type === "text" && typeof b.text === "string").map((b) => b.text as string);
  return parts.length ? parts.join("\n") : null;
}

/** A chat with (optionally) its messages; a chat already stored is updated (it may have grown). */
export async function storeChat(db: Db, tenantId: string, record: unknown, origin: Origin): Promise<StoreResult> {
  const result = emptyResult();
  const parsed = chatSchema.safeParse(record);
  if (!parsed.success) {
    reject(result, "chat", describeZod(parsed.error));
    return result;
  }
  const { chat_messages: messages, ...unmasked } = parsed.data;
  const meta = (await ComplianceMasker.forTenant(tenantId, db)).mask(unmasked).record;
  const c = { ...meta, chat_messages: messages };
  const upsert = await db.query(
    `INSERT INTO compliance_chats (tenant_id, id, name, created_at, updated_at, deleted_at, user_id, user_email, organization_uuid, project_id, model, raw, origin)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)
     ON CONFLICT (tenant_id, id) DO UPDATE SET name = EXCLUDED.name, updated_at = EXCLUDED.updated_at, deleted_at = EXCLUDED.deleted_at,
       model = COALESCE(EXCLUDED.model, compliance_chats.model), raw = EXCLUDED.raw
     RETURNING (xmax = 0) AS inserted`,
    toPostgresParams([tenantId, c.id, c.name, c.created_at, c.updated_at ?? null, c.deleted_at ?? null, c.user?.id ?? null, c.user?.email_address?.toLowerCase() ?? null,
      c.organization_uuid, c.project_id, c.model, toPostgresJson(meta), origin]),
  );
  if (upsert.rows[0]?.inserted) result.accepted += 1;
  else result.duplicates += 1;
  if (messages) {
    const m = await storeChatMessages(db, tenantId, c.id, messages);
    result.rejected += m.rejected;
    result.errors.push(...m.errors);
  }
  return result;
}

export async function storeChatMessages(db: Db, tenantId: string, chatId: string, messages: unknown[]): Promise<StoreResult> {
  const result = emptyResult();
  const rows: Cell[][] = [];
  const masker = await ComplianceMasker.forTenant(tenantId, db);
  messages.forEach((m, i) => {
    const { record, redaction, secretFingerprints } = masker.mask(m as JsonValue);
    const parsed = chatMessageSchema.safeParse(record);
    if (!parsed.success) return reject(result, `chat ${chatId} message ${i}`, describeZod(parsed.error));
    const msg = parsed.data;
    rows.push([msg.id, chatId, i, msg.role, msg.created_at, textOf(msg.content as { type: string; text?: unknown }[] | null), record,
      redaction as JsonValue, secretFingerprints]);
  });
  if (rows.length) {
    const n = await insertUnnest(db, "compliance_chat_messages", { tenant_id: tenantId },
      cols(["id", "text"], ["chat_id", "text"], ["ordinal", "int4"], ["role", "text"], ["created_at", "timestamptz"], ["text", "text"], ["raw", "jsonb"],
        ["redaction", "jsonb"], ["secret_fingerprints", "text[]"]),
      rows, "ON CONFLICT DO NOTHING");
    result.accepted += n;
    result.duplicates += rows.length - n;
  }
  return result;
}

// ---- session transcripts ------------------------------------------------------------------

export const sessionSchema = z
  .object({
    id: z.string().min(1),
    type: z.string().optional(),
    product_surface: nullableString,
    organization_uuid: nullableString,
    workspace_id: nullableString,
    status: nullableString,
    created_at: rfc3339,
    updated_at: rfc3339.nullish(),
    user: z.object({ id: nullableString, email_address: nullableString }).passthrough().nullish(),
    started_by_user: z.object({ id: nullableString }).passthrough().nullish(),
  })
  .passthrough();

export const sessionMessageSchema = z
  .object({
    id: z.string().min(1),
    role: z.string(),
    model: nullableString,
    created_at: rfc3339,
    content: z.array(contentBlock).nullish(),
  })
  .passthrough();

export function sessionKind(id: string, type?: string): "local" | "remote" {
  return id.startsWith("cse_") || type === "compliance_remote_session" ? "remote" : "local";
}

export async function storeSession(db: Db, tenantId: string, record: unknown, origin: Origin): Promise<StoreResult> {
  const result = emptyResult();
  const parsed = sessionSchema.safeParse(record);
  if (!parsed.success) {
    reject(result, "session", describeZod(parsed.error));
    return result;
  }
  const s = parsed.data;
  const userId = s.user?.id ?? s.started_by_user?.id ?? null;
  const r = await db.query(
    `INSERT INTO compliance_sessions (tenant_id, id, kind, product_surface, user_id, user_email, organization_uuid, workspace_id, status, created_at, updated_at, raw, origin)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)
     ON CONFLICT (tenant_id, id) DO UPDATE SET updated_at = EXCLUDED.updated_at, status = EXCLUDED.status,
       user_email = COALESCE(EXCLUDED.user_email, compliance_sessions.user_email), raw = EXCLUDED.raw
     RETURNING (xmax = 0) AS inserted`,
    toPostgresParams([tenantId, s.id, sessionKind(s.id, s.type), s.product_surface, userId, s.user?.email_address?.toLowerCase() ?? null, s.organization_uuid,
      s.workspace_id, s.status, s.created_at, s.updated_at ?? null, toPostgresJson((await ComplianceMasker.forTenant(tenantId, db)).mask(record as JsonValue).record), origin]),
  );
  if (r.rows[0]?.inserted) result.accepted += 1;
  else result.duplicates += 1;
  return result;
}

interface ToolBlockRow {
  toolUseId: string;
  kind: "tool_use" | "tool_result";
  name: string | null;
  input: string | null;
  content: unknown;
  isError: boolean | null;
  truncated: boolean;
}

function toolBlocks(content: { type: string; [k: string]: unknown }[] | null | undefined): ToolBlockRow[] {
  const out: ToolBlockRow[] = [];
  for (const b of content ?? []) {
    if (b.type === "tool_use" && typeof b.id === "string") {
      out.push({ toolUseId: b.id, kind: "tool_use", name: typeof b.name === "string" ? b.name : null, input: typeof b.input === "string" ? b.input : JSON.stringify(b.input ?? null), content: null, isError: null, truncated: b.truncated === true });
    } else if (b.type === "tool_result" && typeof b.tool_use_id === "string") {
      out.push({ toolUseId: b.tool_use_id, kind: "tool_result", name: typeof b.name === "string" ? b.name : null, input: null, content: b.content ?? null, isError: typeof b.is_error === "boolean" ? b.is_error : null, truncated: b.truncated === true });
    }
  }
  return out;
}

/** Messages of one transcript, in returned order (messages of one inference share created_at). */
export async function storeSessionMessages(db: Db, tenantId: string, sessionId: string, messages: unknown[], startOrdinal = 0): Promise<StoreResult> {
  const result = emptyResult();
  const rows: Cell[][] = [];
  const blocks: Cell[][] = [];
  const masker = await ComplianceMasker.forTenant(tenantId, db);
  messages.forEach((m, i) => {
    const { record, redaction, secretFingerprints } = masker.mask(m as JsonValue);
    const parsed = sessionMessageSchema.safeParse(record);
    if (!parsed.success) return reject(result, `session ${sessionId} message ${i}`, describeZod(parsed.error));
    const msg = parsed.data;
    const content = msg.content as { type: string; [k: string]: unknown }[] | null | undefined;
    rows.push([msg.id, sessionId, startOrdinal + i, msg.role, msg.model, msg.created_at, textOf(content as { type: string; text?: unknown }[]), record,
      redaction as JsonValue, secretFingerprints]);
    for (const b of toolBlocks(content)) {
      blocks.push([b.toolUseId, b.kind, msg.id, sessionId, b.name, b.input, (b.content ?? null) as JsonValue, b.isError, b.truncated, msg.created_at]);
    }
  });
  if (rows.length) {
    const n = await insertUnnest(db, "compliance_session_messages", { tenant_id: tenantId },
      cols(["id", "text"], ["session_id", "text"], ["ordinal", "int4"], ["role", "text"], ["model", "text"], ["created_at", "timestamptz"], ["text", "text"], ["raw", "jsonb"],
        ["redaction", "jsonb"], ["secret_fingerprints", "text[]"]),
      rows, "ON CONFLICT DO NOTHING");
    result.accepted += n;
    result.duplicates += rows.length - n;
  }
  if (blocks.length) {
    await insertUnnest(db, "compliance_tool_blocks", { tenant_id: tenantId },
      cols(["tool_use_id", "text"], ["kind", "text"], ["message_id", "text"], ["session_id", "text"], ["name", "text"], ["input", "text"],
        ["content", "jsonb"], ["is_error", "bool"], ["truncated", "bool"], ["created_at", "timestamptz"]),
      blocks, "ON CONFLICT DO NOTHING");
  }
  return result;
}

// ---- directory -----------------------------------------------------------------------------

export const organizationSchema = z.object({ uuid: z.string().refine(isUuid, "must be a UUID"), name: nullableString, created_at: rfc3339.nullish() }).passthrough();
export const userSchema = z
  .object({ id: z.string().min(1), email: nullableString, full_name: nullableString, organization_role: nullableString, created_at: rfc3339.nullish() })
  .passthrough();

export async function storeOrganizations(db: Db, tenantId: string, records: unknown[]): Promise<StoreResult> {
  const result = emptyResult();
  for (const [i, r] of records.entries()) {
    const parsed = organizationSchema.safeParse(r);
    if (!parsed.success) {
      reject(result, `organization ${i}`, describeZod(parsed.error));
      continue;
    }
    const o = parsed.data;
    const res = await db.query(
      `INSERT INTO compliance_organizations (tenant_id, uuid, tagged_id, name, created_at, raw) VALUES ($1,$2,$3,$4,$5,$6)
       ON CONFLICT (tenant_id, uuid) DO UPDATE SET name = EXCLUDED.name, raw = EXCLUDED.raw RETURNING (xmax = 0) AS inserted`,
      toPostgresParams([tenantId, o.uuid.toLowerCase(), orgTaggedId(o.uuid), o.name, o.created_at ?? null, toPostgresJson(r)]),
    );
    if (res.rows[0]?.inserted) result.accepted += 1;
    else result.duplicates += 1;
  }
  return result;
}

export async function storeUsers(db: Db, tenantId: string, organizationUuid: string, records: unknown[]): Promise<StoreResult> {
  const result = emptyResult();
  for (const [i, r] of records.entries()) {
    const parsed = userSchema.safeParse(r);
    if (!parsed.success) {
      reject(result, `user ${i}`, describeZod(parsed.error));
      continue;
    }
    const u = parsed.data;
    const res = await db.query(
      `INSERT INTO compliance_users (tenant_id, organization_uuid, id, account_uuid, email, full_name, organization_role, created_at, raw)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)
       ON CONFLICT (tenant_id, organization_uuid, id) DO UPDATE SET email = EXCLUDED.email, full_name = EXCLUDED.full_name,
         organization_role = EXCLUDED.organization_role, raw = EXCLUDED.raw, received_at = now()
       RETURNING (xmax = 0) AS inserted`,
      toPostgresParams([tenantId, organizationUuid.toLowerCase(), u.id, accountUuidOf(u.id), u.email?.toLowerCase() ?? null, u.full_name, u.organization_role, u.created_at ?? null, toPostgresJson(r)]),
    );
    if (res.rows[0]?.inserted) result.accepted += 1;
    else result.duplicates += 1;
  }
  return result;
}
