import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["lib/**/*.test.ts", "app/**/*.test.ts", "scripts/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests share one database engine per worker; keep workers few on 2 cores.
    maxWorkers: 2,
    // What next.config's experimental.authInterrupts sets in a build: forbidden() works in tests.
    // NEXTAUTH_SECRET as `npm start` always sets it: the keys of secret fingerprints, pseudonyms and
    // stored credentials derive from it (tests that need their own set it first).
    env: { __NEXT_EXPERIMENTAL_AUTH_INTERRUPTS: "true", NEXTAUTH_SECRET: "vitest-only-nextauth-secret-0123456789abcdef" },
  },
});
