// Admin CLI: `npm run blindspot -- <command>`. Works against DATABASE_URL, or the embedded
// database (through the running server's socket when Blindspot is up, directly otherwise).
import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { createApiToken, listApiTokens, revokeApiToken } from "@/lib/auth/api-tokens";
import {
  createIngestToken,
  DEFAULT_TOKEN_DAYS,
  findIngestToken,
  listIngestTokens,
  revokeIngestToken,
  rotateIngestToken,
  SIGNALS,
} from "@/lib/auth/ingest-tokens";
import { isRole } from "@/lib/auth/roles";
import { recordAudit } from "@/lib/audit";
import { requestErasure, runErasure } from "@/lib/privacy/erase";
import { writePersonExport } from "@/lib/privacy/export";
import { parsePersonInput } from "@/lib/privacy/person-rows";
import { importComplianceFile } from "@/lib/compliance/import";
import { backfill } from "@/lib/detections/backfill";
import { createUser, deactivateUser, setOwner, setPassword, unlinkSso } from "@/lib/auth/users";
import { loadConfig } from "@/lib/config";
import { rulesCheck, rulesExport } from "@/lib/detections/cli";
import { loadTuning } from "@/lib/detections/tuning";
import { backupEmbedded, backupPath, backupServer, restoreEmbedded } from "@/lib/db/backup";
import { openEmbeddedDatabase, type EmbeddedDatabase } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";
import { closePool } from "@/lib/db/pool";
import { prisma } from "@/lib/db/prisma";
import { applyPolicyFile, exportPolicyYaml } from "@/lib/secrets/policy-file";
import { runRescan, startRescan } from "@/lib/secrets/rescan";
import type { Signal } from "@/lib/otlp/types";
import { cliPassword } from "./cli-password";
import { DEFAULT_ENVIRONMENT, DEFAULT_TENANT_SLUG, ensureDefaultScope, ensureEnvironment, ensureTenant, resolveScope } from "@/lib/tenants";

const USAGE = `Blindspot admin CLI

  npm run blindspot -- tokens create --name <name> [--tenant <slug>] [--environment <name>]
                                     [--signals logs,traces,metrics] [--expires-days ${DEFAULT_TOKEN_DAYS}]
  npm run blindspot -- tokens list [--tenant <slug>] [--json]
  npm run blindspot -- tokens rotate <id|prefix>     new secret, same scope; the old one works until revoked
  npm run blindspot -- tokens revoke <id|prefix>
  npm run blindspot -- api-tokens create --name <name> --role admin|analyst|manager [--tenant <slug>]
  npm run blindspot -- api-tokens list [--tenant <slug>] [--json]
  npm run blindspot -- api-tokens revoke <id>
  npm run blindspot -- users create --email <email> --role admin|analyst|manager [--owner] [--tenant <slug>] [--name <name>]
                                    password: BLINDSPOT_USER_PASSWORD=<password> (scripts), else typed at a
                                    hidden prompt in a terminal (Enter generates one), else generated and
                                    printed once; at least 12 characters
                                    --owner: an admin of every tenant and of instance settings
  npm run blindspot -- users list [--tenant <slug>]
  npm run blindspot -- users set-password <email>     (password as for users create;
                                                       ends the user's console sessions)
  npm run blindspot -- users owner <email> [--remove] make an admin an instance owner, or no longer
  npm run blindspot -- users deactivate <email>       also revokes the API tokens they created
  npm run blindspot -- users unlink-sso <email>       the next SSO sign-in (verified email) binds the user anew
  npm run blindspot -- compliance import <file.json|file.ndjson> [--tenant <slug>] [--organization <org uuid for user records>]
  npm run blindspot -- rules backfill --from <date> --to <date> [--rule <id>]... [--tenant <slug>]
                                    run the pack's enabled rules (or the given ones) over stored history
                                    and raise their alerts (deduplicated with those already raised)
  npm run blindspot -- tenants create <slug> [--name <display name>]
  npm run blindspot -- environments create <tenant-slug> <name>
  npm run blindspot -- rules check                 every rule file loads (else file:line reason) and passes its cases
  npm run blindspot -- rules export --format sigma [--tenant <slug>] [--out <dir>]
                                    the pack as Sigma files (default ./sigma-export); with --tenant, its tuning
                                    applied: disabled rules left out, levels, exceptions, allowlists
  npm run blindspot -- policy export [--tenant <slug>] > policy.yaml
                                    the tenant's current data policy as YAML (see README "Data policy")
  npm run blindspot -- policy apply <policy.yaml> --reason "<why>" [--tenant <slug>]
                                    validates the file and saves it as the next version (audited);
                                    nothing is saved when it matches the current version
  npm run blindspot -- policy rescan [--tenant <slug>]
                                    apply the current version to stored content now, with progress
                                    (resumes an unfinished re-scan of that version; audited)
  npm run blindspot -- people erase <email|account> --reason "<why>" [--tenant <slug>] [--yes]
                                    remove the person's content everywhere (events, spans, metric points,
                                    Compliance records and transcripts, alert matches) and replace their
                                    identity with a keyed pseudonym: counts and alerts stay; audited
  npm run blindspot -- people export <email|account> [--tenant <slug>] > person.ndjson
                                    every stored row about the person, one JSON object per line
  npm run blindspot -- migrate
  npm run blindspot -- backup [--out <dir|file>]   embedded database: a consistent copy, also while the server
                                    runs; with DATABASE_URL: pg_dump when it is on PATH
  npm run blindspot -- restore <file>             into BLINDSPOT_DATA_DIR, which must hold no database yet

Secrets are shown once, at creation; only their SHA-256 is stored.`;

class UsageError extends Error {}

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: "string" },
    email: { type: "string" },
    organization: { type: "string" },
    tenant: { type: "string", default: DEFAULT_TENANT_SLUG },
    environment: { type: "string", default: DEFAULT_ENVIRONMENT },
    signals: { type: "string" },
    "expires-days": { type: "string" },
    role: { type: "string" },
    format: { type: "string" },
    out: { type: "string" },
    json: { type: "boolean", default: false },
    owner: { type: "boolean", default: false },
    remove: { type: "boolean", default: false },
    from: { type: "string" },
    to: { type: "string" },
    rule: { type: "string", multiple: true },
    reason: { type: "string" },
    yes: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

function table(rows: Record<string, unknown>[]): void {
  if (rows.length === 0) {
    console.log("(none)");
    return;
  }
  const cols = Object.keys(rows[0]);
  const cell = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 19).replace("T", " ") : v === null || v === undefined ? "-" : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  console.log(cols.map((c, i) => c.padEnd(widths[i])).join("  "));
  for (const r of rows) console.log(cols.map((c, i) => cell(r[c]).padEnd(widths[i])).join("  "));
}

function parseSignals(v: string | undefined): Signal[] | undefined {
  if (!v) return undefined;
  const list = v.split(",").map((s) => s.trim()).filter(Boolean);
  for (const s of list) if (!(SIGNALS as readonly string[]).includes(s)) throw new UsageError(`unknown signal "${s}" (logs, traces, metrics)`);
  return list as Signal[];
}

function parseDays(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError("--expires-days must be a whole number (0 = never)");
  return n;
}

function status(t: { revokedAt: Date | null; expiresAt: Date | null }): string {
  if (t.revokedAt) return "revoked";
  if (t.expiresAt && t.expiresAt.getTime() <= Date.now()) return "expired";
  return "active";
}

async function tenantIdOf(slug: string): Promise<string> {
  const t = await prisma().tenant.findUnique({ where: { slug } });
  if (!t) throw new UsageError(`no tenant "${slug}"`);
  return t.id;
}

async function run(): Promise<void> {
  const [group, action, arg] = positionals;
  const actor = `cli:${process.env.USER ?? "unknown"}`;
  switch (`${group} ${action}`) {
    case "tokens create": {
      if (!opts.name) throw new UsageError("--name is required");
      const scope = await resolveScope(opts.tenant!, opts.environment!);
      const { token, secret } = await createIngestToken({
        ...scope, name: opts.name, signals: parseSignals(opts.signals), expiresInDays: parseDays(opts["expires-days"]), createdBy: actor,
      });
      console.log(`Created ingest token ${token.id} (${token.name}) for ${opts.tenant}/${opts.environment}` +
        `${token.signals.length ? `, signals ${token.signals.join(",")}` : ""}, expires ${token.expiresAt?.toISOString() ?? "never"}.`);
      console.log(`\nSecret (shown once, store it now):\n  ${secret}\n`);
      console.log(`Claude Code: OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer ${secret}"`);
      return;
    }
    case "tokens list": {
      const tokens = await listIngestTokens(await tenantIdOf(opts.tenant!));
      if (opts.json) console.log(JSON.stringify(tokens, null, 2));
      else table(tokens.map((t) => ({ id: t.id, name: t.name, prefix: t.tokenPrefix, signals: t.signals.join(",") || "all", status: status(t), created: t.createdAt, lastUsed: t.lastUsedAt, expires: t.expiresAt })));
      return;
    }
    case "tokens revoke":
    case "tokens rotate": {
      if (!arg) throw new UsageError(`tokens ${action} needs a token id or prefix`);
      const token = await findIngestToken(arg);
      if (!token) throw new UsageError(`no ingest token "${arg}"`);
      if (action === "revoke") {
        await revokeIngestToken(token.id, actor);
        console.log(`Revoked ingest token ${token.id} (${token.name}). A running server refuses it within 10 seconds.`);
      } else {
        const { token: next, secret } = await rotateIngestToken(token.id, actor);
        console.log(`Rotated ${token.id} → ${next.id}. The old token keeps working until you revoke it:\n  npm run blindspot -- tokens revoke ${token.id}`);
        console.log(`\nNew secret (shown once):\n  ${secret}\n`);
      }
      return;
    }
    case "api-tokens create": {
      if (!opts.name) throw new UsageError("--name is required");
      if (!opts.role || !isRole(opts.role)) throw new UsageError("--role must be admin, analyst or manager");
      const { token, secret } = await createApiToken({ tenantId: await tenantIdOf(opts.tenant!), name: opts.name, role: opts.role, expiresInDays: parseDays(opts["expires-days"]), createdBy: actor });
      console.log(`Created API token ${token.id} (${token.name}, role ${token.role}).\n\nSecret (shown once):\n  ${secret}\n`);
      console.log(`curl -H "Authorization: Bearer ${secret}" <base>/api/v1/events`);
      return;
    }
    case "api-tokens list": {
      const tokens = await listApiTokens(await tenantIdOf(opts.tenant!));
      if (opts.json) console.log(JSON.stringify(tokens, null, 2));
      else table(tokens.map((t) => ({ id: t.id, name: t.name, prefix: t.tokenPrefix, role: t.role, status: status(t), created: t.createdAt, lastUsed: t.lastUsedAt, expires: t.expiresAt })));
      return;
    }
    case "api-tokens revoke": {
      if (!arg) throw new UsageError("api-tokens revoke needs a token id");
      await revokeApiToken(arg, actor);
      console.log(`Revoked API token ${arg}.`);
      return;
    }
    case "users create": {
      if (!opts.email) throw new UsageError("--email is required");
      if (!opts.role || !isRole(opts.role)) throw new UsageError("--role must be admin, analyst or manager");
      const { password, generated } = await cliPassword();
      if (opts.owner && opts.role !== "admin") throw new UsageError("--owner needs --role admin");
      const user = await createUser({ tenantId: await tenantIdOf(opts.tenant!), email: opts.email, role: opts.role, name: opts.name, password, owner: opts.owner || undefined, actor });
      console.log(`Created ${user.isOwner ? "owner (admin)" : user.role} ${user.email}.${generated ? `\n\nPassword (shown once):\n  ${password}\n` : ""}`);
      return;
    }
    case "users list": {
      const users = await prisma().user.findMany({ where: { tenantId: await tenantIdOf(opts.tenant!) }, orderBy: { email: "asc" } });
      table(users.map((u) => ({ email: u.email, name: u.name, role: u.role, owner: u.isOwner ? "yes" : "", status: u.deactivatedAt ? "deactivated" : "active", sso: u.oidcSubject ? "bound" : "", lastLogin: u.lastLoginAt, created: u.createdAt })));
      return;
    }
    case "users deactivate": {
      if (!arg) throw new UsageError("users deactivate needs an email");
      const { revokedApiTokens } = await deactivateUser(arg, actor);
      console.log(`Deactivated ${arg}; their sessions end at their next request. Revoked ${revokedApiTokens} API token(s) they created` +
        `${revokedApiTokens ? " (a running server refuses them within 10 seconds)" : ""}.`);
      return;
    }
    case "users set-password": {
      if (!arg) throw new UsageError("users set-password needs an email");
      const user = await prisma().user.findUnique({ where: { email: arg.trim().toLowerCase() } });
      if (!user) throw new UsageError(`no user "${arg}"`);
      const { password, generated } = await cliPassword();
      const { initialPasswordFileDeleted } = await setPassword(user.id, password, actor, "user.password_set");
      console.log(`New password for ${user.email}; their console sessions have ended.${initialPasswordFileDeleted ? " The first-start password file is deleted." : ""}` +
        `${generated ? `\n\nPassword (shown once):\n  ${password}\n` : ""}`);
      return;
    }
    case "users owner": {
      if (!arg) throw new UsageError("users owner needs an email");
      const user = await prisma().user.findUnique({ where: { email: arg.trim().toLowerCase() } });
      if (!user) throw new UsageError(`no user "${arg}"`);
      const refused = await setOwner(user.id, !opts.remove, actor);
      if (refused) throw new Error(refused);
      console.log(`${user.email} is ${opts.remove ? "no longer an" : "an"} instance owner.`);
      return;
    }
    case "users unlink-sso": {
      if (!arg) throw new UsageError("users unlink-sso needs an email");
      const user = await unlinkSso(arg, actor);
      console.log(user.oidcSubject ? `Unlinked ${user.email} from its single sign-on account; the next SSO sign-in binds it again.` : `${user.email} was not linked to a single sign-on account.`);
      return;
    }
    case "compliance import": {
      if (!arg) throw new UsageError("compliance import needs a file");
      const size = statSync(arg).size;
      const report = await importComplianceFile(createReadStream(arg), {
        tenantId: await tenantIdOf(opts.tenant!),
        filename: path.basename(arg),
        createdBy: actor,
        bytesTotal: size,
        organizationUuid: opts.organization,
        onProgress: (r) => process.stderr.write(`\r${Math.min(100, Math.round((r.bytesRead / Math.max(size, 1)) * 100))}%  ${r.accepted} new, ${r.duplicates} already stored, ${r.rejected} rejected`),
      });
      process.stderr.write("\n");
      console.log(`Imported ${arg}: ${report.accepted} new, ${report.duplicates} already stored, ${report.rejected} rejected (${Object.entries(report.kinds).map(([k, n]) => `${n} ${k}`).join(", ") || "nothing recognised"}).`);
      for (const e of report.errors) console.log(`  rejected: ${e}`);
      return;
    }
    case "rules backfill": {
      const date = (name: "from" | "to") => {
        const v = opts[name];
        const d = v ? new Date(v) : null;
        if (!d || Number.isNaN(d.getTime())) throw new UsageError(`--${name} must be a date (e.g. 2026-11-01 or 2026-11-01T12:00:00Z)`);
        return d;
      };
      const from = date("from");
      const to = date("to");
      if (from >= to) throw new UsageError("--from must be before --to");
      const report = await backfill(await tenantIdOf(opts.tenant!), opts.rule?.length ? opts.rule : "all", from, to);
      console.log(`Backfilled ${report.rules} rule(s) over ${report.scanned} record(s) from ${from.toISOString()} to ${to.toISOString()} ` +
        `in ${(report.ms / 1000).toFixed(1)} s: ${report.hits} hit(s), ${report.created} new alert(s).`);
      return;
    }
    case "tenants create": {
      if (!action || !arg) throw new UsageError("tenants create needs a slug");
      const id = await ensureTenant(arg, opts.name ?? arg);
      await ensureEnvironment(id, DEFAULT_ENVIRONMENT);
      console.log(`Tenant ${arg} (${id}) with environment "${DEFAULT_ENVIRONMENT}".`);
      return;
    }
    case "environments create": {
      const name = positionals[3];
      if (!arg || !name) throw new UsageError("environments create needs <tenant-slug> <name>");
      const id = await ensureEnvironment(await tenantIdOf(arg), name);
      console.log(`Environment ${arg}/${name} (${id}).`);
      return;
    }
    case "rules export": {
      if (opts.format !== "sigma") throw new UsageError("rules export needs --format sigma");
      // The default tenant always exists: without an explicit --tenant the pack is exported as shipped.
      const tenantGiven = process.argv.some((a) => a === "--tenant" || a.startsWith("--tenant="));
      const tuning = tenantGiven ? await loadTuning(await tenantIdOf(opts.tenant!)) : null;
      const out = path.resolve(opts.out ?? "sigma-export");
      const { written, skipped } = rulesExport(out, tuning);
      console.log(`Wrote ${written.length} Sigma rule file(s) to ${out}${tuning ? ` with the tuning of tenant ${opts.tenant}` : ""}.`);
      for (const f of skipped) console.log(`  left out (disabled for ${opts.tenant}): ${f}`);
      return;
    }
    case "policy export": {
      process.stdout.write(await exportPolicyYaml(await tenantIdOf(opts.tenant!), opts.tenant!));
      return;
    }
    case "policy apply": {
      if (!arg) throw new UsageError("policy apply needs a file");
      if (!opts.reason?.trim()) throw new UsageError("policy apply needs --reason \"<why>\" (kept with the version and in the audit log)");
      const result = await applyPolicyFile(arg, await tenantIdOf(opts.tenant!), { actor, reason: opts.reason });
      console.log(result.changed
        ? `Data policy of tenant ${opts.tenant}: version ${result.version} saved (${result.changes.join("; ") || "no visible change"}). It applies to data received from now on.`
        : `Data policy of tenant ${opts.tenant}: unchanged, version ${result.version} already says this.`);
      return;
    }
    case "policy rescan": {
      const { rescan, created } = await startRescan(await tenantIdOf(opts.tenant!), actor);
      console.log(`${created ? "Re-scan" : "Resuming the re-scan"} of tenant ${opts.tenant} under data policy version ${rescan.policyVersion}.`);
      const done = await runRescan(rescan.id, {
        onProgress: (p) => process.stderr.write(`\r${p.table}: ${p.scanned} scanned, ${p.changed} rewritten   `),
      });
      process.stderr.write("\n");
      console.log(`Re-scan ${done.status}: ${done.scanned} record(s) scanned, ${done.changed} rewritten.`);
      return;
    }
    case "people erase": {
      if (!arg) throw new UsageError("people erase needs the person's email or account");
      if (!opts.reason) throw new UsageError("people erase needs --reason \"…\" (it goes to the audit log)");
      parsePersonInput(arg);
      const tenantId = await tenantIdOf(opts.tenant!);
      await useServerSecret();
      if (!opts.yes) {
        if (!process.stdin.isTTY) throw new UsageError("people erase cannot be undone: add --yes to run it without a terminal");
        const typed = await ask(`This removes the content of ${arg} in tenant ${opts.tenant} for good. Type the person again to confirm: `);
        if (typed.trim().toLowerCase() !== arg.trim().toLowerCase()) throw new UsageError("confirmation did not match; nothing was erased");
      }
      const { erasure, identifiers } = await requestErasure({ tenantId, person: arg, reason: opts.reason, actor });
      console.log(`Erasing ${identifiers.emails.length} email(s), ${identifiers.accounts.length} account(s), ${identifiers.endusers.length} end-user id(s) as ${erasure.pseudonym}…`);
      const done = await runErasure(tenantId, erasure.id, {
        onProgress: (p) => process.stderr.isTTY && process.stderr.write(`\r${Object.values(p).reduce((n, s) => n + s.changed, 0)} row(s) changed`),
      });
      if (process.stderr.isTTY) process.stderr.write("\n");
      for (const [step, s] of Object.entries(done.progress)) if (s.changed) console.log(`  ${step}: ${s.changed}`);
      console.log(`Erased: the records now carry ${done.pseudonym} (erasure ${done.id}).`);
      return;
    }
    case "people export": {
      if (!arg) throw new UsageError("people export needs the person's email or account");
      const tenantId = await tenantIdOf(opts.tenant!);
      const report = await writePersonExport(tenantId, arg, process.stdout);
      await recordAudit({ tenantId, actor, action: "person.export", details: { rows: Object.values(report.rows).reduce((a, b) => a + b, 0) } });
      console.error(`Exported ${Object.entries(report.rows).map(([t, n]) => `${n} ${t}`).join(", ") || "nothing"}.`);
      return;
    }
    case "migrate undefined":
      return; // migrations already ran on connect
    default:
      throw new UsageError(`unknown command "${positionals.join(" ")}"`);
  }
}

/** Pseudonyms are keyed by the server's session secret: the CLI must use the same one (scripts/start.ts). */
async function useServerSecret(): Promise<void> {
  if (process.env.NEXTAUTH_SECRET) return;
  const file = path.join(loadConfig().dataDir, "session-secret");
  if (!existsSync(file)) throw new Error(`NEXTAUTH_SECRET is not set and ${file} does not exist: run with the server's NEXTAUTH_SECRET`);
  process.env.NEXTAUTH_SECRET = readFileSync(file, "utf8").trim();
}

async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

/** Backup and restore run before anything opens or migrates the database. */
async function backupOrRestore(cfg: ReturnType<typeof loadConfig>): Promise<number> {
  const [command, file] = positionals;
  try {
    if (command === "backup") {
      if (cfg.DATABASE_URL) {
        const r = backupServer(cfg.DATABASE_URL, backupPath(opts.out, "dump"));
        (r.ran ? console.log : console.error)(r.message);
        return r.ran ? 0 : 1;
      }
      const r = await backupEmbedded(cfg.dataDir, backupPath(opts.out, "tar.gz"));
      console.log(`Backed up the embedded database in ${cfg.dataDir}${r.throughServer ? " (through the running server)" : ""}:`);
      console.log(`  ${r.file}  (${(r.bytes / 1024 / 1024).toFixed(1)} MiB; it holds every stored prompt and the session secret: keep it private)`);
      console.log(`Restore: BLINDSPOT_DATA_DIR=<new dir> npm run blindspot -- restore ${r.file}`);
      return 0;
    }
    if (!file) throw new UsageError("restore needs a backup file");
    if (cfg.DATABASE_URL) throw new UsageError("restore is for the embedded database; on a Postgres server use pg_restore (see README)");
    const r = await restoreEmbedded(path.resolve(file), cfg.dataDir);
    console.log(`Restored ${file} into ${cfg.dataDir}: ${r.tenants} tenant(s), ${r.events} event(s). Start it with npm start.`);
    return 0;
  } catch (err) {
    return reportFailure(err);
  }
}

/** Prints why a command failed (with the usage for a usage error) and returns its exit code. */
function reportFailure(err: unknown): number {
  if (err instanceof UsageError) {
    console.error(`error: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  return 1;
}

async function main(): Promise<number> {
  if (opts.help || positionals.length === 0) {
    console.log(USAGE);
    return positionals.length === 0 && !opts.help ? 2 : 0;
  }
  const cfg = loadConfig();
  if (positionals[0] === "backup" || positionals[0] === "restore") return backupOrRestore(cfg);
  // Checking rule files needs no database.
  if (positionals[0] === "rules" && positionals[1] === "check") return rulesCheck();
  let embedded: EmbeddedDatabase | undefined;
  try {
    let url = cfg.DATABASE_URL;
    if (!url) {
      embedded = await openEmbeddedDatabase(cfg.dataDir);
      url = embedded.url;
    }
    process.env.DATABASE_URL = url;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const m = await migrate(client);
    await client.end();
    // On stderr: stdout may be a file (`policy export > policy.yaml`).
    // stderr: `people export` writes its NDJSON to stdout.
    if (m.applied.length) console.error(`applied migrations: ${m.applied.join(", ")}`);
    // The default tenant always exists, even before the server's first start.
    await ensureDefaultScope();
    await run();
    return 0;
  } catch (err) {
    return reportFailure(err);
  } finally {
    await closePool();
    await embedded?.stop();
  }
}

process.exitCode = await main();
