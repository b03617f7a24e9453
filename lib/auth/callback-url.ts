// Where a person goes after signing in (callbackUrl): only somewhere on this app. The value
// comes from the address bar, so it is parsed the way a browser parses it (WHATWG URL: "\" is
// "/", tabs and newlines vanish, "//host" is another origin), never checked by its first
// characters. Importable by client and server code alike (no server dependencies).

/** The path (with query and fragment) that `raw` names on `appOrigin`, or `fallback` when it leaves it. */
export function safeCallbackPath(raw: string | null | undefined, appOrigin: string, fallback = "/"): string {
  if (!raw) return fallback;
  let origin: string;
  let target: URL;
  try {
    origin = new URL(appOrigin).origin;
    target = new URL(raw, origin);
  } catch {
    return fallback;
  }
  if (target.origin !== origin) return fallback;
  const path = `${target.pathname}${target.search}${target.hash}`;
  // "/x/..//evil.tld" resolves on this origin to the path "//evil.tld", which a browser reads as
  // another host when it is handed back as a relative URL: resolve the path again to be sure.
  if (!path.startsWith("/") || new URL(path, origin).origin !== origin) return fallback;
  return path;
}
