import { EVENT } from "@/lib/domain/vocabulary";
import { isOfficeSurface, type AgentRef } from "./agent-ref";
import type { InventoryEntity } from "./detail";

// Where the inventory's rows link to: the Explorer filtered to the agent (and entity), or the
// latest session for Office entities.

/** Where an entity was used: the Explorer filtered to the agent (and entity) for event sources. */
/** `range`: a preset id, or a window's URL parameters (lib/time-range rangeParams). */
export function exploreHref(ref: AgentRef, filter: Record<string, string>, range: string | [string, string][]): string {
  const q = new URLSearchParams();
  q.set("source", ref.surface);
  if (ref.kind !== "none") q.set("user", ref.person);
  for (const [k, v] of Object.entries(filter)) q.set(k, v);
  for (const [k, v] of typeof range === "string" ? [["range", range]] : range) q.set(k, v);
  return `/explore?${q.toString()}`;
}

/** The link for one entity: Explorer filters for events; the latest session for Office spans. */
export function entityHref(ref: AgentRef, entity: InventoryEntity, range: string | [string, string][]): string | null {
  if (isOfficeSurface(ref.surface)) {
    return entity.latestSessionId ? `/sessions/${encodeURIComponent(entity.latestSessionId)}` : null;
  }
  switch (entity.kind) {
    case "tool":
      return exploreHref(ref, { tool: entity.name }, range);
    case "mcp_server":
    case "mcp_tool":
      return exploreHref(ref, { mcpServer: entity.name }, range);
    case "model":
      return exploreHref(ref, { name: EVENT.apiRequest }, range);
    case "plugin":
      return exploreHref(ref, { name: EVENT.pluginLoaded }, range);
    case "skill":
      return exploreHref(ref, { name: EVENT.skillActivated }, range);
    case "directory":
      return exploreHref(ref, {}, range);
  }
}

/**
 * Where a tool's rejected or failed count comes from, when the Explorer can filter exactly that
 * (tool_decision rejects, tool_result failures of the tool). Other counts have no exact filter.
 */
export function countHref(ref: AgentRef, entity: InventoryEntity, which: "rejected" | "failed", range: string | [string, string][]): string | null {
  if (isOfficeSurface(ref.surface) || entity.kind !== "tool" || entity[which] === 0) return null;
  return which === "rejected"
    ? exploreHref(ref, { name: EVENT.toolDecision, tool: entity.name, decision: "reject" }, range)
    : exploreHref(ref, { name: EVENT.toolResult, tool: entity.name, success: "false" }, range);
}
