import { textStream } from "@/lib/util/text-stream";
import { EVENT_FROM, EVENT_SELECT, toApiEvent, type ApiEvent, type EventDbRow } from "@/lib/queries/events";
import { CSV_COLUMNS, type CsvValue } from "./columns";
import type { ExploreQuery } from "./params";
import { keysetPage } from "./query";

// The Explorer's filtered set as a download (CSV or NDJSON), read page by page in the table's
// keyset order, so memory stays bounded by one page at any size.

/** Largest export; beyond it CSV simply ends and NDJSON ends with a note line. */
export const MAX_EXPORT_ROWS = 1_000_000;
export const EXPORT_PAGE_SIZE = 500;

export type ExportFormat = "csv" | "ndjson";

export interface ExportOptions {
  /** Stop after this many rows (default MAX_EXPORT_ROWS). */
  maxRows?: number;
  /** Rows read per query (default EXPORT_PAGE_SIZE); memory stays bounded by one page. */
  pageSize?: number;
}

/** The filtered set in full event shape (as the read API returns it), page by page. */
export async function* exportEventPages(
  tenantId: string,
  q: ExploreQuery,
  canReadContent: boolean,
  options: ExportOptions = {},
): AsyncGenerator<{ events: ApiEvent[]; truncated: boolean }> {
  const maxRows = options.maxRows ?? MAX_EXPORT_ROWS;
  const pageSize = options.pageSize ?? EXPORT_PAGE_SIZE;
  let cursor = q.cursor;
  let sent = 0;
  for (;;) {
    const want = Math.min(pageSize, maxRows - sent);
    const page = await keysetPage<EventDbRow>(tenantId, { ...q, canReadContent, cursor, limit: want }, () => EVENT_SELECT, EVENT_FROM);
    sent += page.rows.length;
    const truncated = sent >= maxRows && page.nextCursor !== null;
    yield { events: page.rows.map((r) => toApiEvent(r, canReadContent)), truncated };
    if (!page.nextCursor || truncated) return;
    cursor = page.nextCursor;
  }
}

/**
 * One CSV field (RFC 4180: quoted when it holds a quote, comma or line break; quotes doubled).
 * Text that a spreadsheet would run as a formula (starting with = + - @, tab, CR or LF) gets a
 * leading apostrophe. Numbers and booleans are written by us, never telemetry text.
 */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  let s = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r\n]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: CsvValue[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}

/** The export as text chunks (one per page of rows): header first, then rows. */
export async function* exportChunks(
  tenantId: string,
  q: ExploreQuery,
  format: ExportFormat,
  canReadContent: boolean,
  options: ExportOptions = {},
): AsyncGenerator<string> {
  const maxRows = options.maxRows ?? MAX_EXPORT_ROWS;
  if (format === "csv") yield csvLine(CSV_COLUMNS.map(([name]) => name));
  for await (const page of exportEventPages(tenantId, q, canReadContent, options)) {
    if (format === "csv") {
      yield page.events.map((e) => csvLine(CSV_COLUMNS.map(([, get]) => get(e)))).join("");
    } else {
      let out = page.events.map((e) => `${JSON.stringify(e)}\n`).join("");
      if (page.truncated) out += `${JSON.stringify({ _blindspot: { truncated: true, maxRows } })}\n`;
      yield out;
    }
  }
}

/** A pull-based byte stream: the next page is read only when the client has taken the last one. */
export function exportStream(
  tenantId: string,
  q: ExploreQuery,
  format: ExportFormat,
  canReadContent: boolean,
  options: ExportOptions = {},
): ReadableStream<Uint8Array> {
  return textStream(exportChunks(tenantId, q, format, canReadContent, options), "explore");
}

/** `blindspot-events-20261122T101500Z.csv` */
export function exportFilename(format: ExportFormat, now = new Date()): string {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
  return `blindspot-events-${stamp}.${format}`;
}
