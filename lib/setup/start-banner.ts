import type { FirstStartResult } from "@/lib/bootstrap";
import { claudeCodeShell } from "./client-config";

// What `npm start` prints: where to sign in, and how to point Claude Code here. Secrets (the first
// admin's password, the first ingest token) appear only on the start that created them: later
// starts may run under a service manager whose logs are kept, and the token may be revoked by then.

export interface StartBannerInput {
  baseUrl: string;
  dev: boolean;
  database: string;
  setup: FirstStartResult;
  /** The first admin's password came from BLINDSPOT_INIT_ADMIN_PASSWORD (never printed). */
  passwordFromEnv: boolean;
  /** The generated password's file, if it is still in the data directory. */
  initialPasswordFile: string | null;
}

export function startBanner(i: StartBannerInput): string {
  const { setup } = i;
  const loginUrl = `${i.baseUrl.replace(/\/+$/, "")}/login`;
  let account: string;
  if (!setup.adminEmail) account = "no admin yet: npm run blindspot -- users create --email <email> --role admin";
  else if (setup.created && setup.adminPassword && !i.passwordFromEnv)
    account = `${setup.adminEmail}  password: ${setup.adminPassword}  (saved in ${setup.adminPasswordFile}; change it under Account after signing in)`;
  else if (setup.created) account = `${setup.adminEmail}  (password from BLINDSPOT_INIT_ADMIN_PASSWORD)`;
  else if (i.initialPasswordFile) account = `${setup.adminEmail}  (initial password in ${i.initialPasswordFile})`;
  else account = `${setup.adminEmail}`;

  const lines = [
    "",
    `Blindspot ${i.dev ? "(dev) " : ""}is starting on ${i.baseUrl}`,
    `  Sign in:   ${loginUrl}`,
    `             ${account}`,
    `  Database:  ${i.database}`,
    `  Health:    ${i.baseUrl}/api/health`,
    "",
  ];
  if (setup.created && setup.ingestToken) {
    lines.push(
      "Point Claude Code at it (shell profile, or the \"env\" block of managed-settings.json):",
      claudeCodeShell(i.baseUrl, setup.ingestToken).replace(/^/gm, "  "),
      "  # optional content: export OTEL_LOG_USER_PROMPTS=1 OTEL_LOG_TOOL_DETAILS=1",
      `This ingest token is printed on this first start only${setup.ingestTokenFile ? ` (a copy is in ${setup.ingestTokenFile})` : ""}.`,
    );
  } else {
    lines.push(
      "Point Claude Code at it: Settings → Client setup in the console shows the exact settings.",
      "An ingest token for a new group of clients: npm run blindspot -- tokens create --name <name>",
    );
  }
  lines.push(`Office agents: collector URL ${i.baseUrl}/api/otlp, header Authorization=Bearer <token>.`, "");
  return lines.join("\n");
}
