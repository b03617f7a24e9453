import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BENIGN_LOOKALIKES, secretSamples, seeded } from "@/lib/testing/secret-samples";
import { compileScanner, InvalidPatternError, presetFindings, scannerFor } from "./scan";

const scanner = compileScanner({ extraPatterns: [], exemptions: [] });
const found = (text: string, keyHint?: string) => scanner.scan(text, keyHint).map((m) => ({ kind: m.kind, text: text.slice(m.start, m.end) }));

// One sample per rule of secretlint's recommended preset, in the shape its expressions want.
const r = seeded(7);
const A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const PRESET_SAMPLES: Record<string, string> = {
  aws: `AWS_SECRET_ACCESS_KEY=${r(A + "+/", 40)} and AKIA${r("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)}`,
  privatekey: `-----BEGIN PRIVATE KEY-----\nMII${r(A + "+/", 300)}\n-----END PRIVATE KEY-----`,
  npm: `npm_${r(A, 36)}`,
  basicauth: `https://deploy:${r(A, 14)}@git.corp-internal.io/repo.git`,
  slack: `xoxb-${r("0123456789", 10)}-${r("0123456789", 13)}-${r(A, 24)}`,
  sendgrid: `SG.${r(A, 22)}.${r(A, 43)}`,
  shopify: `shpat_${r("0123456789abcdef", 32)}`,
  stripe: `sk_live_${r(A, 40)}`,
  github: `gh${"p"}_${r(A, 36)}`,
  gitlab: `glpat-${r(A, 20)}`,
  grafana: `glsa_${r(A, 32)}_${r("0123456789abcdef", 8)}`,
  openai: `sk-proj-${r(A, 74)}T3BlbkFJ${r(A, 74)}`,
  anthropic: `sk-ant-api03-${r(A, 93)}AA`,
  groq: `gsk_${r(A, 52)}`,
  huggingface: `hf_${r("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 34)}`,
  linear: `lin_api_${r(A, 40)}`,
  notion: `ntn_${r("0123456789", 11)}${r(A, 35)}`,
  "database-connection-string": `mongodb+srv://svc:${r(A, 16)}@cluster0.mongodb.net/app`,
  "hashicorp-vault": `hvs.${r(A, 95)}`,
  vercel: `vcp_${r(A, 40)}`,
  databricks: `dapi${r("0123456789abcdef", 32)}`,
  docker: `dckr_pat_${r(A, 27)}`,
  figma: `figd_${r(A, 43)}`,
  cloudflare: `cfut_${r(A, 40)}${r("0123456789abcdef", 8)}`,
  tailscale: `tskey-auth-${r(A, 12)}-${r(A, 30)}`,
};

describe("the secret scanner", () => {
  it("finds each kind the masking covers, in context, and only the secret", () => {
    for (const s of Object.values(secretSamples())) {
      const hits = found(s.text);
      expect(hits.map((h) => h.kind), s.kind).toContain(s.kind);
      expect(hits.find((h) => h.kind === s.kind)?.text, s.kind).toContain(s.secret);
    }
  });

  it("masks only the password of a connection string, so the host stays readable", () => {
    const { text, secret } = secretSamples()["connection-string"];
    expect(found(text)).toEqual([{ kind: "connection-string", text: secret }]);
  });

  it("finds a private key cut by the sender and one JSON-escaped in a string, with the same fingerprint source", () => {
    const { text } = secretSamples()["private-key"];
    const cut = text.slice(0, 512);
    expect(found(cut).map((h) => h.kind)).toEqual(["private-key"]);
    const escaped = JSON.stringify({ content: text });
    const [raw] = scanner.scan(text);
    const [inJson] = scanner.scan(escaped);
    expect(inJson.kind).toBe("private-key");
    expect(inJson.secret).toBe(raw.secret);
  });

  it("takes a value under a credential key as a secret, and a placeholder or a word as none", () => {
    expect(found("Tr0ub4dor&3-horse", "password")).toEqual([{ kind: "env-secret", text: "Tr0ub4dor&3-horse" }]);
    expect(found('{"db_password": "Tr0ub4dor&3-horse"}')).toEqual([{ kind: "env-secret", text: "Tr0ub4dor&3-horse" }]);
    expect(found("changeme", "password")).toEqual([]);
    expect(found("${DB_PASSWORD}", "password")).toEqual([]);
    expect(found("4096", "max_tokens")).toEqual([]);
  });

  it("finds a random token nobody has a rule for (high entropy)", () => {
    const token = seeded(3)(A, 40);
    expect(found(`the key is ${token} ok`)).toEqual([{ kind: "high-entropy", text: token }]);
  });

  it("leaves benign look-alikes alone: UUIDs, git and sha256 hashes, trace ids, API ids, base64 of text, paths, SRI digests", () => {
    for (const text of BENIGN_LOOKALIKES) expect(found(text), text).toEqual([]);
  });

  it("honours exemptions (literal or RE2) and adds the policy's extra patterns", () => {
    const { text, secret } = secretSamples()["github-token"];
    expect(compileScanner({ extraPatterns: [], exemptions: [secret] }).scan(text)).toEqual([]);
    expect(compileScanner({ extraPatterns: [], exemptions: ["gh" + "p_[A-Za-z0-9]+"] }).scan(text)).toEqual([]);
    const custom = compileScanner({ extraPatterns: [{ kind: "acme-badge", pattern: "ACME-[0-9]{6}" }], exemptions: [] });
    expect(custom.scan("badge ACME-123456 used").map((m) => m.kind)).toEqual(["acme-badge"]);
    expect(() => compileScanner({ extraPatterns: [{ kind: "x", pattern: "(?=look)" }], exemptions: [] })).toThrow(InvalidPatternError);
    // At ingest a stored pattern that does not compile is skipped; the built-in detectors still run.
    const lenient = scannerFor({ extraPatterns: [{ kind: "x", pattern: "(?=look)" }], exemptions: [] });
    expect(lenient.scan(text).map((m) => m.kind)).toEqual(["github-token"]);
  });

  it("has a sample for every rule of the preset, and each rule finds its sample", () => {
    for (const [rule, sample] of Object.entries(PRESET_SAMPLES)) {
      expect(presetFindings(sample, { prefilter: false }).map((f) => f.rule), rule).toContain(rule);
    }
  });

  it("prefilter: whatever surrounds them, the preset reports the same with and without it (fast-check)", () => {
    const samples = Object.values(PRESET_SAMPLES);
    const filler = fc.string({ unit: fc.constantFrom(..."ab Z9_-:=/.@\n\"'{}sk_hvSG".split("")), maxLength: 40 });
    fc.assert(
      fc.property(fc.array(fc.tuple(filler, fc.constantFrom(...samples)), { minLength: 1, maxLength: 4 }), filler, (parts, tail) => {
        const text = parts.map(([f, s]) => `${f} ${s}\n`).join("") + tail;
        const key = (f: ReturnType<typeof presetFindings>[number]) => `${f.rule}:${f.report.range.join("-")}:${f.report.message.id}`;
        const withPrefilter = presetFindings(text).map(key).sort();
        const without = presetFindings(text, { prefilter: false }).map(key).sort();
        expect(withPrefilter).toEqual(without);
        // And every sample in the text is still found by the scanner.
        const spans = scanner.scan(text);
        for (const [, s] of parts) {
          const at = text.indexOf(s);
          expect(spans.some((m) => m.start < at + s.length && m.end > at), s.slice(0, 12)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
