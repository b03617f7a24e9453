import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Signal } from "@/lib/otlp/types";

// The captured OTLP requests in test/fixtures (copied from shared/fixtures; see its README).

export const FIXTURES_DIR = path.join(process.cwd(), "test", "fixtures");

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

export function listFixtureRequests(): FixtureRequest[] {
  const out: FixtureRequest[] = [];
  for (const scenario of readdirSync(FIXTURES_DIR).sort()) {
    const sdir = path.join(FIXTURES_DIR, scenario);
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

export function fixturesOf(scenario: string, variant?: string): FixtureRequest[] {
  return listFixtureRequests().filter((f) => f.scenario === scenario && (variant === undefined || f.variant === variant));
}
