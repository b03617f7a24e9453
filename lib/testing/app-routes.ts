import * as health from "@/app/api/health/route";
import * as otlpLogs from "@/app/api/otlp/v1/logs/route";
import * as otlpMetrics from "@/app/api/otlp/v1/metrics/route";
import * as otlpTraces from "@/app/api/otlp/v1/traces/route";
import * as alert from "@/app/api/v1/alerts/[id]/route";
import * as alerts from "@/app/api/v1/alerts/route";
import * as approvals from "@/app/api/v1/approvals/summary/route";
import * as audit from "@/app/api/v1/audit/route";
import * as coverage from "@/app/api/v1/coverage/route";
import * as events from "@/app/api/v1/events/route";
import * as identities from "@/app/api/v1/identities/route";
import * as metrics from "@/app/api/v1/metrics/route";
import * as prompts from "@/app/api/v1/prompts/[promptId]/route";
import * as sessions from "@/app/api/v1/sessions/[sessionId]/route";
import * as traces from "@/app/api/v1/traces/[traceId]/route";
import { startRouteServer, type RouteModule, type RouteServer } from "./route-server";

/** The app's API route handlers, as the Next.js router maps them. */
export const APP_ROUTES: Record<string, RouteModule> = {
  "/api/health": health as unknown as RouteModule,
  "/api/otlp/v1/logs": otlpLogs as unknown as RouteModule,
  "/api/otlp/v1/traces": otlpTraces as unknown as RouteModule,
  "/api/otlp/v1/metrics": otlpMetrics as unknown as RouteModule,
  "/api/v1/alerts": alerts as unknown as RouteModule,
  "/api/v1/alerts/[id]": alert as unknown as RouteModule,
  "/api/v1/approvals/summary": approvals as unknown as RouteModule,
  "/api/v1/audit": audit as unknown as RouteModule,
  "/api/v1/coverage": coverage as unknown as RouteModule,
  "/api/v1/events": events as unknown as RouteModule,
  "/api/v1/identities": identities as unknown as RouteModule,
  "/api/v1/metrics": metrics as unknown as RouteModule,
  "/api/v1/prompts/[promptId]": prompts as unknown as RouteModule,
  "/api/v1/sessions/[sessionId]": sessions as unknown as RouteModule,
  "/api/v1/traces/[traceId]": traces as unknown as RouteModule,
};

export function startAppServer(): Promise<RouteServer> {
  return startRouteServer(APP_ROUTES);
}
