import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Signal } from "@/lib/otlp/types";

// The captured OTLP requests in test/fixtures (Claude Code 2.1.197 and Office agents) and
// test/fixtures-2.1.332 (the same Claude Code scenarios from 2.1.332); see their READMEs.

export const FIXTURES_DIR = path.join(process.cwd(), "test", "fixtures");
export const FIXTURES_2_1_332_DIR = path.join(process.cwd(), "test", "fixtures-2.1.332");

export interface FixtureRequest {
  scenario: string;
  variant: string;
  id: string;
  signal: Signal;
  contentType: string;
  contentEncoding: string | null;
  bodyFile: string;
  decodedFile: string;
  body(): Buffer;
  decoded(): unknown;
  headers: Record<string, string>;
}

interface Meta {
  signal: Signal;
  contentType: string;
  contentEncoding: string | null;
  bodyFile: string;
  decodedFile: string;
  headers: Record<string, string>;
}

export function listFixtureRequests(dir = FIXTURES_DIR): FixtureRequest[] {
  const out: FixtureRequest[] = [];
  for (const scenario of readdirSync(dir).sort()) {
    const sdir = path.join(dir, scenario);
    if (!existsSync(sdir) || scenario.endsWith(".md")) continue;
    for (const variant of readdirSync(sdir).sort()) {
      const vdir = path.join(sdir, variant);
      for (const f of readdirSync(vdir).sort()) {
        if (!f.endsWith(".meta.json")) continue;
        const meta = JSON.parse(readFileSync(path.join(vdir, f), "utf8")) as Meta;
        const bodyFile = path.join(vdir, meta.bodyFile);
        const decodedFile = path.join(vdir, meta.decodedFile);
        out.push({
          scenario,
          variant,
          id: f.slice(0, 4),
          signal: meta.signal,
          contentType: meta.contentType,
          contentEncoding: meta.contentEncoding,
          bodyFile,
          decodedFile,
          headers: meta.headers,
          body: () => readFileSync(bodyFile),
          decoded: () => JSON.parse(readFileSync(decodedFile, "utf8")) as unknown,
        });
      }
    }
  }
  return out;
}

export function fixturesOf(scenario: string, variant?: string, dir = FIXTURES_DIR): FixtureRequest[] {
  return listFixtureRequests(dir).filter((f) => f.scenario === scenario && (variant === undefined || f.variant === variant));
}
