import { AsyncLocalStorage } from "node:async_hooks";
import { createRequire } from "node:module";
import { encode } from "next-auth/jwt";

// Calls the console's real server actions, pages and session code from vitest as a signed-in
// browser would reach them: a cookie jar holding a real next-auth session cookie (a JWE signed
// with NEXTAUTH_SECRET, as the sign-in flow writes it), read through `next/headers`. Outside
// Next's request scope `next/headers` throws, so this module stands in for it: a test file
//   vi.mock("next/headers", () => import("@/lib/testing/console-request"));
//   vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));
// and calls installNextHeaders() (next-auth's getServerSession loads `next/headers` with a plain
// require, which vi.mock does not reach). Everything else (next-auth's decoding, the database,
// the actions' checks) is the production code.

const SESSION_COOKIE = "next-auth.session-token";

interface RequestScope {
  jar: CookieJar;
  headers: Headers;
}

const scope = new AsyncLocalStorage<RequestScope>();

/** A browser's cookies: persists across requests, takes what the server sets. */
export class CookieJar {
  readonly values = new Map<string, string>();

  get(name: string): { name: string; value: string } | undefined {
    const value = this.values.get(name);
    return value === undefined ? undefined : { name, value };
  }

  getAll(): { name: string; value: string }[] {
    return [...this.values].map(([name, value]) => ({ name, value }));
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  set(name: string | { name: string; value: string }, value?: string): this {
    if (typeof name === "object") this.values.set(name.name, name.value);
    else this.values.set(name, value ?? "");
    return this;
  }

  delete(name: string): this {
    this.values.delete(name);
    return this;
  }

  get sessionCookie(): string | undefined {
    return this.values.get(SESSION_COOKIE);
  }
}

function current(): RequestScope {
  const s = scope.getStore();
  if (!s) throw new Error("next/headers used outside asBrowser()");
  return s;
}

// The `next/headers` API the app uses.
export async function cookies(): Promise<CookieJar> {
  return current().jar;
}

export async function headers(): Promise<Headers> {
  return current().headers;
}

/** Makes next-auth's `require("next/headers")` resolve to this module too. */
export function installNextHeaders(): void {
  const require = createRequire(import.meta.url);
  const file = require.resolve("next/headers");
  const stub = { id: file, filename: file, loaded: true, exports: { cookies, headers } };
  (require.cache as Record<string, unknown>)[file] = stub;
}

/** A browser signed in as this user: the session cookie next-auth issues at sign-in. */
export async function signedInBrowser(user: { id: string; email: string; sessionVersion?: number }): Promise<CookieJar> {
  const secret = process.env.NEXTAUTH_SECRET;
  if (!secret) throw new Error("set NEXTAUTH_SECRET first");
  const token = await encode({ token: { sub: user.id, email: user.email, uid: user.id, sv: user.sessionVersion ?? 0 }, secret, maxAge: 3600 });
  return new CookieJar().set(SESSION_COOKIE, token);
}

/** Runs fn as one request from this browser (server action, page render or session lookup). */
export function asBrowser<T>(jar: CookieJar, fn: () => Promise<T>): Promise<T> {
  return scope.run({ jar, headers: new Headers({ host: "127.0.0.1", "x-blindspot-path": "/" }) }, fn);
}

/** FormData from a plain object, as a submitted form sends it. */
export function form(fields: Record<string, string>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
}

/** The outcome of redirect()/notFound() thrown inside an action or page ("NEXT_REDIRECT;…", "…;404"). */
export async function nextControlFlow(fn: () => Promise<unknown>): Promise<string | null> {
  try {
    await fn();
    return null;
  } catch (err) {
    const digest = (err as { digest?: unknown }).digest;
    if (typeof digest === "string") return digest;
    throw err;
  }
}
