import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// Every route and page declares how it is protected. A new file under app/ fails this test until
// it is listed here with its guard, and the guard is checked in its source, so nothing ships
// unauthenticated by accident. (Behaviour is tested per route elsewhere.)

type Guard = "ingest-token" | "api-token" | "console-session" | "public" | "next-auth";

const ROUTES: Record<string, Guard> = {
  "app/api/otlp/v1/logs/route.ts": "ingest-token",
  "app/api/otlp/v1/traces/route.ts": "ingest-token",
  "app/api/otlp/v1/metrics/route.ts": "ingest-token",
  "app/api/v1/alerts/route.ts": "api-token",
  "app/api/v1/alerts/[id]/route.ts": "api-token",
  "app/api/v1/events/route.ts": "api-token",
  "app/api/v1/export/ocsf/route.ts": "api-token",
  "app/api/v1/identities/route.ts": "api-token",
  "app/api/v1/approvals/summary/route.ts": "api-token",
  "app/api/v1/audit/route.ts": "api-token",
  "app/api/v1/coverage/route.ts": "api-token",
  "app/api/v1/connectors/route.ts": "api-token",
  "app/api/console/connectors/route.ts": "console-session",
  "app/api/console/compliance/import/route.ts": "console-session",
  "app/api/console/setup/status/route.ts": "console-session",
  "app/api/v1/metrics/route.ts": "api-token",
  "app/api/v1/prompts/[promptId]/route.ts": "api-token",
  "app/api/v1/sessions/[sessionId]/route.ts": "api-token",
  "app/api/v1/traces/[traceId]/route.ts": "api-token",
  "app/api/console/events/export/route.ts": "console-session",
  "app/api/console/people/export/route.ts": "console-session",
  "app/api/health/route.ts": "public",
  "app/api/auth/[...nextauth]/route.ts": "next-auth",
  "app/page.tsx": "public",
  "app/login/page.tsx": "public",
};

/** What each guard looks like in source. */
const GUARD_MARKERS: Record<Guard, RegExp> = {
  "ingest-token": /handleExport\(/,
  // The OCSF export streams its answer, so it authenticates before it starts the stream.
  "api-token": /withReadApi\(|authenticateApi\(presentedSecret/,
  "console-session": /userForApi\(\)|requireUser\(/,
  public: /.*/,
  "next-auth": /NextAuth\(/,
};

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const files = walk("app").filter((f) => /(?:^|\/)(route|page)\.tsx?$/.test(f));

describe("every route and page has a guard", () => {
  it("finds the app's routes", () => {
    expect(files.length).toBeGreaterThan(10);
  });

  for (const file of files) {
    it(file, () => {
      const src = readFileSync(file, "utf8");
      // Console pages live under app/(console) and must ask for the user themselves.
      const guard: Guard | undefined = file.startsWith("app/(console)/") ? "console-session" : ROUTES[file];
      expect(guard, `${file} is not listed in lib/api/routes.test.ts`).toBeDefined();
      expect(src).toMatch(GUARD_MARKERS[guard!]);
    });
  }
});

describe("public pages show no tenant data", () => {
  it("the front page reads only health and configuration", () => {
    const src = readFileSync("app/page.tsx", "utf8");
    expect(src).not.toMatch(/lib\/queries\/(events|prompts|sessions|traces|explore|inventory)/);
  });
});
