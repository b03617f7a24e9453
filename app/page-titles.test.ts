import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pageTitle, recordTitle } from "@/lib/presentation/page-title";

// Every page names itself in the browser tab (issue #14 §5): a static `metadata` or a
// `generateMetadata` export in each page.tsx, and in the 403/404 pages that replace them.

function files(dir: string, names: string[]): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return files(p, names);
    return names.includes(e.name) ? [p] : [];
  });
}

describe("page titles", () => {
  const pages = files(path.resolve(import.meta.dirname), ["page.tsx", "not-found.tsx", "forbidden.tsx"]);

  it("finds the console's pages", () => {
    expect(pages.length).toBeGreaterThan(25);
  });

  it.each(pages.map((p) => [path.relative(import.meta.dirname, p), p]))("%s exports a title", (_name, file) => {
    const source = readFileSync(file, "utf8");
    expect(source).toMatch(/export (const metadata\b|async function generateMetadata\b|function generateMetadata\b)/);
  });

  it("puts the most specific part first and shortens ids", () => {
    expect(pageTitle("Ingest tokens", "Settings")).toBe("Ingest tokens · Settings · Blindspot");
    expect(recordTitle("Prompt", "3f2a1b2c-0000-4000-8000-000000000000")).toBe("Prompt 3f2a1b2c… · Blindspot");
    expect(recordTitle("Person", "jon.snow%40westeros.example", 40)).toBe("Person jon.snow@westeros.example · Blindspot");
    expect(recordTitle("Person", "%E0%A4%A", 40)).toBe("Person %E0%A4%A · Blindspot");
  });
});
