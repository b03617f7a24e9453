import { shortId } from "./format";

// Browser tab titles: most specific first, the product last ("Prompt 3f2a1b2c… · Blindspot").

export function pageTitle(...parts: string[]): string {
  return [...parts, "Blindspot"].join(" · ");
}

/** A record's page: its kind and the start of its id (the URL segment, still percent-encoded). */
export function recordTitle(kind: string, id: string, shownChars = 8): string {
  return pageTitle(`${kind} ${shortId(safeDecode(id), shownChars)}`);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
