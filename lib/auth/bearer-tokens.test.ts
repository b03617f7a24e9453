import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPool } from "@/lib/db/pool";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { ensureEnvironment, ensureTenant } from "@/lib/tenants";
import { authenticateApi, createApiToken, revokeApiToken } from "./api-tokens";
import { authenticateIngest, createIngestToken, revokeIngestToken, rotateIngestToken } from "./ingest-tokens";

// The shared bearer-token store behind ingest and API tokens. Tokens issued before it existed
// are rows holding sha256(secret) in hex and the secret's first 12 characters: they must keep
// working, so the secrets below and their digests are fixed here, not computed by the code.

const OLD_INGEST = { secret: "bsi_4pXxQ0oZr3cYvBn8LkT2mWd6sHf9Ja1Ue", hash: "20d172768712240ae23c0ba411184865af525480c12c7529ebec939eef80031b", prefix: "bsi_4pXxQ0oZ" };
const OLD_API = { secret: "bsa_7GhT2kLp9QzR4xVb6NmW1cYs8DfJ3aE0u", hash: "40789a05daaa41c9894fa90ba6037a1dceedc775e8ac5fee6a03830a926e7284", prefix: "bsa_7GhT2kLp" };

let db: TestDatabase;
let tenantId: string;
let environmentId: string;

beforeAll(async () => {
  db = await startTestDatabase();
  tenantId = await ensureTenant("bearer");
  environmentId = await ensureEnvironment(tenantId, "test");
});

afterAll(async () => {
  await db?.stop();
});

async function insertIngestRow(hash: string, prefix: string, expiresAt: Date | null = null): Promise<string> {
  const id = randomUUID();
  await getPool().query(
    `INSERT INTO ingest_tokens (id, tenant_id, environment_id, name, token_hash, token_prefix, expires_at) VALUES ($1, $2, $3, 'stored', $4, $5, $6)`,
    [id, tenantId, environmentId, hash, prefix, expiresAt],
  );
  return id;
}

async function auditActions(target: string): Promise<string[]> {
  const { rows } = await getPool().query<{ action: string }>(`SELECT action FROM audit_log WHERE target = $1 ORDER BY id`, [target]);
  return rows.map((r) => r.action);
}

describe("bearer token store", () => {
  it("accepts tokens stored before the shared store (same hash, same prefix)", async () => {
    const ingestId = await insertIngestRow(OLD_INGEST.hash, OLD_INGEST.prefix);
    const ingest = await authenticateIngest(OLD_INGEST.secret, "logs");
    expect(ingest).toMatchObject({ ok: true, token: { id: ingestId, tenantId, environmentId, tokenPrefix: OLD_INGEST.prefix } });

    const apiId = randomUUID();
    await getPool().query(
      `INSERT INTO api_tokens (id, tenant_id, name, token_hash, token_prefix, role) VALUES ($1, $2, 'stored', $3, $4, 'analyst')`,
      [apiId, tenantId, OLD_API.hash, OLD_API.prefix],
    );
    const api = await authenticateApi(OLD_API.secret);
    expect(api).toEqual({ ok: true, principal: { kind: "api_token", id: apiId, tenantId, role: "analyst", name: "stored" } });
  });

  it("stores chosen secrets exactly as before: sha256 hex and a 12-character prefix", async () => {
    const chosenIngest = "bsi_Zq8Lw3Rt6Yp1Nc5Vb9Mx2Kd7Hf4Js0Ga";
    const chosenApi = "bsa_Zq8Lw3Rt6Yp1Nc5Vb9Mx2Kd7Hf4Js0Ga";
    const ingest = await createIngestToken({ tenantId, environmentId, name: "chosen", secret: chosenIngest });
    const api = await createApiToken({ tenantId, name: "chosen", role: "manager", secret: chosenApi });
    const { rows } = await getPool().query<{ token_hash: string; token_prefix: string }>(
      `SELECT token_hash, token_prefix FROM ingest_tokens WHERE id = $1 UNION ALL SELECT token_hash, token_prefix FROM api_tokens WHERE id = $2`,
      [ingest.token.id, api.token.id],
    );
    const sha = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");
    expect(rows).toEqual([
      { token_hash: sha(chosenIngest), token_prefix: "bsi_Zq8Lw3Rt" },
      { token_hash: sha(chosenApi), token_prefix: "bsa_Zq8Lw3Rt" },
    ]);
  });

  it("generates secrets in the same format: bsi_/bsa_ and 33 base62 characters, audited on creation", async () => {
    const ingest = await createIngestToken({ tenantId, environmentId, name: "generated" });
    const api = await createApiToken({ tenantId, name: "generated", role: "admin", createdBy: "alice@example.com" });
    expect(ingest.secret).toMatch(/^bsi_[0-9A-Za-z]{33}$/);
    expect(api.secret).toMatch(/^bsa_[0-9A-Za-z]{33}$/);
    expect(ingest.token.tokenPrefix).toBe(ingest.secret.slice(0, 12));
    expect(api.token.tokenPrefix).toBe(api.secret.slice(0, 12));
    // 365 days by default.
    expect(Math.round((ingest.token.expiresAt!.getTime() - Date.now()) / 86_400_000)).toBe(365);
    expect((await authenticateIngest(ingest.secret, "traces")).ok).toBe(true);
    expect((await authenticateApi(api.secret)).ok).toBe(true);
    expect(await auditActions(ingest.token.id)).toEqual(["ingest_token.create"]);
    expect(await auditActions(api.token.id)).toEqual(["api_token.create"]);
  });

  it("refuses missing, unknown, expired and revoked tokens with the same statuses and messages", async () => {
    expect(await authenticateIngest(null, "logs")).toEqual({ ok: false, status: 401, message: "missing ingest token: send Authorization: Bearer <token> or x-api-key" });
    expect(await authenticateApi(null)).toEqual({ ok: false, status: 401, message: "missing API token: send Authorization: Bearer <token>" });
    expect(await authenticateIngest("bsi_unknownunknownunknownunknownunkno", "logs")).toEqual({ ok: false, status: 401, message: "unknown ingest token" });
    expect(await authenticateApi("bsa_unknownunknownunknownunknownunkno")).toEqual({ ok: false, status: 401, message: "unknown API token" });

    const expiredSecret = "bsi_Expired0Expired0Expired0Expired0E";
    await insertIngestRow(createHash("sha256").update(expiredSecret).digest("hex"), expiredSecret.slice(0, 12), new Date(Date.now() - 1000));
    expect(await authenticateIngest(expiredSecret, "logs")).toEqual({ ok: false, status: 403, message: "ingest token has expired" });

    // Revocation takes effect at once in this process, although the secret was just cached as valid.
    const ingest = await createIngestToken({ tenantId, environmentId, name: "to-revoke" });
    const api = await createApiToken({ tenantId, name: "to-revoke", role: "analyst" });
    expect((await authenticateIngest(ingest.secret, "logs")).ok).toBe(true);
    expect((await authenticateApi(api.secret)).ok).toBe(true);
    await revokeIngestToken(ingest.token.id, "bob@example.com");
    await revokeApiToken(api.token.id, "bob@example.com");
    expect(await authenticateIngest(ingest.secret, "logs")).toEqual({ ok: false, status: 403, message: "ingest token has been revoked" });
    expect(await authenticateApi(api.secret)).toEqual({ ok: false, status: 403, message: "API token has been revoked" });
    expect(await auditActions(ingest.token.id)).toEqual(["ingest_token.create", "ingest_token.revoke"]);
    expect(await auditActions(api.token.id)).toEqual(["api_token.create", "api_token.revoke"]);
    const { rows } = await getPool().query(`SELECT actor FROM audit_log WHERE action LIKE '%.revoke' AND target = ANY($1::text[])`, [[ingest.token.id, api.token.id]]);
    expect(rows).toEqual([{ actor: "bob@example.com" }, { actor: "bob@example.com" }]);
  });

  it("refuses weak chosen secrets and keeps an ingest token's signal scope through rotation", async () => {
    await expect(createIngestToken({ tenantId, environmentId, name: "weak", secret: "short" })).rejects.toThrow(/ingest token must be at least 32 characters/);
    await expect(createApiToken({ tenantId, name: "weak", role: "admin", secret: "short" })).rejects.toThrow(/API token must be at least 32 characters/);

    const scoped = await createIngestToken({ tenantId, environmentId, name: "office", signals: ["traces"] });
    expect(await authenticateIngest(scoped.secret, "logs")).toEqual({ ok: false, status: 403, message: "ingest token is not allowed to send logs (allowed: traces)" });
    const rotated = await rotateIngestToken(scoped.token.id, "carol@example.com");
    expect(rotated.token).toMatchObject({ signals: ["traces"], rotatedFromId: scoped.token.id, name: "office" });
    expect((await authenticateIngest(rotated.secret, "traces")).ok).toBe(true);
    expect((await authenticateIngest(scoped.secret, "traces")).ok).toBe(true);
  });
});
