// Values as Postgres accepts them. Telemetry and Compliance records can hold characters Postgres
// refuses, and one such character must not fail a whole batch (which the sender, or the connector,
// would then retry forever):
// - NUL, in text and in jsonb (where JSON writes it as the escape \u0000);
// - a lone UTF-16 surrogate (\ud800–\udfff without its other half): JSON.stringify writes it as an
//   escape, which jsonb refuses, as it does when turning a JSON string into text.
// Both become U+FFFD, the replacement character, which is also what the pg driver and COPY's
// UTF-8 encoding make of a lone surrogate in text, and what protobuf decoding makes of invalid UTF-8.
//
// The OTLP decoders apply this as they read (toPostgresText, toPostgresJsonText), so every value
// the app computes with is the value Postgres will hold: two values that differ only in such a
// character are one value from the start (one rollup row, one identity), not two rows that collide
// in one upsert. The writers apply it again as they serialize (toPostgresJson), for every other path.

const REFUSED = /[\u0000\ud800-\udfff]/; // NUL, or any surrogate (pairs are told apart below)
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A string with NUL and lone surrogates replaced by U+FFFD. */
export function toPostgresText(s: string): string {
  if (!REFUSED.test(s)) return s;
  return s.replaceAll("\u0000", "\uFFFD").replace(LONE_SURROGATE, "\uFFFD");
}

/** Query parameters with NUL replaced in strings (the driver's UTF-8 encoding handles lone surrogates). */
export function toPostgresParams(values: unknown[]): unknown[] {
  return values.map((v) => (typeof v === "string" && v.includes("\u0000") ? v.replaceAll("\u0000", "\uFFFD") : v));
}

// In JSON text: an escaped backslash, consumed whole so that every \u matched is a real escape (the
// text `\\u0000`, a backslash followed by "u0000", stays), or a \u escape of NUL, of a surrogate
// pair (kept), or of a lone surrogate. Senders may write the hex digits in either case.
const JSON_ESCAPES = /\\\\|\\u(?:0000|[dD][89abAB][0-9a-fA-F]{2}(?:\\u[dD][c-fC-F][0-9a-fA-F]{2})?|[dD][c-fC-F][0-9a-fA-F]{2})/g;
const ESCAPED_PAIR_LENGTH = 12; // \uD83D\uDE00

/** JSON text with the escapes of NUL and of lone surrogates made \ufffd (before parsing, or for jsonb). */
export function toPostgresJsonText(text: string): string {
  if (!text.includes("\\u")) return text;
  return text.replace(JSON_ESCAPES, (escape) => (escape === "\\\\" || escape.length === ESCAPED_PAIR_LENGTH ? escape : "\\ufffd"));
}

/** JSON.stringify(value) as jsonb accepts it. */
export function toPostgresJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError("toPostgresJson: value has no JSON form");
  return toPostgresJsonText(text);
}

/**
 * Whether a request URL's path or query holds NUL (%00). Postgres refuses it as a parameter and no
 * stored value holds one, so such a request is answered 400 before it reaches a query.
 */
export function urlHasNul(url: URL): boolean {
  if (url.search.includes("%00") && [...url.searchParams.values(), ...url.searchParams.keys()].some((v) => v.includes("\u0000"))) return true;
  return url.pathname.includes("%00");
}
