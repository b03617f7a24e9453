import { readFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { normalize } from "@/lib/ingest/pipeline";
import { decodeJsonRequest } from "@/lib/otlp/json";
import { UNLIMITED } from "@/lib/otlp/limits";
import { decodeProtobufRequest } from "@/lib/otlp/proto";
import { FIXTURES_2_1_332_DIR, FIXTURES_DIR, listFixtureRequests } from "@/lib/testing/fixtures";
import { ComplianceMasker, maskBatchWith, RecordMasker } from "./mask";
import { DEFAULT_DATA_POLICY } from "./policy";

// The false-positive rate of ingest masking on real captures: every content string of every
// captured request (Claude Code 2.1.197 and 2.1.332 logs and metrics, Office traces) and of the
// Compliance API fixtures goes through the default policy's masking; none holds a secret, so
// every masked value is a false positive. Prints what was scanned and each value masked and why.

process.env.NEXTAUTH_SECRET ??= "false-positive-measurement-secret-0123456789";

interface Hit { where: string; kind: string; preview: string }

class MeasuringMasker extends RecordMasker {
  scanned = 0;
  hits: Hit[] = [];
  where = "";
  override maskText(text: string, keyHint?: string): string {
    this.scanned += 1;
    const out = super.maskText(text, keyHint);
    if (out !== text) {
      for (const m of out.matchAll(/\[secret:([a-z0-9-]+):/g)) this.hits.push({ where: `${this.where} ${keyHint ?? ""}`, kind: m[1], preview: text.slice(0, 60) });
    }
    return out;
  }
}

describe("false positives of ingest masking on the captured fixtures", () => {
  it("masks nothing in the Claude Code, Office and Compliance captures", () => {
    const masker = new MeasuringMasker("fixtures", { version: 0, policy: DEFAULT_DATA_POLICY });
    let records = 0;
    for (const dir of [FIXTURES_DIR, FIXTURES_2_1_332_DIR]) {
      for (const f of listFixtureRequests(dir)) {
        const raw = f.body();
        const bytes = f.contentEncoding === "gzip" ? gunzipSync(raw) : raw;
        const request = f.contentType.includes("json")
          ? decodeJsonRequest(f.signal, bytes, UNLIMITED)
          : decodeProtobufRequest(f.signal, bytes, UNLIMITED);
        const batch = normalize(f.signal, request, new Date());
        records += batch.events.length + batch.spans.length + batch.points.length;
        masker.where = `${path.basename(dir)}/${f.scenario}/${f.variant}/${f.id}`;
        maskBatchWith(masker, batch);
      }
    }
    const complianceDir = path.join(process.cwd(), "test", "fixtures-compliance");
    const compliance = ComplianceMasker.using(masker);
    for (const file of ["chats.json", "sessions-local.json"]) {
      masker.where = `fixtures-compliance/${file}`;
      const parsed = JSON.parse(readFileSync(path.join(complianceDir, file), "utf8")) as { data?: unknown[] } | unknown[];
      const list = Array.isArray(parsed) ? parsed : (parsed.data ?? [parsed]);
      for (const record of list) compliance.mask(record);
      records += list.length;
    }
    console.log(
      `[false positives] ${records} records, ${masker.scanned} content strings scanned, ${masker.hits.length} masked` +
        masker.hits.map((h) => `\n  ${h.kind} in ${h.where}: ${JSON.stringify(h.preview)}`).join(""),
    );
    expect(masker.scanned).toBeGreaterThan(1000);
    expect(masker.hits).toEqual([]);
  });
});
