import { databaseHealth } from "@/lib/queries/health";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** 200 when the database answers, 503 otherwise. No secrets, no content. */
export async function GET(): Promise<Response> {
  const health = await databaseHealth();
  return Response.json(health, { status: health.status === "ok" ? 200 : 503, headers: { "cache-control": "no-store" } });
}
