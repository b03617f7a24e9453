// State that must be one per process. Next.js can load a module more than once (route
// handlers, server actions and server components are bundled separately, and dev mode reloads
// modules), so module-level variables would split into copies that do not see each other:
// a token revoked by a server action would stay cached in the receiver. globalThis is shared.

export function processSingleton<T>(key: string, init: () => T): T {
  const g = globalThis as unknown as Record<string, T | undefined>;
  const name = `__blindspot_${key}`;
  let value = g[name];
  if (value === undefined) {
    value = init();
    g[name] = value;
  }
  return value;
}
