// The agent inventory (one agent per person and surface, and what each was seen with), in rooms:
// agent-ref.ts names agents and parses their URL keys (pure), agents.ts lists them, detail.ts
// describes one, links.ts says where their rows lead, sql.ts holds the SQL they share.

export * from "./agent-ref";
export { listAgents, matchesText, sortVersions, type AgentFilter, type AgentSummary } from "./agents";
export { agentDetail, type AgentDetail, type AgentSession, type EntityKind, type IdentityFacet, type InventoryEntity } from "./detail";
export { agentExploreHref, countHref, entityHref } from "./links";
export type { InventoryWindow } from "./sql";
