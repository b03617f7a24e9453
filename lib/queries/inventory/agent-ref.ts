import { AGENT_SURFACES, type AgentSurfaceId } from "@/lib/domain/vocabulary";
import { labelOfPerson, PERSON_KINDS, type PersonKind } from "@/lib/domain/person";

// Which agent a row belongs to and how it is named: one agent per person and agent surface
// ("Claude Code/jon.snow", "Excel/sansa.stark"). The person is the ONE person key of
// lib/domain/person.ts (its kind says which identifier named them); the surfaces are
// lib/domain/vocabulary.ts's AGENT_SURFACES. Pure: the console's client components use it too.

export type SurfaceId = AgentSurfaceId;
export type { PersonKind };

export const EVENT_SURFACES: readonly SurfaceId[] = AGENT_SURFACES.filter((s) => s.kind === "events").map((s) => s.id);

export function isSurfaceId(v: string): v is SurfaceId {
  return AGENT_SURFACES.some((s) => s.id === v);
}

export function surfaceLabel(id: SurfaceId): string {
  return AGENT_SURFACES.find((s) => s.id === id)?.label ?? id;
}

export function isOfficeSurface(id: SurfaceId): boolean {
  return AGENT_SURFACES.find((s) => s.id === id)?.kind === "office";
}

/** Which agent: a surface and a person (kind + the identifying value). */
export interface AgentRef {
  surface: SurfaceId;
  kind: PersonKind;
  /** The person key (lib/domain/person.ts); "" when unattributed. */
  person: string;
}

/** A URL-safe key: surface and kind readable, the (hostile) person value base64url-encoded. */
export function agentKey(ref: AgentRef): string {
  if (ref.kind === "none") return `${ref.surface}.none`;
  return `${ref.surface}.${ref.kind}.${Buffer.from(ref.person, "utf8").toString("base64url")}`;
}

export function parseAgentKey(key: string): AgentRef | null {
  const parts = key.split(".");
  const [surface, kind, encoded] = parts;
  if (!surface || !isSurfaceId(surface) || !kind || !(PERSON_KINDS as readonly string[]).includes(kind)) return null;
  if (kind === "none") return parts.length === 2 ? { surface, kind, person: "" } : null;
  if (parts.length !== 3 || !encoded || !/^[A-Za-z0-9_-]+$/.test(encoded)) return null;
  const person = Buffer.from(encoded, "base64url").toString("utf8");
  // Reject keys that do not round-trip (invalid base64url, invalid UTF-8).
  if (person === "" || Buffer.from(person, "utf8").toString("base64url") !== encoded) return null;
  return { surface, kind: kind as PersonKind, person };
}

/** Short name of the person: the local part of an email, a shortened id otherwise. */
export function personDisplayName(kind: PersonKind, person: string): string {
  switch (kind) {
    case "email":
    case "enduser": {
      const at = person.indexOf("@");
      return at > 0 ? person.slice(0, at) : person;
    }
    case "account":
      return `account ${shorten(person, 14)}`;
    case "device":
    case "none":
      return labelOfPerson({ kind, key: person });
  }
}

/** Which attribute identified the person, for the owner column. */
export const PERSON_KIND_LABELS: Record<PersonKind, string> = {
  email: "email (user.email or enduser.id)",
  enduser: "enduser.id",
  account: "account",
  device: "user.id (device)",
  none: "no identity sent",
};

function shorten(v: string, n: number): string {
  return v.length > n + 1 ? `${v.slice(0, n)}…` : v;
}

export function agentName(ref: AgentRef): string {
  return `${surfaceLabel(ref.surface)}/${personDisplayName(ref.kind, ref.person)}`;
}
