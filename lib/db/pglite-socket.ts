import net from "node:net";
import type { PGlite } from "@electric-sql/pglite";

// Serves one PGlite instance (a single Postgres session) to many `pg` connections over a local
// socket. Postgres's extended protocol sends a statement as several messages (Parse, Bind,
// Describe, Execute … Sync) that share the session's unnamed statement and portal, so messages
// of two connections must never interleave: each connection's messages run as units that end at
// Sync (or a simple Query, or Terminate), one unit at a time, and while a transaction is open
// only the connection that opened it runs. (@electric-sql/pglite-socket 0.2.17 queues single
// messages, so under load one connection could execute another's statement.)

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;
const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const TERMINATE = 0x58; // 'X'

interface Unit {
  conn: Connection;
  bytes: Buffer;
  terminate: boolean;
}

class Connection {
  buffer: Buffer<ArrayBufferLike> = Buffer.alloc(0);
  pending: Buffer<ArrayBufferLike>[] = [];
  startupDone = false;
  closed = false;

  constructor(readonly socket: net.Socket, readonly id: number) {}
}

export class PgliteSocketServer {
  private server: net.Server | null = null;
  private readonly queue: Unit[] = [];
  private running = false;
  private owner: Connection | null = null; // the connection whose transaction is open
  private nextId = 1;
  private readonly connections = new Set<Connection>();

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
      const message = b.subarray(0, len);
      conn.buffer = b.subarray(len);
      conn.pending.push(message);
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

  /** Runs queued units one at a time; inside a transaction only its owner's units. */
  private pump(): void {
    if (this.running) return;
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
}
