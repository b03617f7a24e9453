import { recordAudit } from "@/lib/audit";
import { userForApi } from "@/lib/auth/session";
import { personExportLines } from "@/lib/privacy/export";
import { PersonInputError, parsePersonInput } from "@/lib/privacy/person-rows";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * GET /api/console/people/export?person=<email|account UUID|user_01…>
 *
 * Everything stored about one person in the admin's tenant, as NDJSON ({"table", "row"} per
 * line), streamed in primary-key batches (lib/privacy/export.ts). Admins only (403 for other
 * roles); audited before the first byte leaves.
 */
export async function GET(request: Request): Promise<Response> {
  const user = await userForApi();
  if (!user) return Response.json({ error: "sign in required" }, { status: 401 });
  if (!user.isAdmin) return Response.json({ error: "only admins may export what is stored about a person" }, { status: 403 });
  const person = new URL(request.url).searchParams.get("person") ?? "";
  try {
    parsePersonInput(person);
  } catch (err) {
    if (err instanceof PersonInputError) return Response.json({ error: err.message }, { status: 400 });
    throw err;
  }
  await recordAudit({ tenantId: user.tenantId, actor: user.email, action: "person.export", target: person.trim().toLowerCase() });
  const lines = personExportLines(user.tenantId, person);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await lines.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(`${next.value}\n`));
      } catch (err) {
        controller.error(err);
      }
    },
    async cancel() {
      await lines.return?.({ rows: {} });
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="person-export.ndjson"`,
      "cache-control": "no-store",
    },
  });
}
