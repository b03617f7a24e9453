// Peak memory of decoding hostile OTLP bodies, with and without the decode caps
// (lib/otlp/limits.ts). Each case runs in a fresh process and prints the growth of that process's
// peak RSS while one request body is decoded, i.e. what one of the BLINDSPOT_INGEST_CONCURRENCY
// requests decoding at once can cost.
//
//   npx tsx scripts/measure-decode-memory.ts
import { spawnSync } from "node:child_process";
import { decodeJsonRequest } from "@/lib/otlp/json";
import { UNLIMITED } from "@/lib/otlp/limits";
import { decodeProtobufRequest, encodeProtobufRequest } from "@/lib/otlp/proto";
import type { ExportLogsServiceRequest } from "@/lib/otlp/types";
import { fixturesOf } from "@/lib/testing/fixtures";
import { loadConfig } from "@/lib/config";

const MiB = 1024 * 1024;
const OLD_BODY_CAP = 64 * MiB;

type Body = "json-empty-objects" | "protobuf-empty-messages" | "protobuf-empty-records" | "real-512";

function build(kind: Body, size: number): Buffer {
  switch (kind) {
    case "json-empty-objects": {
      // {"resourceLogs":[{},{},…]} of `size` bytes
      const head = Buffer.from('{"resourceLogs":[{}');
      const n = Math.floor((size - head.length - 2) / 3);
      const body = Buffer.alloc(head.length + n * 3 + 2);
      head.copy(body);
      for (let i = 0, p = head.length; i < n; i++, p += 3) body.write(",{}", p, "latin1");
      body.write("]}", head.length + n * 3, "latin1");
      return body;
    }
    case "protobuf-empty-messages":
      // ExportLogsServiceRequest { resource_logs = 1: {} } repeated: two bytes each
      return Buffer.alloc(size - (size % 2), Buffer.from([0x0a, 0x00]));
    case "protobuf-empty-records": {
      // one ResourceLogs { ScopeLogs { LogRecord {} × n } }
      const records = Buffer.alloc(size - 16 - (size % 2), Buffer.from([0x12, 0x00]));
      const varint = (n: number) => {
        const out: number[] = [];
        while (n > 0x7f) {
          out.push((n & 0x7f) | 0x80);
          n >>>= 7;
        }
        out.push(n);
        return Buffer.from(out);
      };
      const scope = Buffer.concat([Buffer.from([0x12]), varint(records.length), records]);
      return Buffer.concat([Buffer.from([0x0a]), varint(scope.length), scope]);
    }
    case "real-512": {
      // 512 captured Claude Code log records (the OTel SDK's default batch), as protobuf
      const decoded = fixturesOf("f-hook-block", "http-json").find((f) => f.signal === "logs")!.decoded() as ExportLogsServiceRequest;
      const records = decoded.resourceLogs![0].scopeLogs![0].logRecords!;
      const many = Array.from({ length: 512 }, (_, i) => records[i % records.length]);
      const request: ExportLogsServiceRequest = { resourceLogs: [{ ...decoded.resourceLogs![0], scopeLogs: [{ ...decoded.resourceLogs![0].scopeLogs![0], logRecords: many }] }] };
      return Buffer.from(encodeProtobufRequest("logs", request));
    }
  }
}

function child(kind: Body, size: number, limited: boolean): void {
  const cfg = loadConfig();
  const body = build(kind, size);
  global.gc?.();
  const before = process.resourceUsage().maxRSS;
  const started = performance.now();
  let outcome = "decoded";
  try {
    const limits = limited ? { maxObjects: cfg.BLINDSPOT_MAX_DECODE_OBJECTS } : UNLIMITED;
    if (kind === "json-empty-objects") decodeJsonRequest("logs", body, limits);
    else decodeProtobufRequest("logs", body, limits);
  } catch (err) {
    outcome = `refused (${(err as Error).constructor.name})`;
  }
  const ms = performance.now() - started;
  const grewMiB = (process.resourceUsage().maxRSS - before) / 1024;
  console.log(JSON.stringify({ body: kind, bytes: body.length, caps: limited ? "on" : "off", outcome, ms: Math.round(ms), peakRssGrowthMiB: Math.round(grewMiB) }));
}

if (process.argv[2] === "--child") {
  child(process.argv[3] as Body, Number(process.argv[4]), process.argv[5] === "on");
} else {
  const cap = loadConfig().BLINDSPOT_MAX_BODY_BYTES;
  const cases: [Body, number, boolean][] = [
    ["json-empty-objects", OLD_BODY_CAP, false],
    ["json-empty-objects", cap, false],
    ["json-empty-objects", cap, true],
    ["protobuf-empty-messages", OLD_BODY_CAP, false],
    ["protobuf-empty-messages", cap, false],
    ["protobuf-empty-messages", cap, true],
    ["protobuf-empty-records", OLD_BODY_CAP, false],
    ["protobuf-empty-records", cap, true],
    ["real-512", 0, true],
  ];
  console.log(`body cap ${cap} bytes (was ${OLD_BODY_CAP}), object cap ${loadConfig().BLINDSPOT_MAX_DECODE_OBJECTS}`);
  for (const [kind, size, limited] of cases) {
    const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", import.meta.filename, "--child", kind, String(size), limited ? "on" : "off"], {
      encoding: "utf8",
      env: process.env,
    });
    process.stdout.write(r.stdout || r.stderr);
  }
}
