// `npm run bench:approvals`: how long the approvals dashboard and coverage take when the rollups
// summarise tens of millions of events. Fills decision_rollups and source_rollups of a fresh
// database on a Postgres server (BENCH_DATABASE_URL, or the throwaway one scripts/pg-throwaway.sh
// starts) as 30 days of a 500-person organisation would, then times approvalSummary, escalations
// (bounded window over raw events: here empty) and coverage. Prints figures; asserts nothing.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { migrate } from "@/lib/db/migrate";
import { closePool } from "@/lib/db/pool";
import { approvalSummary } from "@/lib/queries/approvals";
import { coverage } from "@/lib/queries/coverage";

const USERS = 500;
const DAYS = 30;

async function main(): Promise<void> {
  let pgDir: string | null = null;
  let server = process.env.BENCH_DATABASE_URL;
  if (!server) {
    pgDir = mkdtempSync(path.join(os.tmpdir(), "bench-approvals-pg-"));
    server = execFileSync("scripts/pg-throwaway.sh", ["start", pgDir, String(15600 + Math.floor(Math.random() * 300))]).toString().trim();
  }
  const name = `bench_approvals_${Date.now()}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  process.env.DATABASE_URL = url.toString();
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  try {
    await migrate(c);
    const tenant = "bench-tenant";
    const to = new Date();
    const t0 = performance.now();
    // Each person active 10 hours a day; per active hour a handful of tool/decision combinations.
    await c.query(
      `INSERT INTO decision_rollups
       SELECT $1, date_trunc('hour', $2::timestamptz) - make_interval(hours => h), CASE WHEN u % 5 = 0 THEN 'cowork' ELSE 'claude_code' END,
              'user' || u || '@example.com', 'team-' || (u % 12), tool, '', CASE WHEN src IN ('user_reject', 'user_abort') THEN 'reject' ELSE 'accept' END, src, '',
              1 + (u * h) % 17
       FROM generate_series(1, $3::int) u, generate_series(0, $4::int * 24 - 1) h,
            (VALUES ('Bash', 'config'), ('Read', 'config'), ('Edit', 'user_temporary'), ('Bash', 'user_permanent'), ('Write', 'hook'), ('Bash', 'user_reject')) AS x(tool, src)
       WHERE (h % 24) BETWEEN 8 AND 17 AND (u + h) % 3 <> 0`,
      [tenant, to, USERS, DAYS],
    );
    await c.query(`ANALYZE decision_rollups`);
    const { rows } = await c.query<{ rows: number; decisions: number }>(`SELECT count(*)::int AS rows, sum(count)::float8 AS decisions FROM decision_rollups`);
    console.log(`[bench] decision_rollups: ${rows[0].rows.toLocaleString()} rows summarising ${rows[0].decisions.toLocaleString()} decisions (${((performance.now() - t0) / 1000).toFixed(1)} s to generate)`);

    const time = async (label: string, fn: () => Promise<unknown>) => {
      await fn(); // warm
      const samples: number[] = [];
      for (let i = 0; i < 5; i++) {
        const s = performance.now();
        await fn();
        samples.push(performance.now() - s);
      }
      samples.sort((a, b) => a - b);
      console.log(`  ${label.padEnd(42)} p50 ${samples[2].toFixed(0)} ms, max ${samples[4].toFixed(0)} ms`);
    };
    const day = 86_400_000;
    console.log("Approvals and coverage on the rollups (5 runs each, after one warm-up):");
    await time("approvalSummary, 7 days", () => approvalSummary(tenant, { from: new Date(to.getTime() - 7 * day), to }));
    await time("approvalSummary, 30 days", () => approvalSummary(tenant, { from: new Date(to.getTime() - 30 * day), to }));
    await time("approvalSummary, 30 days, one user", () => approvalSummary(tenant, { from: new Date(to.getTime() - 30 * day), to, user: "user7@example.com" }));
    await time("coverage, 30 days", () => coverage(tenant, new Date(to.getTime() - 30 * day), to));
  } finally {
    await c.end();
    await closePool();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    if (pgDir) {
      execFileSync("scripts/pg-throwaway.sh", ["stop", pgDir]);
      rmSync(pgDir, { recursive: true, force: true });
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
