import { getPool } from "@/lib/db/pool";
import { describeError } from "@/lib/ingest/db-errors";

export interface Health {
  status: "ok" | "unavailable";
  database: { reachable: boolean; latencyMs?: number; migrations?: number; error?: string };
  version: string;
  time: string;
}

const VERSION = process.env.npm_package_version ?? "0.1.0";

export async function databaseHealth(): Promise<Health> {
  const started = Date.now();
  try {
    const { rows } = await getPool().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`,
    );
    return {
      status: "ok",
      database: { reachable: true, latencyMs: Date.now() - started, migrations: rows[0]?.n ?? 0 },
      version: VERSION,
      time: new Date().toISOString(),
    };
  } catch (err) {
    return {
      status: "unavailable",
      database: { reachable: false, error: describeError(err) },
      version: VERSION,
      time: new Date().toISOString(),
    };
  }
}
