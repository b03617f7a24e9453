import os from "node:os";
import { Worker } from "node:worker_threads";
import { processSingleton } from "@/lib/process-singleton";

// Password checks (bcrypt, cost 12: a quarter of a second of CPU each) run on worker threads, never
// on the event loop: bcryptjs's async API still computes on the main thread in slices, so a few
// sign-in attempts a second would slow every OTLP request the same process serves. The pool is
// small (one thread on a 2-core machine, leaving a core to ingest) and so is its waiting line:
// when both are full an attempt is refused at once (PasswordChecksBusyError) instead of queueing
// without bound. Sign-in limits (lib/auth/signin-limits) stop most attempts before they get here.

export class PasswordChecksBusyError extends Error {
  constructor() {
    super("too many password checks at once");
  }
}

// The worker is evaluated source, so no bundler has to know about a separate file; `require`
// there resolves from the working directory, which is the app's root under `npm start` and tests.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const bcrypt = require("bcryptjs");
parentPort.on("message", ({ id, password, hash }) => {
  let ok = false;
  try { ok = bcrypt.compareSync(password, hash); } catch { ok = false; }
  parentPort.postMessage({ id, ok });
});
`;

interface Job {
  id: number;
  password: string;
  hash: string;
  resolve: (ok: boolean) => void;
  reject: (err: Error) => void;
}

export class PasswordCheckPool {
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Job>();
  private readonly waiting: Job[] = [];
  private nextId = 1;
  /** Checks handed to a worker so far (tests count these to prove an attempt never reached bcrypt). */
  started = 0;

  constructor(
    readonly threads: number = defaultThreads(),
    readonly maxWaiting: number = 8,
  ) {}

  private admitted = 0;

  /**
   * Admits one sign-in attempt for its whole course (limit checks, user lookup, password check,
   * counting), or returns false at once when as many attempts as the pool can run or hold are
   * already under way: a flood is then refused before it costs any database work either.
   * Every true must be followed by exactly one leave().
   */
  tryEnter(): boolean {
    if (this.admitted >= this.threads + this.maxWaiting) return false;
    this.admitted += 1;
    return true;
  }

  leave(): void {
    this.admitted = Math.max(0, this.admitted - 1);
  }

  /** True when the password matches the bcrypt hash; rejects with PasswordChecksBusyError when full. */
  verify(password: string, hash: string): Promise<boolean> {
    if (this.running.size >= this.threads && this.waiting.length >= this.maxWaiting) {
      return Promise.reject(new PasswordChecksBusyError());
    }
    return new Promise<boolean>((resolve, reject) => {
      this.waiting.push({ id: this.nextId++, password, hash, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops the threads (tests; a server keeps them for its lifetime, unref'd). */
  async close(): Promise<void> {
    const workers = [...this.idle, ...this.running.keys()];
    this.idle.length = 0;
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      const worker = this.idle.pop() ?? (this.running.size < this.threads ? this.spawn() : undefined);
      if (!worker) return;
      const job = this.waiting.shift()!;
      this.running.set(worker, job);
      this.started += 1;
      worker.ref(); // a check in flight keeps the process alive; an idle thread does not
      worker.postMessage({ id: job.id, password: job.password, hash: job.hash });
    }
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    worker.on("message", (msg: { id: number; ok: boolean }) => {
      const job = this.running.get(worker);
      if (!job || job.id !== msg.id) return;
      this.running.delete(worker);
      worker.unref();
      this.idle.push(worker);
      job.resolve(msg.ok === true);
      this.dispatch();
    });
    const fail = (err: Error) => {
      const job = this.running.get(worker);
      this.running.delete(worker);
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
      job?.reject(err);
      this.dispatch();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`password check thread exited (${code})`)));
    return worker;
  }
}

function defaultThreads(): number {
  return Math.max(1, Math.min(2, os.availableParallelism() - 1));
}

/** The process's pool (one per process, however often Next.js loads this module). */
export function passwordChecks(): PasswordCheckPool {
  return processSingleton("password-checks", () => new PasswordCheckPool());
}
