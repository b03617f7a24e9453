import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { withTransaction } from "@/lib/db/pool";
import { prisma } from "@/lib/db/prisma";
import {
  emptyResult,
  mergeResults,
  storeActivities,
  storeChat,
  storeOrganizations,
  storeSession,
  storeSessionMessages,
  storeUsers,
  type StoreResult,
} from "@/lib/sources/compliance";

// Imports Compliance API exports (activities, chats, session transcripts, users, organizations)
// from JSON or NDJSON through the same record store as the connector, so an imported record
// and a pulled one are the same row (dedupe on id). NDJSON streams line by line in batches;
// a JSON document (an API page `{data:[…]}`, an array, or one record) is parsed whole.

export const MAX_JSON_DOCUMENT_BYTES = 256 * 1024 * 1024;
const BATCH = 500;
const MAX_REPORTED_ERRORS = 100;

export interface ImportReport extends StoreResult {
  id: string;
  lines: number;
  bytesRead: number;
  kinds: Record<string, number>;
}

type Kind = "activity" | "chat" | "session" | "session_messages" | "user" | "organization";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** What a record is, from its id prefix and shape (exports carry no explicit kind). */
export function recordKind(r: Obj): Kind | null {
  const id = typeof r.id === "string" ? r.id : "";
  if (isObj(r.session) && Array.isArray(r.data)) return "session_messages";
  if (id.startsWith("activity_") || (typeof r.type === "string" && isObj(r.actor))) return "activity";
  if (id.startsWith("claude_chat_") && !id.startsWith("claude_chat_msg_")) return "chat";
  if (id.startsWith("clls_") || id.startsWith("cse_") || r.type === "compliance_local_session" || r.type === "compliance_remote_session") return "session";
  if (id.startsWith("user_") && ("email" in r || "full_name" in r)) return "user";
  if (typeof r.uuid === "string" && !("id" in r)) return "organization";
  return null;
}

/** Records inside one parsed JSON value: an API page, an array, or a single record. */
function recordsOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (isObj(value) && Array.isArray(value.data) && !isObj(value.session)) return value.data;
  return [value];
}

interface Pending {
  activities: unknown[];
  other: { kind: Kind; record: Obj; where: string }[];
}

export interface ImportOptions {
  tenantId: string;
  filename: string;
  createdBy: string;
  /** Total bytes when known (for progress). */
  bytesTotal?: number;
  /** Organization UUID for user records that do not say which organization listed them. */
  organizationUuid?: string;
  onProgress?: (r: ImportReport) => void;
}

export async function importComplianceFile(input: Readable, opts: ImportOptions): Promise<ImportReport> {
  const report: ImportReport = { id: randomUUID(), ...emptyResult(), lines: 0, bytesRead: 0, kinds: {} };
  await prisma().complianceImport.create({
    data: { id: report.id, tenantId: opts.tenantId, filename: opts.filename, kind: "auto", createdBy: opts.createdBy, bytesTotal: opts.bytesTotal ?? null },
  });
  const pending: Pending = { activities: [], other: [] };
  const noteError = (msg: string) => {
    report.rejected += 1;
    if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push(msg);
  };

  const flush = async () => {
    if (pending.activities.length === 0 && pending.other.length === 0) return;
    const batch = { activities: pending.activities.splice(0), other: pending.other.splice(0) };
    const result = await withTransaction(async (c) => {
      let r = batch.activities.length ? await storeActivities(c, opts.tenantId, batch.activities, "import") : emptyResult();
      for (const { kind, record, where } of batch.other) {
        const one = await storeOne(c, opts, kind, record);
        r = mergeResults(r, { ...one, errors: one.errors.map((e) => `${where}: ${e}`) });
      }
      return r;
    });
    report.accepted += result.accepted;
    report.duplicates += result.duplicates;
    report.rejected += result.rejected;
    report.errors.push(...result.errors.slice(0, Math.max(0, MAX_REPORTED_ERRORS - report.errors.length)));
    await prisma().complianceImport.update({
      where: { tenantId_id: { tenantId: opts.tenantId, id: report.id } },
      data: { bytesRead: report.bytesRead, accepted: report.accepted, duplicates: report.duplicates, rejected: report.rejected },
    });
    opts.onProgress?.(report);
  };

  const take = async (value: unknown, where: string) => {
    for (const [i, record] of recordsOf(value).entries()) {
      const at = recordsOf(value).length > 1 ? `${where} record ${i + 1}` : where;
      if (!isObj(record)) {
        noteError(`${at}: not a JSON object`);
        continue;
      }
      const kind = recordKind(record);
      if (!kind) {
        noteError(`${at}: not a Compliance API record (no activity_, claude_chat_, clls_/cse_, user_ id or organization uuid)`);
        continue;
      }
      report.kinds[kind] = (report.kinds[kind] ?? 0) + 1;
      if (kind === "activity") pending.activities.push(record);
      else pending.other.push({ kind, record, where: at });
      if (pending.activities.length + pending.other.length >= BATCH) await flush();
    }
  };

  try {
    const first = await peekFirstByte(input);
    if (first.byte === "[") {
      // A JSON array document: parse whole (bounded).
      const text = await readAll(first.stream, (n) => (report.bytesRead = n));
      report.lines = 1;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        noteError(`file: not valid JSON (${(err as Error).message})`);
        value = [];
      }
      await take(value, "file");
    } else {
      // NDJSON, or one JSON object (possibly pretty-printed over many lines).
      const lines = createInterface({ input: first.stream, crlfDelay: Infinity });
      let buffered: string[] | null = null;
      for await (const line of lines) {
        report.lines += 1;
        report.bytesRead += Buffer.byteLength(line) + 1;
        if (buffered) {
          buffered.push(line);
          continue;
        }
        const t = line.trim();
        if (t === "") continue;
        let value: unknown;
        try {
          value = JSON.parse(t);
        } catch (err) {
          // A pretty-printed document starts with a lone "{": collect the rest and parse once.
          if (report.lines === 1 && t === "{") {
            buffered = [line];
            continue;
          }
          noteError(`line ${report.lines}: not valid JSON (${(err as Error).message})`);
          continue;
        }
        await take(value, `line ${report.lines}`);
      }
      if (buffered) {
        try {
          await take(JSON.parse(buffered.join("\n")), "file");
        } catch (err) {
          noteError(`file: not valid JSON (${(err as Error).message})`);
        }
      }
    }
    await flush();
    await prisma().complianceImport.update({
      where: { tenantId_id: { tenantId: opts.tenantId, id: report.id } },
      data: { status: "done", finishedAt: new Date(), bytesRead: report.bytesRead, accepted: report.accepted, duplicates: report.duplicates, rejected: report.rejected, errors: report.errors },
    });
    return report;
  } catch (err) {
    await prisma().complianceImport.update({
      where: { tenantId_id: { tenantId: opts.tenantId, id: report.id } },
      data: { status: "failed", finishedAt: new Date(), errors: [...report.errors, `import stopped: ${(err as Error).message}`] },
    }).catch(() => undefined);
    throw err;
  }
}

async function storeOne(c: Parameters<typeof storeChat>[0], opts: ImportOptions, kind: Kind, r: Obj): Promise<StoreResult> {
  switch (kind) {
    case "chat":
      return storeChat(c, opts.tenantId, r, "import");
    case "session": {
      const res = await storeSession(c, opts.tenantId, r, "import");
      const messages = Array.isArray(r.messages) ? r.messages : Array.isArray(r.data) ? r.data : null;
      if (messages && typeof r.id === "string" && res.rejected === 0) {
        const m = await storeSessionMessages(c, opts.tenantId, r.id, messages);
        return { ...res, rejected: res.rejected + m.rejected, errors: [...res.errors, ...m.errors] };
      }
      return res;
    }
    case "session_messages": {
      const session = r.session as Obj;
      const res = await storeSession(c, opts.tenantId, session, "import");
      if (res.rejected > 0 || typeof session.id !== "string") return res;
      const m = await storeSessionMessages(c, opts.tenantId, session.id, r.data as unknown[]);
      return { ...res, rejected: m.rejected, errors: [...res.errors, ...m.errors] };
    }
    case "user": {
      const org = typeof r.organization_uuid === "string" ? r.organization_uuid : opts.organizationUuid;
      if (!org) return { ...emptyResult(), rejected: 1, errors: ["user record without organization_uuid (pass one for the file)"] };
      return storeUsers(c, opts.tenantId, org, [r]);
    }
    case "organization":
      return storeOrganizations(c, opts.tenantId, [r]);
    case "activity":
      return storeActivities(c, opts.tenantId, [r], "import");
  }
}

/** Reads the first non-space byte without losing it, so the format can be told. */
async function peekFirstByte(input: Readable): Promise<{ byte: string | null; stream: Readable }> {
  const { PassThrough } = await import("node:stream");
  const out = new PassThrough();
  let decided: string | null = null;
  let resolveByte!: (b: string | null) => void;
  const byte = new Promise<string | null>((r) => (resolveByte = r));
  input.on("data", (chunk: Buffer) => {
    if (decided === null) {
      const m = /\S/.exec(chunk.toString("utf8"));
      if (m) {
        decided = m[0];
        resolveByte(decided);
      }
    }
    if (!out.write(chunk)) {
      input.pause();
      out.once("drain", () => input.resume());
    }
  });
  input.on("end", () => {
    if (decided === null) resolveByte(null);
    out.end();
  });
  input.on("error", (e) => out.destroy(e));
  return { byte: await byte, stream: out };
}

async function readAll(stream: Readable, onBytes: (n: number) => void): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of stream) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    n += b.length;
    if (n > MAX_JSON_DOCUMENT_BYTES) throw new Error(`JSON document over ${MAX_JSON_DOCUMENT_BYTES} bytes: export as NDJSON instead`);
    chunks.push(b);
    onBytes(n);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A tenant's imports, newest first (20), or the one with `id`; byte counts as numbers (JSON-safe). */
export async function listComplianceImports(tenantId: string, id?: string | null) {
  const rows = await prisma().complianceImport.findMany({
    where: { tenantId, ...(id ? { id } : {}) },
    orderBy: { createdAt: "desc" },
    take: id ? 1 : 20,
  });
  return rows.map((r) => ({ ...r, bytesTotal: r.bytesTotal === null ? null : Number(r.bytesTotal), bytesRead: Number(r.bytesRead) }));
}
