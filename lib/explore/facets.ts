import { getPool } from "@/lib/db/pool";
import { SqlBuilder } from "@/lib/db/sql";
import { FACET_COLUMNS, type ExploreFacets } from "./columns";

// The values offered in the Explorer's filter menus.

export const FACET_LIMIT = 200;

/**
 * Distinct values for the filter menus within the time window, up to FACET_LIMIT each. A loose
 * index scan (one index probe per distinct value, via a recursive CTE) instead of DISTINCT over
 * every row of the window: cheap on millions of rows when values are few.
 */
export async function exploreFacets(tenantId: string, window: { from?: Date; to?: Date }): Promise<ExploreFacets> {
  const entries = await Promise.all(
    Object.entries(FACET_COLUMNS).map(async ([facet, column]) => {
      const p = new SqlBuilder();
      const tenant = p.param(tenantId);
      const bounds: string[] = [];
      if (window.from) bounds.push(`AND e.time >= ${p.param(window.from)}`);
      if (window.to) bounds.push(`AND e.time < ${p.param(window.to)}`);
      const cap = p.param(FACET_LIMIT);
      const sql = `
        WITH RECURSIVE vals(v, n) AS (
          (SELECT e.${column}, 1 FROM events e
            WHERE e.tenant_id = ${tenant} AND e.${column} IS NOT NULL ${bounds.join(" ")}
            ORDER BY e.${column} LIMIT 1)
          UNION ALL
          SELECT (SELECT e.${column} FROM events e
                   WHERE e.tenant_id = ${tenant} AND e.${column} > vals.v ${bounds.join(" ")}
                   ORDER BY e.${column} LIMIT 1),
                 vals.n + 1
          FROM vals WHERE vals.v IS NOT NULL AND vals.n < ${cap}
        )
        SELECT v FROM vals WHERE v IS NOT NULL`;
      const { rows } = await getPool().query<{ v: string }>(sql, p.values);
      return [facet, rows.map((r) => r.v)] as const;
    }),
  );
  return Object.fromEntries(entries) as ExploreFacets;
}
