// Roles and what they may read. Analysts and admins read content (prompt text, tool inputs and
// outputs, raw bodies); managers see everything else with content hidden.

export const ROLES = ["admin", "analyst", "manager"] as const;
export type Role = (typeof ROLES)[number];

export function isRole(v: string): v is Role {
  return (ROLES as readonly string[]).includes(v);
}

export function canReadContent(role: Role): boolean {
  return role === "admin" || role === "analyst";
}

export function canAdminister(role: Role): boolean {
  return role === "admin";
}

/** Alert triage (status, assignee, notes): the roles that read the evidence. Managers only read alerts. */
export function canTriageAlerts(role: Role): boolean {
  return role === "admin" || role === "analyst";
}
