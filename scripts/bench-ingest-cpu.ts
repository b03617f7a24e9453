import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import os from "node:os";

// bench:ingest's process accounting: peak RSS, CPU seconds per party, and the ceilings they imply.

export const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");
export const fmtMs = (n: number) => (n < 10 ? n.toFixed(1) : n.toFixed(0));

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length); // nearest-rank
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

// ---- process accounting: peak RSS, CPU time --------------------------------------------

/** Fields of /proc/<pid>/stat after the parenthesised command name (which may hold spaces). */
export function statFields(pid: number | string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null; // the process is gone
  }
}

// USER_HZ: the unit of utime/stime in /proc, 100 on every mainstream Linux architecture.
export const CLOCK_TICKS = 100;

/** CPU seconds used so far by a process tree, including reaped children of its root. */
export function treeCpuSeconds(rootPid: number): number {
  let ticks = 0;
  for (const pid of processTree(rootPid)) {
    const f = statFields(pid);
    if (!f) continue;
    ticks += Number(f[11]) + Number(f[12]); // utime, stime
    if (pid === rootPid) ticks += Number(f[13]) + Number(f[14]); // cutime, cstime (e.g. exited backends)
  }
  return ticks / CLOCK_TICKS;
}

export function procStatusKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // the process is gone
  }
}

export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(entry);
    if (!f) continue;
    const ppid = Number(f[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * Binds every process (all threads) of a tree to one CPU with taskset; processes the tree forks
 * later (Postgres backends) inherit it from their parent.
 */
export function pinTree(rootPid: number, cpu: number): void {
  for (const pid of processTree(rootPid)) {
    try {
      execFileSync("taskset", ["-a", "-cp", String(cpu), String(pid)], { stdio: "ignore" });
    } catch {
      // the process exited meanwhile
    }
  }
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
  } catch {
    return "";
  }
}

/**
 * Samples VmRSS of the app's process tree every 100 ms. Reports the Next.js server process's own
 * peak (VmHWM, the kernel's high-water mark, which no sampling can miss) and the peak of the
 * sampled sum over the whole tree (tsx wrapper + launcher, which hosts PGlite for the embedded
 * engine, + next-server).
 */
export class RssSampler {
  private pids: number[] = [];
  private serverPid: number | null = null;
  private peakTreeKb = 0;
  private peakServerKb = 0;
  private ticks = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly rootPid: number) {
    this.refresh();
    if (this.serverPid === null) {
      const tree = this.pids.map((p) => `${p}: ${commandLine(p)}`).join("\n  ");
      throw new Error(`no next-server process under the launcher:\n  ${tree}`);
    }
  }

  /** The Next.js server's pid. */
  get server(): number | null {
    return this.serverPid;
  }

  private refresh(): void {
    this.pids = processTree(this.rootPid);
    // Next names its server process "next-server (vX.Y.Z)".
    this.serverPid = this.pids.find((p) => commandLine(p).startsWith("next-server")) ?? this.serverPid;
  }

  start(): void {
    this.timer = setInterval(() => {
      if (++this.ticks % 10 === 0) this.refresh();
      let sum = 0;
      for (const pid of this.pids) {
        const kb = procStatusKb(pid, "VmRSS");
        sum += kb;
        if (pid === this.serverPid) this.peakServerKb = Math.max(this.peakServerKb, kb);
      }
      this.peakTreeKb = Math.max(this.peakTreeKb, sum);
    }, 100);
    this.timer.unref();
  }

  /** Stops sampling; call while the app still runs (VmHWM dies with the process). */
  finish(): { serverPeakMb: number; serverSampledPeakMb: number; treePeakMb: number; processes: string[] } {
    clearInterval(this.timer);
    return {
      serverPeakMb: procStatusKb(this.serverPid!, "VmHWM") / 1024,
      serverSampledPeakMb: this.peakServerKb / 1024,
      treePeakMb: this.peakTreeKb / 1024,
      processes: this.pids.map((p) => commandLine(p).slice(0, 100)),
    };
  }
}

// ---- CPU accounting ---------------------------------------------------------------------

/**
 * What the machine allows, from CPU per record: all cores / the database's CPU per record during
 * the COPY (the most any client could get into these tables here), and all cores / everything
 * our ingest spent per record. Null where the database's CPU is not measurable (PGlite).
 */
export interface Ceilings {
  database: number | null;
  pipeline: number | null;
}

export interface CpuSnapshot {
  app: number | null;
  database: number | null;
  bench: NodeJS.CpuUsage;
  kernel: number;
  machine: number;
}

/** CPU seconds of each party in one phase; `available` is cores × wall time. */
export interface CpuSpent {
  app: number | null;
  database: number | null;
  bench: number;
  /** Kernel threads (kthreadd's tree): mostly page-cache writeback of the database's writes. */
  kernelThreads: number;
  /** Everything else on the machine, incl. interrupts (other users' builds and tests skew the figures). */
  others: number;
  available: number;
}

/** Parent of all kernel threads on Linux. */
export const KTHREADD_PID = 2;

/** Busy CPU seconds of the whole machine so far (/proc/stat, all but idle and iowait). */
export function machineBusySeconds(): number {
  const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user/nice)
  const busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + (ticks[7] ?? 0);
  return busy / CLOCK_TICKS;
}

export function cpuSnapshot(appPid: number | null, databasePid: number | null): CpuSnapshot {
  return {
    app: appPid === null ? null : treeCpuSeconds(appPid),
    database: databasePid === null ? null : treeCpuSeconds(databasePid),
    bench: process.cpuUsage(),
    kernel: treeCpuSeconds(KTHREADD_PID),
    machine: machineBusySeconds(),
  };
}

export function cpuSpent(before: CpuSnapshot, after: CpuSnapshot, seconds: number): CpuSpent {
  const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);
  const usage = process.cpuUsage(before.bench);
  const app = diff(before.app, after.app);
  const database = diff(before.database, after.database);
  const bench = (usage.user + usage.system) / 1e6;
  const kernelThreads = after.kernel - before.kernel;
  const others = after.machine - before.machine - (app ?? 0) - (database ?? 0) - bench - kernelThreads;
  return { app, database, bench, kernelThreads, others: Math.max(0, others), available: os.cpus().length * seconds };
}

/** CPU per party; the µs/record figures hold even when other work slows the wall clock. */
export function describeCpu(c: CpuSpent, records: number, labels: { app: string; bench: string }): string {
  const perRecord = (s: number) => `${s.toFixed(1)} s = ${((s * 1e6) / records).toFixed(0)} µs/record`;
  const parts = [
    c.app === null ? null : `${labels.app} ${perRecord(c.app)}`,
    c.database === null ? null : `postgres ${perRecord(c.database)}`,
    `${labels.bench} ${perRecord(c.bench)}`,
    `kernel threads ${c.kernelThreads.toFixed(1)} s`,
    `other ${c.others.toFixed(1)} s`,
  ].filter((p): p is string => p !== null);
  return `${parts.join(", ")} of ${c.available.toFixed(1)} core-seconds (${os.cpus().length} cores × wall time)`;
}

/** Records/s the machine's cores allow at the CPU per record measured (see Results). */
export function ceilings(ingest: CpuSpent, copy: CpuSpent, records: number): Ceilings {
  const cores = os.cpus().length;
  const perSecond = (cpuSeconds: number | null) => (cpuSeconds === null || cpuSeconds <= 0 ? null : (cores * records) / cpuSeconds);
  const pipeline = ingest.app === null || ingest.database === null ? null : ingest.app + ingest.database + ingest.bench;
  return { database: perSecond(copy.database), pipeline: perSecond(pipeline) };
}

export function describeCeilings(c: Ceilings): string {
  const cores = os.cpus().length;
  const micros = (perSecond: number) => ((cores * 1e6) / perSecond).toFixed(0);
  const parts = [
    `Postgres alone needs ${micros(c.database!)} µs of CPU per record under COPY: ≤ ${fmtInt(c.database!)} records/s on ${cores} cores even with a client that costs nothing`,
  ];
  if (c.pipeline !== null) parts.push(`ours (app + Postgres + sender, ${micros(c.pipeline)} µs) ≤ ${fmtInt(c.pipeline)}`);
  return parts.join("; ");
}
