import { kindOfKey, personOf, type PersonIdentifiers } from "@/lib/domain/person";

// The console's own pages for a person, a session, a prompt and one event of a prompt: one place
// that spells their URLs, so every page links the same way.

/**
 * The person page of whoever a record names, when it has one: the page resolves an email, a tagged
 * account id (user_01…) or an account UUID; a bare device id or a non-email enduser.id names no person.
 */
export function personHref(ids: PersonIdentifiers): string | null {
  const ref = personOf(ids);
  if (ref.kind === "email" || ref.kind === "account") return `/people/${encodeURIComponent(ref.key)}`;
  return null;
}

/** The person page of a person key (lib/domain/person.ts), when the key names a person. */
export function personKeyHref(key: string): string | null {
  const kind = kindOfKey(key);
  return kind === "email" || kind === "account" ? `/people/${encodeURIComponent(key)}` : null;
}

export function sessionHref(sessionId: string): string {
  return `/sessions/${encodeURIComponent(sessionId)}`;
}

/** The prompt page, scrolled to and highlighting one of its events when `eventId` is given. */
export function promptHref(promptId: string, eventId?: string | null): string {
  return `/prompts/${encodeURIComponent(promptId)}${eventId ? `?event=${encodeURIComponent(eventId)}` : ""}`;
}
