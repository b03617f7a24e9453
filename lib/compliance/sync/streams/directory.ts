import { getPool } from "@/lib/db/pool";
import { storeOrganizations, storeUsers } from "@/lib/sources/compliance";
import { ComplianceNotFoundError } from "../../client";
import { checkAbort, commitPage, type Ctx } from "../pull-context";
import { newestOf } from "../state";

// The directory: organizations and their users.

export async function pullOrganizations(ctx: Ctx): Promise<void> {
  let pageToken: string | undefined;
  for (;;) {
    checkAbort(ctx.signal);
    const page = await ctx.client.listOrganizations({ page: pageToken, limit: ctx.pageSize.organizations });
    ctx.report.fetched += page.data.length;
    await commitPage(ctx, async (tx) => {
      const r = await storeOrganizations(tx, ctx.tenantId, page.data);
      return { cursor: {}, stored: r.accepted, rejected: r.rejected, newest: newestOf(page.data, "created_at") };
    });
    // Older API versions answer unpaginated (no next_page).
    if (!page.next_page || page.has_more === false) return;
    pageToken = page.next_page;
  }
}

export async function pullUsers(ctx: Ctx): Promise<void> {
  // Organizations from the directory; without org_data scope, those seen in activity records.
  const { rows } = await getPool().query<{ uuid: string }>(
    `SELECT uuid FROM compliance_organizations WHERE tenant_id = $1
     UNION SELECT DISTINCT lower(organization_uuid) FROM compliance_activities
       WHERE tenant_id = $1 AND organization_uuid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM compliance_organizations WHERE tenant_id = $1)
     ORDER BY 1`,
    [ctx.tenantId],
  );
  for (const { uuid } of rows) {
    let pageToken: string | undefined;
    for (;;) {
      checkAbort(ctx.signal);
      let page;
      try {
        page = await ctx.client.listOrganizationUsers(uuid, { page: pageToken, limit: ctx.pageSize.users });
      } catch (err) {
        if (err instanceof ComplianceNotFoundError) break;
        throw err;
      }
      ctx.report.fetched += page.data.length;
      await commitPage(ctx, async (tx) => {
        const r = await storeUsers(tx, ctx.tenantId, uuid, page.data);
        return { cursor: {}, stored: r.accepted, rejected: r.rejected, newest: null };
      });
      if (!page.next_page || page.has_more === false) break;
      pageToken = page.next_page;
    }
  }
}
