import { Readable } from "node:stream";
import { recordAudit } from "@/lib/audit";
import { crossOriginRefused, isSameOrigin } from "@/lib/auth/same-origin";
import { userForApi } from "@/lib/auth/session";
import { importComplianceFile, listComplianceImports } from "@/lib/compliance/import";
import { describeError } from "@/lib/ingest/db-errors";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * POST /api/console/compliance/import?filename=…[&organizationUuid=…] with the file as the body
 * (streamed, not buffered): imports a Compliance API export. Admins only, from the console's
 * own origin (the Origin header; a cross-site form or fetch gets 403).
 */
export async function POST(request: Request): Promise<Response> {
  if (!isSameOrigin(request)) return crossOriginRefused();
  const user = await userForApi();
  if (!user) return Response.json({ error: "sign in required" }, { status: 401 });
  if (!user.isAdmin) return Response.json({ error: "only admins import Compliance data" }, { status: 403 });
  if (!request.body) return Response.json({ error: "empty body" }, { status: 400 });
  const url = new URL(request.url);
  const filename = (url.searchParams.get("filename") ?? "upload").slice(0, 200);
  const length = Number(request.headers.get("content-length"));
  try {
    const report = await importComplianceFile(Readable.fromWeb(request.body as import("node:stream/web").ReadableStream<Uint8Array>), {
      tenantId: user.tenantId,
      filename,
      createdBy: user.email,
      bytesTotal: Number.isFinite(length) && length > 0 ? length : undefined,
      organizationUuid: url.searchParams.get("organizationUuid") ?? undefined,
    });
    await recordAudit({ tenantId: user.tenantId, actor: user.email, action: "compliance.import", target: filename, details: { accepted: report.accepted, rejected: report.rejected } });
    return Response.json(report);
  } catch (err) {
    console.error(`[import] ${describeError(err)}`);
    return Response.json({ error: err instanceof Error ? err.message : "import failed" }, { status: 400 });
  }
}

/** GET …?id= : progress of an import (polled by the upload form). Admins only: file names and who imported. */
export async function GET(request: Request): Promise<Response> {
  const user = await userForApi();
  if (!user) return Response.json({ error: "sign in required" }, { status: 401 });
  if (!user.isAdmin) return Response.json({ error: "only admins see Compliance imports" }, { status: 403 });
  const id = new URL(request.url).searchParams.get("id");
  return Response.json({ imports: await listComplianceImports(user.tenantId, id) });
}
