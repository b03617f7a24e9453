import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { z } from "zod";
import { config } from "@/lib/config";
import { getPool, withTransaction } from "@/lib/db/pool";
import { DEFAULT_TENANT_SLUG } from "@/lib/tenants";
import { baseUrlProblem, DEFAULT_COMPLIANCE_BASE_URL } from "./destination";

// A tenant's Compliance API connector (table compliance_connectors): base URL, access key,
// enabled, poll interval. The key is encrypted at rest with AES-256-GCM under a key derived
// (HKDF-SHA256) from NEXTAUTH_SECRET, bound to the tenant; only a hint is ever shown again.
// BLINDSPOT_COMPLIANCE_API_URL / _API_KEY configure the default tenant's connector at start;
// such a connector cannot be edited in the console. The key is never carried over to another
// origin: a new scheme, host or port needs the key entered again.

export const MIN_POLL_SECONDS = 15;
export const MAX_POLL_SECONDS = 24 * 3600;

export const REENTER_KEY = "The stored access key cannot be decrypted (NEXTAUTH_SECRET or the base URL's host changed?): re-enter the access key.";

// ---- encryption -----------------------------------------------------------------------------

function encryptionKey(): Buffer {
  const secret = process.env.NEXTAUTH_SECRET;
  if (!secret) throw new Error("NEXTAUTH_SECRET is not set; start Blindspot with `npm start`, which sets it");
  return Buffer.from(hkdfSync("sha256", secret, "blindspot/compliance-connector", "compliance access key v1", 32));
}

/**
 * Authenticated data: v2 binds the key to its tenant and to the origin it was entered for, so
 * a base URL changed by any path (a database edit included) cannot send it elsewhere: it no
 * longer decrypts. v1 (before the binding) named the tenant only.
 */
function associatedData(version: "v1" | "v2", tenantId: string, baseUrl: string): Buffer {
  if (version === "v1") return Buffer.from(`compliance-connector:${tenantId}`);
  let origin = "invalid";
  try {
    origin = new URL(baseUrl).origin;
  } catch {
    // An unparsable URL binds to nothing usable.
  }
  return Buffer.from(`compliance-connector:${tenantId}:${origin}`);
}

/** "v2.<iv>.<tag>.<ciphertext>" (base64url); tenant and origin are authenticated data. */
export function encryptApiKey(apiKey: string, tenantId: string, baseUrl: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", encryptionKey(), iv);
  cipher.setAAD(associatedData("v2", tenantId, baseUrl));
  const ct = Buffer.concat([cipher.update(apiKey, "utf8"), cipher.final()]);
  return ["v2", iv, cipher.getAuthTag(), ct].map((p) => (typeof p === "string" ? p : p.toString("base64url"))).join(".");
}

/** The key, or null when it cannot be decrypted (another secret, tenant or origin, tampering). */
export function decryptApiKey(stored: string, tenantId: string, baseUrl: string): string | null {
  const parts = stored.split(".");
  const version = parts[0];
  if (parts.length !== 4 || (version !== "v1" && version !== "v2")) return null;
  try {
    const [iv, tag, ct] = parts.slice(1).map((p) => Buffer.from(p, "base64url"));
    const decipher = createDecipheriv("aes-256-gcm", encryptionKey(), iv);
    decipher.setAAD(associatedData(version, tenantId, baseUrl));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ct), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}

/** Enough to recognise a key: its documented prefix and last four characters. */
export function keyHint(apiKey: string): string {
  const prefix = /^sk-ant-[a-z]+\d*-/.exec(apiKey)?.[0] ?? "";
  return `${prefix}…${apiKey.slice(-4)}`;
}

// ---- validation -------------------------------------------------------------------------------

export const baseUrlSchema = z
  .string()
  .trim()
  .min(1, "Enter the Compliance API base URL")
  .transform((v, ctx) => {
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      ctx.addIssue({ code: "custom", message: "Enter a full URL such as https://api.anthropic.com" });
      return z.NEVER;
    }
    if (u.search || u.hash) ctx.addIssue({ code: "custom", message: "The base URL takes no query or fragment" });
    // https and an allowed host (lib/compliance/destination.ts); read at validation time.
    const problem = baseUrlProblem(u.toString());
    if (problem) ctx.addIssue({ code: "custom", message: problem });
    return `${u.origin}${u.pathname.replace(/\/+$/, "")}`;
  });

export const apiKeySchema = z
  .string()
  .trim()
  .min(16, "The access key looks too short")
  .max(512, "The access key looks too long")
  .refine((k) => !/\s/.test(k), "The access key must not contain spaces")
  .refine((k) => !k.startsWith("sk-ant-api03-"), "Regular API keys (sk-ant-api03-…) are rejected by the Compliance API: use a Compliance access key (sk-ant-api01-…) or an Admin API key (sk-ant-admin01-…)");

export const connectorInputSchema = z.object({
  baseUrl: baseUrlSchema,
  /** Empty or absent: keep the stored key. */
  apiKey: z.union([z.literal(""), apiKeySchema]).optional(),
  enabled: z.boolean(),
  pollSeconds: z.coerce
    .number({ error: "Poll interval must be a number of seconds" })
    .int("Poll interval must be whole seconds")
    .min(MIN_POLL_SECONDS, `Poll at most every ${MIN_POLL_SECONDS} seconds`)
    .max(MAX_POLL_SECONDS, "Poll at least once a day"),
});
export type ConnectorInput = z.input<typeof connectorInputSchema>;

// ---- reading and writing ----------------------------------------------------------------------

export interface ConnectorSettings {
  tenantId: string;
  baseUrl: string;
  enabled: boolean;
  pollSeconds: number;
  overlapSeconds: number;
  hasKey: boolean;
  keyHint: string | null;
  /** Set when the stored key cannot be used (re-enter it). */
  keyProblem: string | null;
  /** The default tenant's connector follows BLINDSPOT_COMPLIANCE_API_* at every start. */
  managedByEnvironment: boolean;
  updatedAt: Date;
}

const connectorRow = z.object({
  tenant_id: z.string(),
  base_url: z.string(),
  api_key_encrypted: z.string().nullable(),
  api_key_hint: z.string().nullable(),
  enabled: z.boolean(),
  poll_seconds: z.number(),
  overlap_seconds: z.number(),
  updated_at: z.date(),
  slug: z.string(),
});

const SELECT_CONNECTOR = `SELECT c.tenant_id, c.base_url, c.api_key_encrypted, c.api_key_hint, c.enabled, c.poll_seconds, c.overlap_seconds, c.updated_at, t.slug
  FROM compliance_connectors c JOIN tenants t ON t.id = c.tenant_id`;

function envManaged(slug: string): boolean {
  return slug === DEFAULT_TENANT_SLUG && Boolean(config().BLINDSPOT_COMPLIANCE_API_KEY);
}

function toSettings(row: unknown): ConnectorSettings {
  const r = connectorRow.parse(row);
  const readable = r.api_key_encrypted === null ? false : decryptApiKey(r.api_key_encrypted, r.tenant_id, r.base_url) !== null;
  return {
    tenantId: r.tenant_id,
    baseUrl: r.base_url,
    enabled: r.enabled,
    pollSeconds: r.poll_seconds,
    overlapSeconds: r.overlap_seconds,
    hasKey: r.api_key_encrypted !== null,
    keyHint: r.api_key_hint,
    keyProblem: r.api_key_encrypted !== null && !readable ? REENTER_KEY : null,
    managedByEnvironment: envManaged(r.slug),
    updatedAt: r.updated_at,
  };
}

export async function getConnector(tenantId: string): Promise<ConnectorSettings | null> {
  const { rows } = await getPool().query(`${SELECT_CONNECTOR} WHERE c.tenant_id = $1`, [tenantId]);
  return rows[0] ? toSettings(rows[0]) : null;
}

/** The values a new connector form starts with. */
export function defaultConnectorSettings(tenantId: string): ConnectorSettings {
  return {
    tenantId, baseUrl: DEFAULT_COMPLIANCE_BASE_URL, enabled: true, pollSeconds: config().BLINDSPOT_COMPLIANCE_POLL_SECONDS, overlapSeconds: 300,
    hasKey: false, keyHint: null, keyProblem: null, managedByEnvironment: false, updatedAt: new Date(0),
  };
}

export type SaveResult = { ok: true; settings: ConnectorSettings; credentialsChanged: boolean } | { ok: false; errors: Record<string, string> };

export const MANAGED_BY_ENVIRONMENT =
  "This connector is configured by the BLINDSPOT_COMPLIANCE_API_* environment variables: change them and restart Blindspot to edit it.";
export const REENTER_KEY_FOR_NEW_ORIGIN = "The base URL points to another server: enter the access key again (a stored key is never sent to a new host).";

/** scheme://host:port, or null for a string that is not a URL. */
function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

async function isEnvironmentManaged(tenantId: string): Promise<boolean> {
  const { rows } = await getPool().query<{ slug: string }>(`SELECT slug FROM tenants WHERE id = $1`, [tenantId]);
  return rows[0] ? envManaged(rows[0].slug) : false;
}

/**
 * Validates and stores the settings. An empty key keeps the stored one, but only for the same
 * origin: a new scheme, host or port needs the key again. `fromEnvironment` is the start-up
 * path (applyEnvironmentConnector); everyone else is refused for an environment-managed connector.
 */
export async function saveConnector(tenantId: string, input: ConnectorInput, options: { fromEnvironment?: boolean } = {}): Promise<SaveResult> {
  if (!options.fromEnvironment && (await isEnvironmentManaged(tenantId))) return { ok: false, errors: { form: MANAGED_BY_ENVIRONMENT } };
  const before = await getConnector(tenantId);
  const parsed = connectorInputSchema.safeParse(input);
  const errors: Record<string, string> = {};
  if (!parsed.success) for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? "form")] ??= issue.message;
  // An empty key keeps the stored one, which must exist, still decrypt, and stay with its origin.
  const keyGiven = typeof input.apiKey === "string" && input.apiKey.trim() !== "";
  if (!keyGiven && (!before?.hasKey || before.keyProblem)) errors.apiKey ??= before?.keyProblem ? REENTER_KEY : "Enter the Compliance access key";
  if (!keyGiven && before?.hasKey && parsed.success && originOf(parsed.data.baseUrl) !== originOf(before.baseUrl)) errors.apiKey ??= REENTER_KEY_FOR_NEW_ORIGIN;
  if (!parsed.success || Object.keys(errors).length) return { ok: false, errors };
  const v = parsed.data;
  const newKey = v.apiKey ? v.apiKey : null;
  await withTransaction(async (tx) => {
    await tx.query(
      `INSERT INTO compliance_connectors (tenant_id, base_url, api_key_encrypted, api_key_hint, enabled, poll_seconds)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id) DO UPDATE SET base_url = EXCLUDED.base_url,
         api_key_encrypted = COALESCE(EXCLUDED.api_key_encrypted, compliance_connectors.api_key_encrypted),
         api_key_hint = COALESCE(EXCLUDED.api_key_hint, compliance_connectors.api_key_hint),
         enabled = EXCLUDED.enabled, poll_seconds = EXCLUDED.poll_seconds, updated_at = now()`,
      [tenantId, v.baseUrl, newKey ? encryptApiKey(newKey, tenantId, v.baseUrl) : null, newKey ? keyHint(newKey) : null, v.enabled, v.pollSeconds],
    );
    // Another server has other data: its cursors start over (re-pulled rows are deduplicated).
    // A new key for the same server keeps them (cursors survive key rotation).
    if (before && before.baseUrl !== v.baseUrl) {
      await tx.query(`UPDATE compliance_sync_state SET cursor = '{}'::jsonb WHERE tenant_id = $1`, [tenantId]);
    }
  });
  const settings = (await getConnector(tenantId))!;
  return { ok: true, settings, credentialsChanged: newKey !== null || before?.baseUrl !== v.baseUrl || (before !== null && !before.enabled && v.enabled) };
}

export type Credentials = { ok: true; baseUrl: string; apiKey: string } | { ok: false; problem: string; category: "config" | "blocked_destination" };

/** What a sync needs to call the API, or why it cannot. */
export async function connectorCredentials(tenantId: string): Promise<Credentials> {
  const { rows } = await getPool().query<{ base_url: string; api_key_encrypted: string | null }>(
    `SELECT base_url, api_key_encrypted FROM compliance_connectors WHERE tenant_id = $1`,
    [tenantId],
  );
  const row = rows[0];
  if (!row) return { ok: false, problem: "No Compliance API connector is configured.", category: "config" };
  // Invalid variables leave the row as it was: say so at every sync, not only in the start log.
  if (await isEnvironmentManaged(tenantId)) {
    const problem = environmentConnectorProblem();
    if (problem) return { ok: false, problem, category: "blocked_destination" };
  }
  // A row stored before the allowlist existed, or one the allowlist no longer covers.
  const destination = baseUrlProblem(row.base_url);
  if (destination) return { ok: false, problem: `The connector will not call ${row.base_url}: ${destination}`, category: "blocked_destination" };
  if (!row.api_key_encrypted) return { ok: false, problem: "No access key is configured: enter the Compliance access key.", category: "config" };
  let apiKey: string | null;
  try {
    apiKey = decryptApiKey(row.api_key_encrypted, tenantId, row.base_url);
  } catch (err) {
    return { ok: false, problem: err instanceof Error ? err.message : "the access key cannot be read", category: "config" };
  }
  if (!apiKey) return { ok: false, problem: REENTER_KEY, category: "config" };
  if (row.api_key_encrypted.startsWith("v1.")) {
    // Stored before keys were bound to their origin: bind it now (unless someone saved meanwhile).
    await getPool().query(`UPDATE compliance_connectors SET api_key_encrypted = $2 WHERE tenant_id = $1 AND api_key_encrypted = $3`, [
      tenantId, encryptApiKey(apiKey, tenantId, row.base_url), row.api_key_encrypted,
    ]);
  }
  return { ok: true, baseUrl: row.base_url, apiKey };
}

/** Why BLINDSPOT_COMPLIANCE_API_URL cannot be used, naming the variables (never their values' secrets). */
export function environmentConnectorProblem(): string | null {
  const cfg = config();
  if (!cfg.BLINDSPOT_COMPLIANCE_API_KEY) return null;
  const parsed = baseUrlSchema.safeParse(cfg.BLINDSPOT_COMPLIANCE_API_URL ?? DEFAULT_COMPLIANCE_BASE_URL);
  return parsed.success ? null : `BLINDSPOT_COMPLIANCE_API_URL: ${parsed.error.issues[0]?.message ?? "invalid"}`;
}

/** Connectors the scheduler pulls for. */
export async function enabledConnectors(): Promise<{ tenantId: string; pollSeconds: number }[]> {
  const { rows } = await getPool().query<{ tenant_id: string; poll_seconds: number }>(
    `SELECT tenant_id, poll_seconds FROM compliance_connectors WHERE enabled AND api_key_encrypted IS NOT NULL ORDER BY tenant_id`,
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, pollSeconds: r.poll_seconds }));
}

/**
 * At start: BLINDSPOT_COMPLIANCE_API_KEY (and optionally _URL, _POLL_SECONDS) configure the
 * default tenant's connector. Returns the tenant configured, or null when unset.
 */
export async function applyEnvironmentConnector(): Promise<string | null> {
  const cfg = config();
  if (!cfg.BLINDSPOT_COMPLIANCE_API_KEY) return null;
  const { rows } = await getPool().query<{ id: string }>(`SELECT id FROM tenants WHERE slug = $1`, [DEFAULT_TENANT_SLUG]);
  const tenantId = rows[0]?.id;
  if (!tenantId) return null;
  const result = await saveConnector(
    tenantId,
    { baseUrl: cfg.BLINDSPOT_COMPLIANCE_API_URL ?? DEFAULT_COMPLIANCE_BASE_URL, apiKey: cfg.BLINDSPOT_COMPLIANCE_API_KEY, enabled: true, pollSeconds: cfg.BLINDSPOT_COMPLIANCE_POLL_SECONDS },
    { fromEnvironment: true },
  );
  if (!result.ok) {
    // Name the variables, never their values.
    const problems = Object.entries(result.errors).map(([field, msg]) => `${field === "apiKey" ? "BLINDSPOT_COMPLIANCE_API_KEY" : field === "baseUrl" ? "BLINDSPOT_COMPLIANCE_API_URL" : "BLINDSPOT_COMPLIANCE_POLL_SECONDS"}: ${msg}`);
    throw new Error(`Invalid Compliance API configuration: ${problems.join("; ")}`);
  }
  return tenantId;
}
