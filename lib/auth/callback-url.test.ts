import { afterEach, describe, expect, it } from "vitest";
import { resetConfigForTests } from "@/lib/config";
import { safeCallbackPath } from "./callback-url";
import { authOptions } from "./options";

// callbackUrl comes from the address bar (/login?callbackUrl=…): after sign-in the browser must
// stay on this app whatever it says. Each hostile value below is what URLSearchParams hands the
// login page, i.e. already percent-decoded once (/%5Cevil.tld arrives as /\evil.tld).

const ORIGIN = "https://blindspot.example.com";

const HOSTILE: string[] = [
  "/\\evil.tld",
  "/\\/evil.tld",
  "/\t/evil.tld",
  "/\n/evil.tld",
  "/\r\n/evil.tld",
  "\t//evil.tld",
  " //evil.tld",
  "//evil.tld",
  "///evil.tld",
  "\\\\evil.tld",
  "\\/\\/evil.tld",
  "\\/evil.tld",
  "/x/..//evil.tld",
  "/./\\evil.tld",
  "https://evil.tld",
  "https://evil.tld/explore",
  "HTTPS://EVIL.TLD",
  "http://blindspot.example.com/explore", // another scheme, so another origin
  "https://blindspot.example.com.evil.tld/",
  "https://blindspot.example.com@evil.tld/",
  "https://blindspot.example.com:444/",
  "javascript:alert(1)",
  "JaVaScRiPt:alert(1)",
  " javascript:alert(1)",
  "java\tscript:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "vbscript:msgbox(1)",
  "file:///etc/passwd",
  "mailto:x@evil.tld",
  "//%65vil.tld", // percent-encoded host
  "/\\%65vil.tld",
  "//evil%E3%80%82tld", // ideographic full stop, an IDNA dot
];

// What the decoder leaves when the attacker encodes once more: still safe, still on this origin.
const ENCODED_STAYS_HOME: Record<string, string> = {
  "/%5Cevil.tld": "/%5Cevil.tld",
  "/%09/evil.tld": "/%09/evil.tld",
  "/%2F/evil.tld": "/%2F/evil.tld",
  "%2F%2Fevil.tld": "/%2F%2Fevil.tld",
  // Same scheme without "//": a relative path on this origin, for a browser as for URL.
  "https:evil.tld": "/evil.tld",
};

describe("safeCallbackPath", () => {
  it("covers each encoded value once decoded (what the login page receives)", () => {
    for (const raw of Object.keys(ENCODED_STAYS_HOME).filter((r) => r.includes("%"))) {
      expect(HOSTILE).toContain(decodeURIComponent(raw));
    }
  });

  it.each(HOSTILE)("sends %j to the fallback", (raw) => {
    expect(safeCallbackPath(raw, ORIGIN)).toBe("/");
    expect(safeCallbackPath(raw, ORIGIN, "/explore")).toBe("/explore");
  });

  it.each(Object.entries(ENCODED_STAYS_HOME))("keeps the still-encoded %j on this origin", (raw, path) => {
    const out = safeCallbackPath(raw, ORIGIN);
    expect(out).toBe(path);
    expect(new URL(out, ORIGIN).origin).toBe(ORIGIN);
  });

  it("keeps this app's own paths, queries and fragments", () => {
    expect(safeCallbackPath("/explore?range=all&user=a%40b.example#top", ORIGIN)).toBe("/explore?range=all&user=a%40b.example#top");
    expect(safeCallbackPath("/sessions/abc", ORIGIN)).toBe("/sessions/abc");
    expect(safeCallbackPath(`${ORIGIN}/prompts/1`, ORIGIN)).toBe("/prompts/1");
    expect(safeCallbackPath("/", ORIGIN)).toBe("/");
    expect(safeCallbackPath("compliance", ORIGIN)).toBe("/compliance");
  });

  it("falls back when there is nothing to check or no origin to check against", () => {
    expect(safeCallbackPath(undefined, ORIGIN)).toBe("/");
    expect(safeCallbackPath("", ORIGIN, "/explore")).toBe("/explore");
    expect(safeCallbackPath("/explore", "not a url")).toBe("/");
  });
});

describe("next-auth redirect callback", () => {
  afterEach(() => resetConfigForTests());

  it("keeps next-auth on this app's origin", async () => {
    const redirect = authOptions().callbacks!.redirect!;
    const baseUrl = "http://localhost:3000";
    for (const url of HOSTILE) expect(await redirect({ url, baseUrl })).toBe(`${baseUrl}/`);
    expect(await redirect({ url: "/explore?range=all", baseUrl })).toBe(`${baseUrl}/explore?range=all`);
    expect(await redirect({ url: `${baseUrl}/sessions/x`, baseUrl })).toBe(`${baseUrl}/sessions/x`);
  });
});
