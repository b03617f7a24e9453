// What one OTLP request really holds in memory while it is stored, against what the ingest memory
// budget charges it (lib/ingest/memory-budget.ts): for the two bodies `npm run bench:soak` sends
// (512 log records as protobuf + gzip, and the same records as JSON padded to near the 8 MiB cap),
// in a fresh process each, it reads, decompresses, decodes and normalizes the body as the receiver
// does and prints the live memory (V8 heap used + external, after a full GC) at each step, the
// peak RSS growth, and the budget's charge.
//
//   npx tsx scripts/measure-request-memory.ts [--batch-size 512]
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { decompress, readLimited } from "@/lib/otlp/body";
import { decodeJsonRequest } from "@/lib/otlp/json";
import { decodeProtobufRequest, encodeProtobufRequest } from "@/lib/otlp/proto";
import { normalizeLogs } from "@/lib/sources/logs";
import { DECODE_FACTOR } from "@/lib/ingest/memory-budget";
import { liveBytes as live } from "@/lib/testing/live-memory";
import { buildBatch, loadTemplates } from "./bench-ingest-io";

const MiB = 1024 * 1024;
type Kind = "protobuf-gzip" | "json-padded";

function body(kind: Kind, batchSize: number): Buffer {
  const request = buildBatch(0, batchSize, loadTemplates(), { startNs: BigInt(Date.now()) * 1_000_000n, stepNs: 1_000_000n });
  if (kind === "protobuf-gzip") return gzipSync(encodeProtobufRequest("logs", request));
  const json = Buffer.from(JSON.stringify(request));
  return Buffer.concat([json, Buffer.alloc(Math.max(0, 8 * MiB - 4096 - json.length), " ")]);
}

/** The receiver's steps, with the live memory above `base` after each; returns only the normalized batch and figures. */
async function stages(kind: Kind, wire: Buffer, base = 0) {
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      // As the server receives it: 64 KiB chunks.
      for (let i = 0; i < wire.length; i += 64 * 1024) c.enqueue(new Uint8Array(wire.subarray(i, i + 64 * 1024)));
      c.close();
    },
  });
  const raw = await readLimited(stream, 8 * MiB);
  const afterRead = (await live()) - base;
  const bytes = await decompress(raw, kind === "protobuf-gzip" ? "gzip" : "identity", 8 * MiB);
  const afterDecompress = (await live()) - base;
  const request = kind === "protobuf-gzip" ? decodeProtobufRequest("logs", bytes) : decodeJsonRequest("logs", bytes);
  const afterDecode = (await live()) - base;
  const batch = normalizeLogs(request, new Date());
  const atWrite = (await live()) - base;
  return { batch, wire: raw.length, decompressed: bytes.length, afterRead, afterDecompress, afterDecode, atWrite };
}

async function child(kind: Kind, batchSize: number): Promise<void> {
  const wire = body(kind, batchSize);
  // A first pass loads and compiles the code on the way, which the measured pass then does not count.
  await stages(kind, wire);
  const base = await live();
  const maxRssBefore = process.resourceUsage().maxRSS;
  const { batch, ...m } = await stages(kind, wire, base);
  const peakRssGrowth = (process.resourceUsage().maxRSS - maxRssBefore) * 1024;
  const charged = m.wire + DECODE_FACTOR * m.decompressed;
  // Everything but the normalized batch went with stages()'s frame.
  const batchOnly = (await live()) - base;
  if (batch.events.length !== batchSize) throw new Error(`expected ${batchSize} events, got ${batch.events.length}`);
  const r = (n: number) => Number((n / MiB).toFixed(1));
  console.log(JSON.stringify({
    body: kind, records: batchSize, wireMiB: r(m.wire), decompressedMiB: r(m.decompressed), chargedMiB: r(charged),
    liveMiB: { afterRead: r(m.afterRead), afterDecompress: r(m.afterDecompress), afterDecode: r(m.afterDecode), atWrite: r(m.atWrite), batchOnly: r(batchOnly) },
    peakRssGrowthMiB: r(peakRssGrowth),
  }));
}

const { values } = parseArgs({ options: { "batch-size": { type: "string", default: "512" }, child: { type: "string" } } });
const batchSize = Number(values["batch-size"]);
if (values.child) {
  await child(values.child as Kind, batchSize);
} else {
  for (const kind of ["protobuf-gzip", "json-padded"] as Kind[]) {
    const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", import.meta.filename, "--child", kind, "--batch-size", String(batchSize)], { encoding: "utf8" });
    process.stdout.write(r.stdout || r.stderr);
  }
}
