import { EVENT } from "@/lib/domain/vocabulary";
import { exploreHref, type ExploreLink } from "@/lib/explore/url";
import { isOfficeSurface, type AgentRef } from "./agent-ref";
import type { InventoryEntity } from "./detail";

// Where the inventory's rows link to: the Explorer filtered to the agent (and entity), or the
// latest session for Office entities.

/** Where an entity was used: the Explorer filtered to the agent (and entity) for event sources. */
/** `range`: a preset id, or a window's URL parameters (lib/time-range rangeParams). */
export function agentExploreHref(ref: AgentRef, view: ExploreLink, range: string | [string, string][]): string {
  const window: ExploreLink = typeof range === "string" ? { range } : Object.fromEntries(range);
  return exploreHref({ source: ref.surface, user: ref.kind !== "none" ? ref.person : undefined, ...view, ...window });
}

/** The link for one entity: Explorer filters for events; the latest session for Office spans. */
export function entityHref(ref: AgentRef, entity: InventoryEntity, range: string | [string, string][]): string | null {
  if (isOfficeSurface(ref.surface)) {
    return entity.latestSessionId ? `/sessions/${encodeURIComponent(entity.latestSessionId)}` : null;
  }
  switch (entity.kind) {
    case "tool":
      return agentExploreHref(ref, { tool: entity.name }, range);
    case "mcp_server":
    case "mcp_tool":
      return agentExploreHref(ref, { mcpServer: entity.name }, range);
    case "model":
      return agentExploreHref(ref, { name: EVENT.apiRequest }, range);
    case "plugin":
      return agentExploreHref(ref, { name: EVENT.pluginLoaded }, range);
    case "skill":
      return agentExploreHref(ref, { name: EVENT.skillActivated }, range);
    case "directory":
      return agentExploreHref(ref, {}, range);
  }
}

/**
 * Where a tool's rejected or failed count comes from, when the Explorer can filter exactly that
 * (tool_decision rejects, tool_result failures of the tool). Other counts have no exact filter.
 */
export function countHref(ref: AgentRef, entity: InventoryEntity, which: "rejected" | "failed", range: string | [string, string][]): string | null {
  if (isOfficeSurface(ref.surface) || entity.kind !== "tool" || entity[which] === 0) return null;
  return which === "rejected"
    ? agentExploreHref(ref, { name: EVENT.toolDecision, tool: entity.name, decision: "reject" }, range)
    : agentExploreHref(ref, { name: EVENT.toolResult, tool: entity.name, success: false }, range);
}
