import path from "node:path";
import { gunzipSync } from "node:zlib";
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { PGlite } from "@electric-sql/pglite";
import { PGLITE_EXTENSIONS } from "@/lib/db/pglite-extensions";
import pg from "pg";
import postgres from "postgres";
import { openEmbeddedDatabase } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";
import { normalize } from "@/lib/ingest/pipeline";
import { EVENT_COLUMNS } from "@/lib/ingest/writer";
import { decodeProtobufRequest } from "@/lib/otlp/proto";
import type { JsonValue } from "@/lib/otlp/values";
import { deterministicUuid } from "@/lib/sources/common";
import type { IdentityRow, ResourceRow } from "@/lib/sources/model";

// bench:ingest's COPY baseline: the rows writeBatch would write, loaded with COPY into a fresh
// database, and the order-independent checksums that compare two databases.

/** Resolves within ms or rejects; postgres.js never settles a COPY the server rejected. */
export async function withTimeout<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}


// ---- COPY rows --------------------------------------------------------------------------

export type Cell = string | number | boolean | null;

export const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** One field of COPY text format; NUL becomes U+FFFD as writer.ts's clean() does. */
export function copyField(v: Cell): string {
  if (v === null) return "\\N";
  let s = typeof v === "string" ? v : String(v); // String(): what pg sends for numbers/booleans too
  if (s.includes("\u0000")) s = s.replace(/\u0000/g, "\uFFFD");
  return /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]) : s;
}

/** The writer hands JSONB and text[] values over as JSON; COPY text wants them as literals. */
export function copyValue(type: string, v: JsonValue): Cell {
  if (v === null) return null;
  if (type === "jsonb") return JSON.stringify(v);
  if (type === "text[]" && Array.isArray(v)) return `{${v.map((x) => `"${String(x).replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(",")}}`;
  return v as Cell;
}

export function copyLine(cells: Cell[]): string {
  return `${cells.map(copyField).join("\t")}\n`;
}

// Mirrors of RESOURCE_COLUMNS and IDENTITY_COLUMNS in lib/ingest/writer.ts, which are not
// exported. The cross-database checksum after the COPY proves they load identical values.
export const RESOURCE_COPY_COLUMNS: { name: string; get: (r: ResourceRow) => Cell }[] = [
  { name: "id", get: (r) => r.id },
  { name: "service_name", get: (r) => r.serviceName },
  { name: "attributes", get: (r) => JSON.stringify(r.attributes) },
];

export const IDENTITY_COPY_COLUMNS: { name: string; get: (r: IdentityRow) => Cell }[] = [
  { name: "id", get: (r) => r.id },
  { name: "source", get: (r) => r.source },
  { name: "user_id", get: (r) => r.userId },
  { name: "user_email", get: (r) => r.userEmail },
  { name: "account_uuid", get: (r) => r.accountUuid },
  { name: "account_id", get: (r) => r.accountId },
  { name: "organization_id", get: (r) => r.organizationId },
  { name: "enduser_id", get: (r) => r.enduserId },
  { name: "first_seen", get: (r) => r.firstSeen.toISOString() },
  { name: "last_seen", get: (r) => r.lastSeen.toISOString() },
];

export interface Scope {
  tenantId: string;
  environmentId: string;
  ingestTokenId: string;
}

export interface CopyTable {
  table: string;
  columns: string[];
}

export const EVENTS_COPY: CopyTable = { table: "events", columns: ["tenant_id", "environment_id", "ingest_token_id", ...EVENT_COLUMNS.map((c) => c.name)] };
export const RESOURCES_COPY: CopyTable = { table: "resources", columns: ["tenant_id", ...RESOURCE_COPY_COLUMNS.map((c) => c.name)] };
export const IDENTITIES_COPY: CopyTable = {
  table: "identity_observations",
  columns: ["tenant_id", "environment_id", "ingest_token_id", ...IDENTITY_COPY_COLUMNS.map((c) => c.name)],
};

export interface CopyData {
  /** COPY text of each batch's events, in payload order. */
  events: Buffer[];
  resources: Buffer;
  identities: Buffer;
  resourceCount: number;
  identityCount: number;
}

/**
 * Decodes and normalizes the payloads exactly as the receiver does (gunzip → protobuf →
 * normalize) and renders the rows writeBatch would have written as COPY text. Resources and
 * identities repeat across batches (writeBatch upserts them), so they are merged into the final
 * state writeBatch leaves behind: one row per key, identities with min(first_seen)/max(last_seen).
 */
export function copyData(payloads: Buffer[], scope: Scope): CopyData {
  const events: Buffer[] = [];
  const resources = new Map<string, ResourceRow>();
  const identities = new Map<string, IdentityRow>();
  for (const payload of payloads) {
    const batch = normalize("logs", decodeProtobufRequest("logs", gunzipSync(payload)), new Date());
    if (batch.rejected > 0) throw new Error(`normalize rejected ${batch.rejected} records: ${batch.rejections.join("; ")}`);
    let text = "";
    for (const row of batch.events) {
      text += copyLine([scope.tenantId, scope.environmentId, scope.ingestTokenId, ...EVENT_COLUMNS.map((c) => copyValue(c.type, c.get(row)))]);
    }
    events.push(Buffer.from(text, "utf8"));
    for (const r of batch.resources) if (!resources.has(r.id)) resources.set(r.id, r);
    for (const r of batch.identities) {
      const id = deterministicUuid("identity", r.id, scope.ingestTokenId); // as writeBatch keys them
      const seen = identities.get(id);
      if (!seen) identities.set(id, { ...r, id });
      else {
        if (r.firstSeen < seen.firstSeen) seen.firstSeen = r.firstSeen;
        if (r.lastSeen > seen.lastSeen) seen.lastSeen = r.lastSeen;
      }
    }
  }
  const resourceText = [...resources.values()].map((r) => copyLine([scope.tenantId, ...RESOURCE_COPY_COLUMNS.map((c) => c.get(r))])).join("");
  const identityText = [...identities.values()]
    .map((r) => copyLine([scope.tenantId, scope.environmentId, scope.ingestTokenId, ...IDENTITY_COPY_COLUMNS.map((c) => c.get(r))]))
    .join("");
  return {
    events,
    resources: Buffer.from(resourceText, "utf8"),
    identities: Buffer.from(identityText, "utf8"),
    resourceCount: resources.size,
    identityCount: identities.size,
  };
}

/** Splits items into n contiguous slices of near-equal length. */
export function slices<T>(items: T[], n: number): T[][] {
  return Array.from({ length: n }, (_, i) => items.slice(Math.floor((i * items.length) / n), Math.floor(((i + 1) * items.length) / n)));
}

export const copyStatement = (t: CopyTable, source: string) => `COPY "${t.table}" (${t.columns.map((c) => `"${c}"`).join(", ")}) FROM ${source}`;

/** A COPY baseline target: loads chunks into a table inside one transaction per call. */
export interface CopyTarget {
  /** Runs `load` in one transaction; `copy` streams chunks into a table within it. */
  transaction(load: (copy: (t: CopyTable, chunks: Buffer[]) => Promise<void>) => Promise<void>): Promise<void>;
  query(sql: string): Promise<Record<string, string>[]>;
  close(): Promise<void>;
}

export const COPY_TIMEOUT_MS = 5 * 60_000;

export async function postgresCopyTarget(url: string, connections: number): Promise<CopyTarget> {
  const migrator = new pg.Client({ connectionString: url });
  await migrator.connect();
  await migrate(migrator);
  await migrator.end();
  const sql = postgres(url, { max: connections, onnotice: () => undefined });
  return {
    async transaction(load) {
      await sql.begin(async (tx) => {
        await load(async (t, chunks) => {
          const stream: Writable = await tx.unsafe(copyStatement(t, "STDIN")).writable();
          // postgres.js leaves a COPY the server rejected pending forever: bound it.
          await withTimeout(`COPY into ${t.table}`, COPY_TIMEOUT_MS, pipeline(Readable.from(chunks), stream));
        });
      });
    },
    async query(text) {
      // One reserved connection, so SET and the query share a session.
      const conn = await sql.reserve();
      try {
        const rows: Record<string, string>[] = [];
        for (const statement of text.split(";\n")) {
          const result = await conn.unsafe<Record<string, string>[]>(statement);
          rows.splice(0, rows.length, ...result);
        }
        return rows;
      } finally {
        conn.release();
      }
    },
    close: () => sql.end(),
  };
}

/**
 * The embedded baseline uses PGlite's own COPY path, FROM '/dev/blob', in this process: no socket
 * in between (the app's COPY FROM STDIN reaches the same path through the launcher's socket). The
 * database is created and migrated through openEmbeddedDatabase + migrate like the app's, then reopened.
 */
export async function pgliteCopyTarget(dataDir: string): Promise<CopyTarget> {
  const embedded = await openEmbeddedDatabase(dataDir);
  const migrator = new pg.Client({ connectionString: embedded.url });
  await migrator.connect();
  await migrate(migrator);
  await migrator.end();
  await embedded.stop();
  const db = await PGlite.create(path.join(dataDir, "pglite"), { extensions: PGLITE_EXTENSIONS });
  return {
    async transaction(load) {
      await db.transaction(async (tx) => {
        await load(async (t, chunks) => {
          // new Uint8Array(buffer) copies into a plain ArrayBuffer, which the BlobPart type wants
          // (the Blob copies the bytes anyway; a few MB, negligible next to the COPY).
          const blob = new Blob(chunks.map((c) => new Uint8Array(c)));
          await tx.query(copyStatement(t, "'/dev/blob'"), [], { blob });
        });
      });
    },
    async query(text) {
      let rows: Record<string, string>[] = [];
      for (const statement of text.split(";\n")) rows = (await db.query<Record<string, string>>(statement)).rows;
      return rows;
    },
    close: () => db.close(),
  };
}

// ---- cross-database checksums -----------------------------------------------------------

// The columns both loaders write (received_at / resources.first_seen are server-side defaults).
export const CHECKED: CopyTable[] = [EVENTS_COPY, RESOURCES_COPY, IDENTITIES_COPY];

/** Row count and an order-independent hash of every row, rendered in a fixed session format. */
export function checksumSql(t: CopyTable): string {
  return [
    "SET TimeZone = 'UTC'",
    "SET DateStyle = 'ISO, MDY'",
    "SET extra_float_digits = 1",
    `SELECT count(*)::text AS n, coalesce(sum(hashtextextended(x::text, 0)::numeric), 0)::text AS h ` +
      `FROM (SELECT ${t.columns.map((c) => `"${c}"`).join(", ")} FROM "${t.table}") x`,
  ].join(";\n");
}

export async function checksums(query: (sql: string) => Promise<Record<string, string>[]>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of CHECKED) {
    const [row] = await query(checksumSql(t));
    out[t.table] = `${row.n} rows, hash ${row.h}`;
  }
  return out;
}
