// `tsx scripts/cpuprofile-summary.ts FILE.cpuprofile [--top 40] [--from-ms N] [--to-ms N] [--per N]`
//
// A V8 CPU profile (node --cpu-prof, e.g. of the Next.js server under `npm run bench:ingest --
// --cpu-prof DIR`) as ranked tables: self time by function, total (inclusive) time by function,
// and self time by origin (our code, Next.js, React, the pg driver, Node's internals, GC, idle).
// --per N divides every time by N (records) to print µs per record. --from-ms/--to-ms keep only
// the samples in that window (ms since the profile started), e.g. to leave out start-up.
// --next DIR: a copy of the profiled build's .next directory (a later build replaces the source
// maps the bundled functions are resolved with).
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SourceMapConsumer } from "source-map-js";
import { parseArgs } from "node:util";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Where a function comes from, by its script's URL. */
export function originOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === "(garbage collector)") return "GC";
    if (functionName === "(idle)") return "idle";
    if (functionName === "(program)") return "(program: native, unattributed)";
    return "native/builtin";
  }
  if (url.startsWith("node:")) return "node internals";
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) {
    const pkg = m[1];
    if (pkg === "next" && /compiled\/(react|react-dom|react-server-dom[^/]*)\//.test(url)) return "react (next/compiled)";
    return pkg;
  }
  if (url.includes("/.next/server/")) return bundledOrigin(frame);
  return "other";
}

const consumers = new Map<string, SourceMapConsumer | null>();
let nextCopy: string | null = null;

/** The source position of a bundled function (Next's server chunks ship source maps), or null. */
function original(frame: CallFrame): { source: string; line: number; name: string | null } | null {
  if (!frame.url.includes("/.next/")) return null;
  let consumer = consumers.get(frame.url);
  if (consumer === undefined) {
    const script = frame.url.startsWith("file://") ? fileURLToPath(frame.url) : frame.url;
    const file = `${nextCopy === null ? script : `${nextCopy}/${script.slice(script.indexOf("/.next/") + "/.next/".length)}`}.map`;
    consumer = existsSync(file) ? new SourceMapConsumer(JSON.parse(readFileSync(file, "utf8"))) : null;
    consumers.set(frame.url, consumer);
  }
  if (!consumer) return null;
  const pos = consumer.originalPositionFor({ line: frame.lineNumber + 1, column: frame.columnNumber });
  if (!pos.source) return null;
  return { source: pos.source.replace(/^.*\[project\]\//, "").replace(/^turbopack:\/\/\//, ""), line: pos.line, name: pos.name ?? null };
}

/** Where a bundled function's source is: our own (app/, lib/, …) or a package inlined into the chunk. */
function bundledOrigin(frame: CallFrame): string {
  const o = original(frame);
  if (!o) return "app bundle (unmapped)";
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(o.source);
  if (m) return `${m[1]} (bundled)`;
  return `ours: ${o.source.replace(/^(\.\.\/)+/, "").split("/").slice(0, 2).join("/")}`;
}

function label(frame: CallFrame): string {
  const o = original(frame);
  if (o) return `${frame.functionName || "(anonymous)"} → ${o.source.replace(/^(\.\.\/)+/, "")}:${o.line}`;
  const file = frame.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\/\.next\//, ".next/").replace(/^file:\/\//, "");
  return `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber + 1}:${frame.columnNumber + 1}`;
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: "string", default: "40" }, "from-ms": { type: "string" }, "to-ms": { type: "string" }, per: { type: "string" }, next: { type: "string" } },
  });
  if (positionals.length !== 1) throw new Error("usage: tsx scripts/cpuprofile-summary.ts FILE.cpuprofile [--top N] [--from-ms N] [--to-ms N] [--per RECORDS]");
  nextCopy = values.next ?? null;
  const profile = JSON.parse(readFileSync(positionals[0], "utf8")) as Profile;
  const top = Number(values.top);
  const from = values["from-ms"] === undefined ? -Infinity : Number(values["from-ms"]) * 1000;
  const to = values["to-ms"] === undefined ? Infinity : Number(values["to-ms"]) * 1000;
  const per = values.per === undefined ? null : Number(values.per);

  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  // Self time per node (µs), from the samples in the window.
  const self = new Map<number, number>();
  let t = 0;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    if (t < from || t > to) continue;
    // A sample's time is the delta to the next one (V8's own convention is the same to within one interval).
    const dt = profile.timeDeltas[i + 1] ?? 0;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
    total += dt;
  }
  const idle = [...self].filter(([id]) => byId.get(id)!.callFrame.functionName === "(idle)").reduce((s, [, v]) => s + v, 0);
  const busy = total - idle;

  const selfByFn = new Map<string, number>();
  const totalByFn = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame;
    const key = label(frame);
    selfByFn.set(key, (selfByFn.get(key) ?? 0) + us);
    byOrigin.set(originOf(frame), (byOrigin.get(originOf(frame)) ?? 0) + us);
    // Inclusive: every distinct function on the stack once (recursion counted once).
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const k = label(byId.get(n)!.callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      totalByFn.set(k, (totalByFn.get(k) ?? 0) + us);
    }
  }

  const fmt = (us: number) => {
    const pct = `${((100 * us) / busy).toFixed(1).padStart(5)} %`;
    return per ? `${pct} ${(us / per).toFixed(2).padStart(8)} µs/rec` : `${pct} ${(us / 1000).toFixed(0).padStart(8)} ms`;
  };
  const table = (title: string, m: Map<string, number>, n: number) => {
    console.log(`\n${title}`);
    for (const [k, us] of [...m].filter(([k]) => !k.startsWith("(idle)")).sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`  ${fmt(us)}  ${k}`);
  };
  console.log(`profile ${positionals[0]}: ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy (percentages are of busy time)${per ? `, per ${per} records` : ""}`);
  table("self time by origin", byOrigin, 30);
  table("self time by function", selfByFn, top);
  table("total (inclusive) time by function", totalByFn, top);
}

main();
