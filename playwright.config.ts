import { defineConfig } from "@playwright/test";

// End-to-end tests in Debian's Chromium against `npm start` (the real launcher: migrations,
// first-start setup, next start) on a fresh embedded database.

// E2E_PORT lets two runs share a machine (each gets its own server and data directory).
export const E2E_PORT = Number(process.env.E2E_PORT ?? 13001);
export const E2E = {
  baseURL: `http://127.0.0.1:${E2E_PORT}`,
  adminEmail: "admin@e2e.example",
  adminPassword: "e2e-admin-password-0123",
  ingestToken: "e2e-ingest-token-0123456789abcdef0123",
  apiToken: "e2e-api-token-0123456789abcdef0123456",
  analystEmail: "analyst@e2e.example",
  managerEmail: "manager@e2e.example",
  /** An analyst of another tenant, which holds no data. */
  otherTenantEmail: "analyst@other-tenant.example",
  /** Password of the analyst and manager created by e2e/setup.setup.ts. */
  userPassword: "e2e-user-password-0123",
  dataDir: process.env.E2E_PORT ? `.data-e2e-${E2E_PORT}` : ".data-e2e",
};

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/e2e",
  timeout: 60_000,
  workers: 1,
  reporter: [["list"]],
  projects: [
    { name: "setup", testMatch: /.*\.setup\.ts/ },
    { name: "chromium", testMatch: /.*\.spec\.ts/, dependencies: ["setup"] },
  ],
  use: {
    baseURL: E2E.baseURL,
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
  webServer: {
    command: `rm -rf ${process.env.E2E_PORT ? `.data-e2e-${E2E_PORT}` : ".data-e2e"} && exec node_modules/.bin/tsx scripts/start.ts`,
    url: `${E2E.baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: "pipe",
    env: {
      PORT: String(E2E_PORT),
      BLINDSPOT_DATA_DIR: process.env.E2E_PORT ? `.data-e2e-${E2E_PORT}` : ".data-e2e",
      BLINDSPOT_PUBLIC_URL: E2E.baseURL,
      BLINDSPOT_INIT_ADMIN_EMAIL: E2E.adminEmail,
      BLINDSPOT_INIT_ADMIN_PASSWORD: E2E.adminPassword,
      BLINDSPOT_INIT_INGEST_TOKEN: E2E.ingestToken,
      BLINDSPOT_INIT_API_TOKEN: E2E.apiToken,
      DATABASE_URL: "",
      // e2e/compliance.spec.ts points the connector at a stub Compliance API on http://127.0.0.1.
      BLINDSPOT_COMPLIANCE_ALLOW_LOOPBACK: "1",
      // e2e/alerts-delivery.spec.ts sends alerts to a receiver on http://127.0.0.1.
      BLINDSPOT_ALERT_WEBHOOK_ALLOW_LOOPBACK: "1",
    },
  },
});
