import { handleExport, handlePreflight } from "@/lib/ingest/pipeline";

// OTLP/HTTP metrics receiver: OTEL_EXPORTER_OTLP_ENDPOINT=<base>/api/otlp makes exporters post here.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function POST(request: Request): Promise<Response> {
  return handleExport("metrics", request);
}

export function OPTIONS(request: Request): Promise<Response> {
  return handlePreflight(request);
}
