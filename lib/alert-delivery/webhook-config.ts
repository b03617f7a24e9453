import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import net from "node:net";
import ipaddr from "ipaddr.js";
import { z } from "zod";
import { config } from "@/lib/config";
import { blockedAddressReason, type DestinationPolicy } from "@/lib/compliance/destination";
import { getPool, withTransaction } from "@/lib/db/pool";
import { DEFAULT_TENANT_SLUG } from "@/lib/tenants";

// A tenant's alert webhook: the URL alerts are POSTed to, the secret that signs them (stored
// encrypted like the Compliance connector's access key, never shown after it was set), whether
// alert content goes out, and whether it is on. The default tenant's webhook can come from
// BLINDSPOT_ALERT_WEBHOOK_URL / _SECRET, applied at every start; the console cannot edit those.

export const REENTER_SECRET = "The stored signing secret cannot be decrypted (NEXTAUTH_SECRET changed?): set a new secret.";
export const MANAGED_BY_ENVIRONMENT =
  "The URL and secret are set by BLINDSPOT_ALERT_WEBHOOK_URL / BLINDSPOT_ALERT_WEBHOOK_SECRET: change them and restart Blindspot to edit them.";

export const MIN_SECRET_LENGTH = 16;

// ---- encryption -------------------------------------------------------------------------------

function encryptionKey(): Buffer {
  const secret = process.env.NEXTAUTH_SECRET;
  if (!secret) throw new Error("NEXTAUTH_SECRET is not set; start Blindspot with `npm start`, which sets it");
  return Buffer.from(hkdfSync("sha256", secret, "blindspot/alert-webhook", "webhook signing secret v1", 32));
}

/** The tenant is authenticated data: a row copied to another tenant does not decrypt. */
const associatedData = (tenantId: string) => Buffer.from(`alert-webhook:${tenantId}`);

/** "v1.<iv>.<tag>.<ciphertext>" (base64url). */
export function encryptSecret(secret: string, tenantId: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", encryptionKey(), iv);
  cipher.setAAD(associatedData(tenantId));
  const ct = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return ["v1", iv, cipher.getAuthTag(), ct].map((p) => (typeof p === "string" ? p : p.toString("base64url"))).join(".");
}

/** The secret, or null when it cannot be decrypted (another NEXTAUTH_SECRET or tenant, tampering). */
export function decryptSecret(stored: string, tenantId: string): string | null {
  const parts = stored.split(".");
  if (parts.length !== 4 || parts[0] !== "v1") return null;
  try {
    const [iv, tag, ct] = parts.slice(1).map((p) => Buffer.from(p, "base64url"));
    const decipher = createDecipheriv("aes-256-gcm", encryptionKey(), iv);
    decipher.setAAD(associatedData(tenantId));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ct), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}

/** 192 random bits; the receiver keeps it to verify X-Blindspot-Signature. */
export function generateWebhookSecret(): string {
  return `bswh_${randomBytes(24).toString("base64url")}`;
}

export const secretHint = (secret: string) => `…${secret.slice(-4)}`;

// ---- destination policy -----------------------------------------------------------------------

/**
 * Where webhooks may connect: public unicast addresses, plus the private networks an operator
 * lists in BLINDSPOT_ALERT_WEBHOOK_ALLOWED_NETWORKS (an on-premises SIEM). Private, loopback,
 * link-local (cloud metadata) and other special ranges are refused at connect time, for every
 * address a name resolves to (lib/compliance/destination.ts).
 */
export function webhookPolicy(): DestinationPolicy {
  const cfg = config();
  return {
    allowedHosts: new Set(),
    allowLoopback: cfg.BLINDSPOT_ALERT_WEBHOOK_ALLOW_LOOPBACK,
    allowedNetworks: cfg.BLINDSPOT_ALERT_WEBHOOK_ALLOWED_NETWORKS,
    subject: "the alert webhook",
  };
}

function isLoopbackName(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost");
}

/** Why alerts may not be POSTed to this URL, or null when they may. */
export function webhookUrlProblem(url: string, policy: DestinationPolicy = webhookPolicy()): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "Enter a full URL such as https://siem.example.com/hooks/blindspot";
  }
  if (url.length > 2048) return "The URL is longer than 2048 characters";
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "").toLowerCase();
  const literal = net.isIP(host) !== 0;
  const loopback = isLoopbackName(host) || (literal && ipaddr.process(host).range() === "loopback");
  if (u.protocol !== "https:" && !(u.protocol === "http:" && loopback && policy.allowLoopback)) return "The URL must start with https://";
  if (u.username || u.password) return "Put no credentials in the URL: receivers check the X-Blindspot-Signature header";
  if (u.hash) return "The URL takes no #fragment";
  if (isLoopbackName(host) && !policy.allowLoopback) return `${host} is this machine: webhooks may not call it`;
  // An IP literal is connected to without a lookup: judge it here (names are judged at connect time).
  if (literal) {
    const reason = blockedAddressReason(host, policy);
    if (reason) return `Webhooks may not connect to ${reason}; an operator allows private networks with BLINDSPOT_ALERT_WEBHOOK_ALLOWED_NETWORKS`;
  }
  return null;
}

// ---- validation -------------------------------------------------------------------------------

export const webhookUrlSchema = z
  .string()
  .trim()
  .min(1, "Enter the webhook URL")
  .superRefine((v, ctx) => {
    const problem = webhookUrlProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

export const webhookSecretSchema = z
  .string()
  .trim()
  .min(MIN_SECRET_LENGTH, `The secret needs at least ${MIN_SECRET_LENGTH} characters (or let Blindspot generate one)`)
  .max(256, "The secret is longer than 256 characters")
  .refine((s) => !/\s/.test(s), "The secret must not contain spaces");

export interface WebhookInput {
  url: string;
  /** Empty or absent: keep the stored secret (or generate one when there is none). */
  secret?: string;
  /** Replace the stored secret with a generated one (shown once). */
  generateSecret?: boolean;
  enabled: boolean;
  includeContent: boolean;
}

// ---- reading and writing ----------------------------------------------------------------------

export interface WebhookSettings {
  tenantId: string;
  url: string;
  enabled: boolean;
  includeContent: boolean;
  secretHint: string;
  /** Set when the stored secret cannot be used (set a new one). */
  secretProblem: string | null;
  /** The default tenant's URL and secret follow BLINDSPOT_ALERT_WEBHOOK_* at every start. */
  managedByEnvironment: boolean;
  lastTestAt: Date | null;
  lastTestResult: string | null;
  updatedBy: string;
  updatedAt: Date;
}

const webhookRow = z.object({
  tenant_id: z.string(),
  url: z.string(),
  secret_encrypted: z.string(),
  secret_hint: z.string(),
  enabled: z.boolean(),
  include_content: z.boolean(),
  last_test_at: z.date().nullable(),
  last_test_result: z.string().nullable(),
  updated_by: z.string(),
  updated_at: z.date(),
  slug: z.string(),
});

function envManaged(slug: string): boolean {
  return slug === DEFAULT_TENANT_SLUG && Boolean(config().BLINDSPOT_ALERT_WEBHOOK_URL);
}

function toSettings(row: unknown): WebhookSettings {
  const r = webhookRow.parse(row);
  return {
    tenantId: r.tenant_id,
    url: r.url,
    enabled: r.enabled,
    includeContent: r.include_content,
    secretHint: r.secret_hint,
    secretProblem: decryptSecret(r.secret_encrypted, r.tenant_id) === null ? REENTER_SECRET : null,
    managedByEnvironment: envManaged(r.slug),
    lastTestAt: r.last_test_at,
    lastTestResult: r.last_test_result,
    updatedBy: r.updated_by,
    updatedAt: r.updated_at,
  };
}

export async function getWebhook(tenantId: string): Promise<WebhookSettings | null> {
  const { rows } = await getPool().query(
    `SELECT w.tenant_id, w.url, w.secret_encrypted, w.secret_hint, w.enabled, w.include_content, w.last_test_at, w.last_test_result,
            w.updated_by, w.updated_at, t.slug
       FROM alert_webhooks w JOIN tenants t ON t.id = w.tenant_id WHERE w.tenant_id = $1`,
    [tenantId],
  );
  return rows[0] ? toSettings(rows[0]) : null;
}

async function tenantSlug(tenantId: string): Promise<string | null> {
  const { rows } = await getPool().query<{ slug: string }>(`SELECT slug FROM tenants WHERE id = $1`, [tenantId]);
  return rows[0]?.slug ?? null;
}

export type SaveWebhookResult =
  | { ok: true; settings: WebhookSettings; /** A secret Blindspot generated: shown once, then only its hint. */ generatedSecret: string | null }
  | { ok: false; errors: Record<string, string> };

/**
 * Validates and stores the tenant's webhook. A new webhook starts at the newest alert (alerts
 * raised before it existed are not sent); so does one switched back on (alerts raised while it
 * was off are not sent). `fromEnvironment` is the start-up path; everyone else may change only
 * whether content is included for an environment-managed webhook.
 */
export async function saveWebhook(tenantId: string, actor: string, input: WebhookInput, options: { fromEnvironment?: boolean } = {}): Promise<SaveWebhookResult> {
  const before = await getWebhook(tenantId);
  const slug = await tenantSlug(tenantId);
  if (!slug) return { ok: false, errors: { form: "Unknown tenant" } };
  const managed = envManaged(slug) && !options.fromEnvironment;
  if (managed) {
    if (!before) return { ok: false, errors: { form: MANAGED_BY_ENVIRONMENT } };
    const changed = input.url.trim() !== before.url || (input.secret ?? "").trim() !== "" || input.generateSecret || input.enabled !== before.enabled;
    if (changed) return { ok: false, errors: { form: MANAGED_BY_ENVIRONMENT } };
  }
  const errors: Record<string, string> = {};
  const url = webhookUrlSchema.safeParse(input.url);
  if (!url.success) errors.url = url.error.issues[0]?.message ?? "Invalid URL";
  const typed = (input.secret ?? "").trim();
  let newSecret: string | null = null;
  let generated: string | null = null;
  if (typed !== "") {
    const parsed = webhookSecretSchema.safeParse(typed);
    if (!parsed.success) errors.secret = parsed.error.issues[0]?.message ?? "Invalid secret";
    else newSecret = parsed.data;
  } else if (input.generateSecret || !before || before.secretProblem) {
    generated = newSecret = generateWebhookSecret();
  }
  if (Object.keys(errors).length || !url.success) return { ok: false, errors };
  await withTransaction(async (tx) => {
    // Alerts are followed from the newest one on: the cursor starts (or restarts) there.
    const { rows } = await tx.query<{ seq: number }>(`SELECT COALESCE(max(seq), 0)::bigint AS seq FROM alerts WHERE tenant_id = $1`, [tenantId]);
    const newest = rows[0]?.seq ?? 0;
    const encrypted = newSecret ? encryptSecret(newSecret, tenantId) : null;
    const hint = newSecret ? secretHint(newSecret) : null;
    if (!before) {
      await tx.query(
        `INSERT INTO alert_webhooks (tenant_id, url, secret_encrypted, secret_hint, enabled, include_content, cursor_seq, horizon_seq, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)`,
        [tenantId, url.data, encrypted, hint, input.enabled, input.includeContent, newest, actor],
      );
      return;
    }
    // Switched back on: alerts raised while it was off are not sent.
    await tx.query(
      `UPDATE alert_webhooks SET url = $2, secret_encrypted = COALESCE($3, secret_encrypted), secret_hint = COALESCE($4, secret_hint),
         include_content = $6,
         cursor_seq = CASE WHEN $5 AND NOT enabled THEN GREATEST(cursor_seq, $7) ELSE cursor_seq END,
         horizon_seq = CASE WHEN $5 AND NOT enabled THEN GREATEST(horizon_seq, $7) ELSE horizon_seq END,
         enabled = $5, updated_by = $8, updated_at = now()
       WHERE tenant_id = $1`,
      [tenantId, url.data, encrypted, hint, input.enabled, input.includeContent, newest, actor],
    );
  });
  return { ok: true, settings: (await getWebhook(tenantId))!, generatedSecret: generated };
}

/** Removes the webhook and its outbox. */
export async function deleteWebhook(tenantId: string): Promise<boolean> {
  const slug = await tenantSlug(tenantId);
  if (slug && envManaged(slug)) return false;
  return withTransaction(async (tx) => {
    await tx.query(`DELETE FROM alert_deliveries WHERE tenant_id = $1`, [tenantId]);
    const res = await tx.query(`DELETE FROM alert_webhooks WHERE tenant_id = $1`, [tenantId]);
    return (res.rowCount ?? 0) > 0;
  });
}

export type WebhookTarget = { ok: true; url: string; secret: string; includeContent: boolean; enabled: boolean } | { ok: false; problem: string; enabled: boolean };

/** What a delivery needs, or why it cannot be sent. */
export async function webhookTarget(tenantId: string): Promise<WebhookTarget> {
  const { rows } = await getPool().query<{ url: string; secret_encrypted: string; include_content: boolean; enabled: boolean }>(
    `SELECT url, secret_encrypted, include_content, enabled FROM alert_webhooks WHERE tenant_id = $1`,
    [tenantId],
  );
  const row = rows[0];
  if (!row) return { ok: false, problem: "No alert webhook is configured.", enabled: false };
  // A row stored under another policy (the operator narrowed the allowed networks since).
  const problem = webhookUrlProblem(row.url);
  if (problem) return { ok: false, problem: `Not sent: ${problem}`, enabled: row.enabled };
  const secret = decryptSecret(row.secret_encrypted, tenantId);
  if (!secret) return { ok: false, problem: REENTER_SECRET, enabled: row.enabled };
  return { ok: true, url: row.url, secret, includeContent: row.include_content, enabled: row.enabled };
}

/** Why BLINDSPOT_ALERT_WEBHOOK_* cannot be applied, naming the variables (never the secret). */
export function environmentWebhookProblem(): string | null {
  const cfg = config();
  if (!cfg.BLINDSPOT_ALERT_WEBHOOK_URL && !cfg.BLINDSPOT_ALERT_WEBHOOK_SECRET) return null;
  if (!cfg.BLINDSPOT_ALERT_WEBHOOK_URL) return "BLINDSPOT_ALERT_WEBHOOK_SECRET is set without BLINDSPOT_ALERT_WEBHOOK_URL";
  if (!cfg.BLINDSPOT_ALERT_WEBHOOK_SECRET) return "BLINDSPOT_ALERT_WEBHOOK_URL is set without BLINDSPOT_ALERT_WEBHOOK_SECRET (receivers need it to verify the signature)";
  const url = webhookUrlSchema.safeParse(cfg.BLINDSPOT_ALERT_WEBHOOK_URL);
  if (!url.success) return `BLINDSPOT_ALERT_WEBHOOK_URL: ${url.error.issues[0]?.message ?? "invalid"}`;
  const secret = webhookSecretSchema.safeParse(cfg.BLINDSPOT_ALERT_WEBHOOK_SECRET);
  if (!secret.success) return `BLINDSPOT_ALERT_WEBHOOK_SECRET: ${secret.error.issues[0]?.message ?? "invalid"}`;
  return null;
}

/**
 * At start: BLINDSPOT_ALERT_WEBHOOK_URL and _SECRET configure the default tenant's webhook (on;
 * whether content is included stays as an admin set it). Returns the tenant configured, or null
 * when unset; throws with the variables' names when they are invalid.
 */
export async function applyEnvironmentWebhook(): Promise<string | null> {
  const cfg = config();
  if (!cfg.BLINDSPOT_ALERT_WEBHOOK_URL && !cfg.BLINDSPOT_ALERT_WEBHOOK_SECRET) return null;
  const problem = environmentWebhookProblem();
  if (problem) throw new Error(`Invalid alert webhook configuration: ${problem}`);
  const { rows } = await getPool().query<{ id: string }>(`SELECT id FROM tenants WHERE slug = $1`, [DEFAULT_TENANT_SLUG]);
  const tenantId = rows[0]?.id;
  if (!tenantId) return null;
  const before = await getWebhook(tenantId);
  const secret = cfg.BLINDSPOT_ALERT_WEBHOOK_SECRET!.trim();
  // Re-encrypting the same secret at every start would be harmless, but keep the row unchanged.
  const sameSecret = before !== null && before.secretProblem === null && (await webhookTarget(tenantId).then((t) => t.ok && t.secret === secret));
  const result = await saveWebhook(
    tenantId,
    "environment",
    { url: cfg.BLINDSPOT_ALERT_WEBHOOK_URL!, secret: sameSecret ? "" : secret, enabled: true, includeContent: before?.includeContent ?? false },
    { fromEnvironment: true },
  );
  if (!result.ok) throw new Error(`Invalid alert webhook configuration: ${Object.values(result.errors).join("; ")}`);
  return tenantId;
}

/** Records the outcome of "send test" for the settings page. */
export async function recordTestResult(tenantId: string, result: string): Promise<void> {
  await getPool().query(`UPDATE alert_webhooks SET last_test_at = now(), last_test_result = $2 WHERE tenant_id = $1`, [tenantId, result.slice(0, 500)]);
}
