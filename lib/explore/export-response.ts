import { recordContentView } from "@/lib/audit";
import { checkQuery } from "@/lib/query/compile";
import { exportFilename, exportStream, MAX_EXPORT_ROWS } from "./export";
import { canonicalQueryParams, parseExploreParams } from "./params";

// The HTTP side of the Explorer's export (GET /api/console/events/export): format check, audit
// entry and download headers around the export stream.

export interface ExportViewer {
  tenantId: string;
  email: string;
  canReadContent: boolean;
}

/**
 * GET /api/console/events/export for a signed-in viewer: the same parameters as the Explorer
 * plus format=csv|ndjson. Content readers' exports are written to the audit log first.
 */
export async function exportResponse(viewer: ExportViewer, params: URLSearchParams, now = new Date()): Promise<Response> {
  const format = params.get("format") ?? "csv";
  if (format !== "csv" && format !== "ndjson") {
    return Response.json({ error: "format must be csv or ndjson" }, { status: 400 });
  }
  const { query } = parseExploreParams(params, now);
  // Checked before the stream starts: once the 200 is sent, an error could only cut the file short.
  const bad = query.q ? checkQuery(query.q, "events", viewer.canReadContent, now) : null;
  if (bad) return Response.json({ error: bad.message, position: bad.position }, { status: 400 });
  // The whole filtered set, from its start: a cursor in the link would silently drop rows.
  query.cursor = undefined;
  if (viewer.canReadContent) {
    const canonical = canonicalQueryParams(params);
    canonical.set("format", format);
    await recordContentView(viewer.tenantId, viewer.email, `export:${canonical.toString()}`);
  }
  return new Response(exportStream(viewer.tenantId, query, format, viewer.canReadContent), {
    headers: {
      "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="${exportFilename(format, now)}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "x-blindspot-export-max-rows": String(MAX_EXPORT_ROWS),
    },
  });
}
