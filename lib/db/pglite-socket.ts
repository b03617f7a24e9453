import net from "node:net";
import type { PGlite } from "@electric-sql/pglite";

// Serves one PGlite instance (a single Postgres session) to many `pg` connections over a local
// socket. Postgres's extended protocol sends a statement as several messages (Parse, Bind,
// Describe, Execute … Sync) that share the session's unnamed statement and portal, so messages
// of two connections must never interleave: each connection's messages run as units that end at
// Sync (or a simple Query, or Terminate), one unit at a time, and while a transaction is open
// only the connection that opened it runs. (@electric-sql/pglite-socket 0.2.17 queues single
// messages, so under load one connection could execute another's statement.)
//
// COPY … FROM STDIN (the ingest writer's bulk load) is carried too, although PGlite has no COPY
// sub-protocol: the server answers CopyInResponse itself, collects the client's CopyData until
// CopyDone, then runs the same COPY reading FROM '/dev/blob' (PGlite's own bulk path) in the
// client's session and transaction, and answers CommandComplete or the ErrorResponse (with its
// SQLSTATE, so a unique violation reads as one).

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;
const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const TERMINATE = 0x58; // 'X'
const COPY_DATA = 0x64; // 'd'
const COPY_DONE = 0x63; // 'c'
const COPY_FAIL = 0x66; // 'f'

/** A whole simple-query COPY … FROM STDIN statement: the table part and the options after STDIN. */
const COPY_FROM_STDIN = /^\s*COPY\s+([^;]+?)\s+FROM\s+STDIN\b([^;]*?);?\s*$/is;

interface Unit {
  conn: Connection;
  bytes: Buffer;
  terminate: boolean;
  /** Set for COPY … FROM STDIN: the statement rewritten to read FROM '/dev/blob', and its column count. */
  copy?: { sql: string; columns: number };
}

/** Data of a COPY in progress, until CopyDone (or CopyFail). */
interface CopyIn {
  chunks: Buffer[];
  finish: (outcome: { chunks: Buffer[] } | { failed: string }) => void;
}

class Connection {
  buffer: Buffer<ArrayBufferLike> = Buffer.alloc(0);
  pending: Buffer<ArrayBufferLike>[] = [];
  startupDone = false;
  closed = false;
  copyIn: CopyIn | null = null;

  constructor(readonly socket: net.Socket, readonly id: number) {}
}

/** A backend message: type byte, int32 length (itself included), body. */
function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, "latin1");
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const cstring = (s: string) => Buffer.from(`${s}\0`, "utf8");

function copyInResponse(columns: number): Buffer {
  const body = Buffer.alloc(3 + 2 * columns); // text format overall and per column (0)
  body.writeInt16BE(columns, 1);
  return message("G", body);
}

function errorResponse(err: unknown): Buffer {
  const e = err as { code?: unknown; message?: unknown; detail?: unknown; severity?: unknown };
  const fields: Buffer[] = [];
  const add = (code: string, value: unknown) => {
    if (typeof value === "string" && value !== "") fields.push(Buffer.from(code, "latin1"), cstring(value));
  };
  add("S", typeof e.severity === "string" ? e.severity : "ERROR");
  add("V", typeof e.severity === "string" ? e.severity : "ERROR");
  add("C", typeof e.code === "string" ? e.code : "XX000");
  add("M", typeof e.message === "string" ? e.message : String(err));
  add("D", e.detail);
  return message("E", Buffer.concat([...fields, Buffer.from([0])]));
}

/** The number of columns a COPY names, for CopyInResponse (0 when it names none: clients only read the format). */
function copyColumnCount(target: string): number {
  const list = /\(([^)]*)\)\s*$/s.exec(target);
  return list ? list[1].split(",").length : 0;
}

export class PgliteSocketServer {
  private server: net.Server | null = null;
  private readonly queue: Unit[] = [];
  private running = false;
  private owner: Connection | null = null; // the connection whose transaction is open
  private nextId = 1;
  private readonly connections = new Set<Connection>();
  private readonly between: (() => Promise<void>)[] = []; // work that must not split a transaction

  constructor(private readonly db: PGlite, private readonly socketPath: string) {}

  async start(): Promise<void> {
    await this.db.waitReady;
    this.server = net.createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(this.socketPath, () => resolve());
    });
  }

  async stop(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private accept(socket: net.Socket): void {
    const conn = new Connection(socket, this.nextId++);
    this.connections.add(conn);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.receive(conn, chunk));
    socket.on("error", () => this.close(conn));
    socket.on("close", () => this.close(conn));
  }

  private close(conn: Connection): void {
    if (conn.closed) return;
    conn.closed = true;
    this.connections.delete(conn);
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].conn === conn) this.queue.splice(i, 1);
    conn.copyIn?.finish({ failed: "connection closed during COPY" });
    conn.copyIn = null;
    if (this.owner === conn) {
      // The connection died inside a transaction: roll it back so others can go on.
      this.owner = null;
      void this.db.exec("ROLLBACK").catch(() => undefined).finally(() => this.pump());
    }
  }

  /** Splits the byte stream into protocol messages and queues complete units. */
  private receive(conn: Connection, chunk: Buffer): void {
    conn.buffer = conn.buffer.length ? Buffer.concat([conn.buffer, chunk]) : chunk;
    for (;;) {
      const b = conn.buffer;
      if (!conn.startupDone) {
        // Untyped startup-phase messages: length (int32) then a code.
        if (b.length < 8) return;
        const len = b.readInt32BE(0);
        if (b.length < len) return;
        const code = b.readInt32BE(4);
        conn.buffer = b.subarray(len);
        if (code === SSL_REQUEST) {
          conn.socket.write("N"); // no TLS on a local socket
          continue;
        }
        if (code === CANCEL_REQUEST) continue; // not supported: ignore
        conn.startupDone = true;
        this.enqueue({ conn, bytes: b.subarray(0, len), terminate: false });
        continue;
      }
      if (b.length < 5) return;
      const len = 1 + b.readInt32BE(1);
      if (b.length < len) return;
      const type = b[0];
      const msg = b.subarray(0, len);
      conn.buffer = b.subarray(len);
      const copyIn = conn.copyIn;
      if (copyIn) {
        // Inside COPY FROM STDIN: data until CopyDone or CopyFail (messages after those are the
        // client's next ones); Flush and Sync are ignored.
        if (type === COPY_DATA) copyIn.chunks.push(Buffer.from(msg.subarray(5)));
        else if (type === COPY_DONE || type === COPY_FAIL) {
          conn.copyIn = null;
          copyIn.finish(type === COPY_DONE ? { chunks: copyIn.chunks } : { failed: msg.subarray(5, len - 1).toString("utf8") });
        }
        continue;
      }
      conn.pending.push(msg);
      if (type === QUERY && conn.pending.length === 1) {
        const copy = COPY_FROM_STDIN.exec(msg.subarray(5, len - 1).toString("utf8"));
        if (copy) {
          conn.pending = [];
          const sql = `COPY ${copy[1]} FROM '/dev/blob'${copy[2]}`;
          this.enqueue({ conn, bytes: msg, terminate: false, copy: { sql, columns: copyColumnCount(copy[1]) } });
          continue;
        }
      }
      if (type === SYNC || type === QUERY || type === TERMINATE) {
        const bytes = Buffer.concat(conn.pending);
        conn.pending = [];
        this.enqueue({ conn, bytes, terminate: type === TERMINATE });
      }
    }
  }

  private enqueue(unit: Unit): void {
    this.queue.push(unit);
    this.pump();
  }

  /**
   * Runs fn on the database when no client's transaction is open, ahead of the queued statements
   * (a consistent backup: whatever it copies, every transaction in it has committed or not begun).
   */
  runBetweenTransactions<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.between.push(() => fn().then(resolve, reject));
      this.pump();
    });
  }

  /** Runs queued units one at a time; inside a transaction only its owner's units. */
  private pump(): void {
    if (this.running) return;
    if (!this.owner && this.between.length > 0) {
      const task = this.between.shift()!;
      this.running = true;
      void task().finally(() => {
        this.running = false;
        this.pump();
      });
      return;
    }
    const i = this.owner ? this.queue.findIndex((u) => u.conn === this.owner) : 0;
    if (i < 0 || this.queue.length === 0) return;
    const unit = this.queue.splice(i, 1)[0];
    this.running = true;
    void this.run(unit).finally(() => {
      this.running = false;
      this.pump();
    });
  }

  private async run(unit: Unit): Promise<void> {
    const { conn } = unit;
    if (unit.terminate) {
      if (this.owner === conn) {
        this.owner = null;
        await this.db.exec("ROLLBACK").catch(() => undefined);
      }
      conn.socket.end();
      return;
    }
    if (unit.copy) {
      await this.copyFromStdin(conn, unit.copy);
      this.owner = this.db.isInTransaction() ? conn : null;
      return;
    }
    try {
      await this.db.runExclusive(() =>
        this.db.execProtocolRawStream(new Uint8Array(unit.bytes), {
          onRawData: (data: Uint8Array) => {
            if (!conn.closed && data.length) conn.socket.write(Buffer.from(data));
          },
        }),
      );
    } catch {
      // PGlite reports protocol-level errors to the client itself; a throw here means the
      // connection cannot go on.
      conn.socket.destroy();
    }
    this.owner = this.db.isInTransaction() ? conn : null;
  }

  /** Runs one COPY … FROM STDIN unit: CopyInResponse, collect the data, COPY FROM '/dev/blob', reply. */
  private async copyFromStdin(conn: Connection, copy: { sql: string; columns: number }): Promise<void> {
    const outcome = await new Promise<{ chunks: Buffer[] } | { failed: string }>((resolve) => {
      conn.copyIn = { chunks: [], finish: resolve };
      conn.socket.write(copyInResponse(copy.columns));
    });
    if (conn.closed) return;
    let reply: Buffer;
    try {
      if ("failed" in outcome) {
        // The client gave up (CopyFail): fail in Postgres too, so an open transaction is aborted
        // exactly as a server would leave it.
        await this.db.exec(`DO $$ BEGIN RAISE EXCEPTION 'COPY from stdin failed: the client sent CopyFail' USING ERRCODE = 'query_canceled'; END $$`);
      }
      // new Uint8Array(…) copies into plain ArrayBuffers, which the Blob typing wants.
      const blob = new Blob(("chunks" in outcome ? outcome.chunks : []).map((c) => new Uint8Array(c)));
      const result = await this.db.query(copy.sql, [], { blob });
      reply = message("C", cstring(`COPY ${result.affectedRows ?? 0}`));
    } catch (err) {
      // In a transaction block the failed COPY leaves it aborted, as on a server (status E below).
      reply = errorResponse(err);
    }
    const status = this.db.isInTransaction() ? (reply[0] === 0x45 ? "E" : "T") : "I";
    conn.socket.write(Buffer.concat([reply, message("Z", Buffer.from(status, "latin1"))]));
  }
}
