import { z } from "zod";

// Keyset cursors: the position after the last row of a page (its sort key, time and id), handed
// to the client as an opaque token and taken back on the next request. Every paged query encodes
// and decodes them here, with a schema for its own fields, so that whatever a client sends is
// either a position of the right shape, with values Postgres will accept, or InvalidCursorError
// (which every read route answers with 400), never a database error.

/** The cursor in a request is not one this endpoint made for this query. Read routes answer 400. */
export class InvalidCursorError extends Error {
  constructor(detail = "it is not a nextCursor of this query") {
    super(`invalid cursor (${detail}); start again without cursor=`);
    this.name = "InvalidCursorError";
  }
}

export interface CursorCodec<T> {
  encode(position: T): string;
  /** The position in `raw`; InvalidCursorError for anything this codec did not make. */
  decode(raw: string): T;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * A codec for one endpoint's positions: base64url of their JSON, tagged with `kind` so that a
 * cursor made by another endpoint is refused; fields beyond `shape` are refused too.
 */
export function cursorCodec<Shape extends z.ZodRawShape>(kind: string, shape: Shape): CursorCodec<z.infer<z.ZodObject<Shape>>> {
  type Position = z.infer<z.ZodObject<Shape>>;
  const schema = z.strictObject({ k: z.literal(kind), p: z.strictObject(shape) });
  return {
    // Not validated here: a stored value a cursor cannot carry must not fail the page that
    // shows it; the next request then gets InvalidCursorError.
    encode(position: Position) {
      return Buffer.from(JSON.stringify({ k: kind, p: position })).toString("base64url");
    },
    decode(raw: string): Position {
      if (raw.length === 0 || !BASE64URL.test(raw)) throw new InvalidCursorError();
      let json: unknown;
      try {
        json = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
      } catch {
        throw new InvalidCursorError();
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) throw new InvalidCursorError();
      return parsed.data.p as Position;
    },
  };
}

// ---- field schemas: values a cursor may carry, each one Postgres accepts for its cast ----------

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Years 0001–9999 in UTC (Postgres has no year 0), up to microseconds (Postgres' precision).
const TIME_RE = /^((?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,6})?Z$/;

/** A real calendar time (no 30 February, no hour 24), as timestamptz accepts it. */
function isCursorTime(s: string): boolean {
  const m = TIME_RE.exec(s);
  if (!m) return false;
  const d = new Date(`${m[1]}Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 19) === m[1];
}

export const cursorField = {
  /** UTC time, ISO 8601 with up to microseconds (`Date.toISOString()` or to_char … .US"Z"). */
  time: z.string().refine(isCursorTime),
  uuid: z.string().regex(UUID_RE),
  /** Any text without NUL, which Postgres refuses in text. */
  text: z.string().refine((s) => !s.includes("\u0000")),
  /** A whole number a JS number holds exactly (zod's int() is the safe range), so also a bigint. */
  int: z.number().int(),
  /** A finite number (zod refuses Infinity and NaN), as float8 takes it. */
  float: z.number(),
};
