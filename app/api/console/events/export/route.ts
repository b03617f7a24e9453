import { userForApi } from "@/lib/auth/session";
import { exportResponse } from "@/lib/explore/export-response";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * GET /api/console/events/export?format=csv|ndjson&range=&from=&to=&source=&name=&user=&tool=
 *     &mcpServer=&decisionSource=&decision=&success=&sort=&dir=
 *
 * The Explorer's filtered set as a download, for a signed-in console user (session cookie).
 * Streamed page by page (500 rows per query, keyset order), so memory stays flat at any size.
 * Content (prompt text, tool parameters and inputs, error text) is removed for roles that may
 * not read it, exactly as in the Explorer; an export that includes content is audit-logged.
 *
 * Cap: at most 1,000,000 rows (MAX_EXPORT_ROWS). CSV simply ends there; NDJSON ends with a
 * line {"_blindspot":{"truncated":true,"maxRows":1000000}}. Narrow the filters for more.
 * CSV is RFC 4180 (CRLF, quoted where needed) with spreadsheet formulas neutralised.
 */
export async function GET(request: Request): Promise<Response> {
  const user = await userForApi();
  if (!user) return Response.json({ error: "sign in required" }, { status: 401 });
  return exportResponse(user, new URL(request.url).searchParams);
}
