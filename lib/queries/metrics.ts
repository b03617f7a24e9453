import { keepMetadata } from "@/lib/auth/content";
import { getPool } from "@/lib/db/pool";
import { SqlBuilder } from "@/lib/db/sql";
import type { JsonValue } from "@/lib/otlp/values";

// Metric data points as stored (one per OTLP data point), for usage charts and automation.

export interface ApiMetricPoint {
  id: string;
  name: string;
  type: string;
  unit: string | null;
  description: string | null;
  temporality: number | null;
  isMonotonic: boolean | null;
  startTimeUnixNano: string | null;
  timeUnixNano: string | null;
  time: string;
  value: number | null;
  count: number | null;
  source: string;
  sessionId: string | null;
  userId: string | null;
  userEmail: string | null;
  accountUuid: string | null;
  organizationId: string | null;
  model: string | null;
  pointType: string | null;
  attributes: Record<string, JsonValue>;
  distribution: JsonValue;
  resource: Record<string, JsonValue>;
  /** Attribute keys (`resource.` for the resource's) removed because the reader may not see content. */
  hiddenKeys: string[];
}

export async function metricPoints(
  tenantId: string,
  q: { name?: string; sessionId?: string; from?: Date; to?: Date; limit: number },
  canReadContent: boolean,
): Promise<ApiMetricPoint[]> {
  const sql = new SqlBuilder();
  sql.where(`m.tenant_id = ${sql.param(tenantId)}`);
  sql.whereEquals("m.metric_name", q.name);
  sql.whereEquals("m.session_id", q.sessionId);
  if (q.from) sql.where(`m.time >= ${sql.param(q.from)}`);
  if (q.to) sql.where(`m.time < ${sql.param(q.to)}`);
  const { rows } = await getPool().query(
    `SELECT m.id, m.metric_name, m.metric_type, m.unit, m.description, m.temporality, m.is_monotonic,
            m.start_ns::text AS start_ns, m.time_ns::text AS time_ns, m.time, m.value, m.count, m.source,
            m.session_id, m.user_id, m.user_email, m.account_uuid, m.organization_id, m.model, m.point_type,
            m.attributes, m.distribution, r.attributes AS resource_attributes
     FROM metric_points m LEFT JOIN resources r ON r.tenant_id = m.tenant_id AND r.id = m.resource_id
     WHERE ${sql.whereSql()} ORDER BY m.time DESC, m.id LIMIT ${sql.param(q.limit)}`,
    sql.values,
  );
  return rows.map((r) => {
    const attributes = canReadContent ? { value: r.attributes ?? {}, hiddenKeys: [] } : keepMetadata(r.attributes);
    const resource = canReadContent ? { value: r.resource_attributes ?? {}, hiddenKeys: [] } : keepMetadata(r.resource_attributes, undefined, "resource.");
    return {
    id: r.id,
    name: r.metric_name,
    type: r.metric_type,
    unit: r.unit,
    description: r.description,
    temporality: r.temporality,
    isMonotonic: r.is_monotonic,
    startTimeUnixNano: r.start_ns,
    timeUnixNano: r.time_ns,
    time: (r.time as Date).toISOString(),
    value: r.value,
    count: r.count,
    source: r.source,
    sessionId: r.session_id,
    userId: r.user_id,
    userEmail: r.user_email,
    accountUuid: r.account_uuid,
    organizationId: r.organization_id,
    model: r.model,
    pointType: r.point_type,
    attributes: attributes.value,
    distribution: r.distribution,
    resource: resource.value,
    hiddenKeys: [...attributes.hiddenKeys, ...resource.hiddenKeys],
  };
  });
}
