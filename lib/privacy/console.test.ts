import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GET as exportRoute } from "@/app/api/console/people/export/route";
import { erasePersonAction, saveRetentionAction } from "@/lib/actions/privacy";
import { createUser } from "@/lib/auth/users";
import { getPool } from "@/lib/db/pool";
import { ERASE_JOB_KIND } from "@/lib/privacy/erase";
import { getRetention } from "@/lib/privacy/retention";
import { asBrowser, form, installNextHeaders, nextControlFlow, signedInBrowser, type CookieJar } from "@/lib/testing/console-request";
import { startTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { createTestTenant, type TestTenant } from "@/lib/testing/tenants";
import { toolDecisionLogs } from "@/lib/testing/detection-engine";
import { startAppServer } from "@/lib/testing/app-routes";
import type { RouteServer } from "@/lib/testing/route-server";

vi.mock("next/headers", () => import("@/lib/testing/console-request"));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));

// The console side of the privacy features with real session cookies: the erase action and the
// export download are for admins (an analyst gets 403 and nothing is queued or
// written), the erase needs a reason and the person typed again, and both are audited.

let db: TestDatabase;
let app: RouteServer;
let tenant: TestTenant;
let admin: CookieJar;
let analyst: CookieJar;
const PERSON = "bran@westeros.example";

const exportAs = (jar: CookieJar, person: string) =>
  asBrowser(jar, () => exportRoute(new Request(`http://127.0.0.1/api/console/people/export?person=${encodeURIComponent(person)}`)));

beforeAll(async () => {
  process.env.NEXTAUTH_SECRET = "privacy-console-test-secret-0123456789";
  process.env.NEXTAUTH_URL = "http://127.0.0.1";
  db = await startTestDatabase();
  installNextHeaders();
  app = await startAppServer();
  tenant = await createTestTenant("privacy-console");
  admin = await signedInBrowser(await createUser({ tenantId: tenant.tenantId, email: "admin@privacy.example", role: "admin", actor: "test" }));
  analyst = await signedInBrowser(await createUser({ tenantId: tenant.tenantId, email: "analyst@privacy.example", role: "analyst", actor: "test" }));
  const res = await fetch(`${app.url}/api/otlp/v1/logs`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${tenant.ingestToken}` },
    body: JSON.stringify(toolDecisionLogs(PERSON, [new Date(Date.now() - 3600_000), new Date(Date.now() - 1800_000)])),
  });
  expect(res.status).toBe(200);
});

afterAll(async () => {
  await app?.close();
  await db?.stop();
});

describe("export download", () => {
  it("streams every stored row about the person to an admin, audited", async () => {
    const res = await exportAs(admin, PERSON);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/x-ndjson");
    const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l) as { table: string; row: Record<string, unknown> });
    expect(lines.filter((l) => l.table === "events").length).toBe(2);
    expect(lines.every((l) => l.table !== "events" || l.row.user_email === PERSON)).toBe(true);
    const audit = await getPool().query(`SELECT actor, target FROM audit_log WHERE action = 'person.export'`);
    expect(audit.rows).toEqual([{ actor: "admin@privacy.example", target: PERSON }]);
  });

  it("refuses an analyst with 403 and bad input with 400", async () => {
    const res = await exportAs(analyst, PERSON);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: "only admins may export what is stored about a person" });
    expect((await exportAs(admin, "not a person")).status).toBe(400);
  });
});

describe("erase action", () => {
  it("is refused to an analyst (403) and queues nothing", async () => {
    const outcome = await asBrowser(analyst, () => nextControlFlow(() => erasePersonAction({ status: "idle" }, form({ person: PERSON, reason: "request 12", confirm: PERSON }))));
    expect(outcome).toMatch(/;403$/);
    expect((await getPool().query(`SELECT count(*)::int AS n FROM person_erasures`)).rows[0].n).toBe(0);
  });

  it("needs a reason and the person typed again", async () => {
    expect(await asBrowser(admin, () => erasePersonAction({ status: "idle" }, form({ person: PERSON, reason: "", confirm: PERSON }))))
      .toEqual({ status: "error", field: "reason", message: "Give a reason: it goes to the audit log." });
    expect(await asBrowser(admin, () => erasePersonAction({ status: "idle" }, form({ person: PERSON, reason: "request 12", confirm: "bran" }))))
      .toMatchObject({ status: "error", field: "confirm", reason: "request 12" });
    expect((await getPool().query(`SELECT count(*)::int AS n FROM person_erasures`)).rows[0].n).toBe(0);
  });

  it("queues the erasure job for an admin and audits it under the pseudonym", async () => {
    const state = await asBrowser(admin, () => erasePersonAction({ status: "idle" }, form({ person: PERSON, reason: "request 12", confirm: PERSON.toUpperCase() })));
    expect(state.status).toBe("queued");
    const jobs = await getPool().query(`SELECT kind, status FROM jobs WHERE tenant_id = $1`, [tenant.tenantId]);
    expect(jobs.rows).toEqual([{ kind: ERASE_JOB_KIND, status: "queued" }]);
    const audit = await getPool().query(`SELECT actor, target, details FROM audit_log WHERE action = 'person.erase'`);
    expect(audit.rows).toEqual([{ actor: "admin@privacy.example", target: state.pseudonym, details: { erasure: expect.any(String), reason: "request 12" } }]);
  });
});

describe("retention action", () => {
  it("saves valid days for an admin and explains invalid ones", async () => {
    expect(await asBrowser(admin, () => saveRetentionAction({ status: "idle" }, form({ contentDays: "30", metadataDays: "400" })))).toMatchObject({ status: "saved" });
    expect(await getRetention(tenant.tenantId)).toMatchObject({ contentDays: 30, metadataDays: 400, from: "tenant" });
    expect(await asBrowser(admin, () => saveRetentionAction({ status: "idle" }, form({ contentDays: "thirty", metadataDays: "" }))))
      .toEqual({ status: "error", field: "contentDays", message: "Days are a whole number, or empty to keep forever." });
    expect(await asBrowser(analyst, () => nextControlFlow(() => saveRetentionAction({ status: "idle" }, form({ contentDays: "1", metadataDays: "" }))))).toMatch(/;403$/);
    expect(await getRetention(tenant.tenantId)).toMatchObject({ contentDays: 30, metadataDays: 400 });
  });
});
