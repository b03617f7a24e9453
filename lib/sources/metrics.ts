import type { ExportMetricsServiceRequest, Metric } from "@/lib/otlp/types";
import {
  attributesToJson,
  int32OrNull,
  nanosToDate,
  readInt64,
  readNanos,
  RecordError,
  stableStringify,
} from "@/lib/otlp/values";
import type { Attributes, JsonValue } from "@/lib/otlp/values";
import {
  classifySource,
  deterministicUuid,
  emptyBatch,
  identityClaims,
  IdentityCollector,
  noteRejection,
  ResourceCollector,
  str,
} from "./common";
import type { MetricPointRow, NormalizedBatch, SourceId } from "./model";

// OTLP metrics → one row per data point. Claude Code sends monotonic delta Sums
// (claude_code.cost.usage, .token.usage, .session.count, .active_time.total,
// .lines_of_code.count, .commit.count, .pull_request.count, .code_edit_tool.decision), so a
// usage chart is a SUM(value) grouped by time bucket and attributes. Other shapes are kept too.

type MetricType = MetricPointRow["metricType"];

interface RawPoint {
  attributes?: unknown;
  startTimeUnixNano?: unknown;
  timeUnixNano?: unknown;
  asDouble?: unknown;
  asInt?: unknown;
  count?: unknown;
  sum?: unknown;
  [k: string]: unknown;
}

/** An AggregationTemporality enum value as sent (0 when absent); junk from a JSON sender is null. */
const temporalityOf = (v: unknown) => int32OrNull(v ?? 0);

function metricShape(m: Metric): { type: MetricType; points: RawPoint[]; temporality: number | null; monotonic: boolean | null } {
  if (m.sum) return { type: "sum", points: (m.sum.dataPoints ?? []) as RawPoint[], temporality: temporalityOf(m.sum.aggregationTemporality), monotonic: m.sum.isMonotonic === true };
  if (m.gauge) return { type: "gauge", points: (m.gauge.dataPoints ?? []) as RawPoint[], temporality: null, monotonic: null };
  if (m.histogram) return { type: "histogram", points: (m.histogram.dataPoints ?? []) as RawPoint[], temporality: temporalityOf(m.histogram.aggregationTemporality), monotonic: null };
  if (m.exponentialHistogram) return { type: "exponential_histogram", points: (m.exponentialHistogram.dataPoints ?? []) as RawPoint[], temporality: temporalityOf(m.exponentialHistogram.aggregationTemporality), monotonic: null };
  if (m.summary) return { type: "summary", points: (m.summary.dataPoints ?? []) as RawPoint[], temporality: null, monotonic: null };
  return { type: "gauge", points: [], temporality: null, monotonic: null };
}

function numberOrNull(v: unknown, what: string): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  throw new RecordError(`${what} must be a number`);
}

function pointValue(type: MetricType, p: RawPoint): { value: number | null; count: number | null; distribution: JsonValue } {
  if (type === "sum" || type === "gauge") {
    if (p.asDouble !== undefined && p.asDouble !== null) return { value: numberOrNull(p.asDouble, "asDouble"), count: null, distribution: null };
    const i = readInt64(p.asInt, "asInt");
    return { value: i === undefined ? null : Number(i), count: null, distribution: null };
  }
  const count = readInt64(p.count, "count");
  const { attributes: _a, startTimeUnixNano: _s, timeUnixNano: _t, exemplars: _e, ...rest } = p;
  return {
    value: numberOrNull(p.sum, "sum"),
    count: count === undefined || count > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(count), // bigint column, exact in JS
    distribution: JSON.parse(JSON.stringify(rest)) as JsonValue,
  };
}

export function normalizeMetrics(request: ExportMetricsServiceRequest): NormalizedBatch {
  const batch = emptyBatch();
  const resources = new ResourceCollector();
  const identities = new IdentityCollector();

  (request.resourceMetrics ?? []).forEach((rm, ri) => {
    let resourceAttrs: Attributes;
    try {
      resourceAttrs = attributesToJson(rm.resource?.attributes);
    } catch (err) {
      for (const sm of rm.scopeMetrics ?? []) for (const m of sm.metrics ?? []) {
        for (let i = 0; i < metricShape(m).points.length; i++) noteRejection(batch, `resourceMetrics[${ri}].resource`, err);
      }
      return;
    }
    const resource = resources.add(resourceAttrs);
    const serviceName = str(resourceAttrs["service.name"]);
    (rm.scopeMetrics ?? []).forEach((sm, si) => {
      const scopeName = str(sm.scope?.name ?? null);
      const scopeVersion = str(sm.scope?.version ?? null);
      const source = classifySource(serviceName, scopeName);
      (sm.metrics ?? []).forEach((metric, mi) => {
        const shape = metricShape(metric);
        shape.points.forEach((p, pi) => {
          const where = `resourceMetrics[${ri}].scopeMetrics[${si}].metrics[${mi}].dataPoints[${pi}]`;
          try {
            if (typeof metric.name !== "string" || metric.name === "") throw new RecordError("metric has no name");
            const row = normalizePoint(metric, shape, p, { source, resourceId: resource.id, serviceName, scopeName, scopeVersion, resourceAttrs });
            batch.points.push(row);
            const claims = identityClaims(row.attributes, resourceAttrs);
            identities.add(source, claims, row.time);
          } catch (err) {
            if (!(err instanceof RecordError)) throw err;
            noteRejection(batch, where, err);
          }
        });
      });
    });
  });
  batch.resources = resources.list();
  batch.identities = identities.list();
  return batch;
}

interface PointContext {
  source: SourceId;
  resourceId: string;
  serviceName: string | null;
  scopeName: string | null;
  scopeVersion: string | null;
  resourceAttrs: Attributes;
}

function normalizePoint(
  metric: Metric,
  shape: ReturnType<typeof metricShape>,
  p: RawPoint,
  ctx: PointContext,
): MetricPointRow {
  if (typeof p !== "object" || p === null) throw new RecordError("data point must be an object");
  const attrs = attributesToJson(p.attributes);
  const timeNs = readNanos(p.timeUnixNano, "timeUnixNano");
  if (timeNs === undefined) throw new RecordError("data point has no timeUnixNano");
  const startNs = readNanos(p.startTimeUnixNano, "startTimeUnixNano") ?? null;
  const { value, count, distribution } = pointValue(shape.type, p);
  const identity = identityClaims(attrs, ctx.resourceAttrs);
  return {
    id: deterministicUuid(
      "metric", ctx.resourceId, ctx.scopeName ?? "", metric.name!, shape.type,
      String(startNs ?? ""), String(timeNs), stableStringify(attrs),
    ),
    resourceId: ctx.resourceId,
    source: ctx.source,
    serviceName: ctx.serviceName,
    scopeName: ctx.scopeName,
    scopeVersion: ctx.scopeVersion,
    metricName: metric.name!,
    description: str(metric.description ?? null),
    unit: str(metric.unit ?? null),
    metricType: shape.type,
    temporality: shape.temporality,
    isMonotonic: shape.monotonic,
    startTime: startNs !== null ? nanosToDate(startNs) : null,
    time: nanosToDate(timeNs),
    startNs,
    timeNs,
    value,
    count,
    sessionId: str(attrs["session.id"]),
    userId: identity.userId,
    userEmail: identity.userEmail,
    accountUuid: identity.accountUuid,
    organizationId: identity.organizationId,
    model: str(attrs.model),
    pointType: str(attrs.type),
    attributes: attrs,
    distribution,
  };
}
