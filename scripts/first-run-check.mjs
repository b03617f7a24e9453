// The first run of a new user, checked: a fresh clone of this checkout, exactly the README's two
// commands (`npm install && npm start`), health, a sign-in over HTTP, the home page; then a second
// start (no secret printed again), a start on a Postgres server (DATABASE_URL), and `npm ci`.
// `git status` must stay clean throughout. CI runs this before anything else (.ci/run), so a clone
// that cannot start fails CI even when the test suite, which builds first, would pass.
//
//   node scripts/first-run-check.mjs [--port 3000] [--pg-port 15447] [--report test-results/first-run.json]
//
// Plain Node and git only: it runs before `npm install` has made anything else available.
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values: opts } = parseArgs({
  options: {
    port: { type: "string", default: process.env.FIRST_RUN_PORT ?? "3000" },
    "pg-port": { type: "string", default: process.env.FIRST_RUN_PG_PORT ?? "15447" },
    report: { type: "string", default: "test-results/first-run.json" },
    keep: { type: "boolean", default: false },
  },
});

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const base = `http://localhost:${opts.port}`;
const work = mkdtempSync(path.join(tmpdir(), "blindspot-first-run-"));
chmodSync(work, 0o755); // the throwaway Postgres server runs as the postgres user when we are root
const clone = path.join(work, "blindspot");
const results = [];
let server; // the running `npm start`, if any
let pgDir; // the throwaway Postgres server's directory, if started

function log(msg) {
  console.log(`[first-run] ${msg}`);
}

function check(name, ok, detail = "") {
  results.push({ name, ok, detail });
  console.log(`${ok ? "  ✓" : "  ✗"} ${name}${detail ? ` — ${detail}` : ""}`);
  return ok;
}

/** The environment of a new user: none of the variables a developer or CI may have set. */
function newUserEnv(extra = {}) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("BLINDSPOT_") || k.startsWith("NEXTAUTH_") || k.includes("DATABASE_URL")) delete env[k];
  return { ...env, PORT: opts.port, ...extra };
}

function sh(cmd, args, cwd, env) {
  return execFileSync(cmd, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function gitStatusClean(label) {
  const status = sh("git", ["status", "--porcelain"], clone, process.env).trim();
  return check(`git status clean ${label}`, status === "", status ? status.split("\n").slice(0, 5).join("; ") : "");
}

/** Runs a shell command line in the clone, its output kept; resolves once `/api/health` is 200. */
async function startAndWait(commandLine, env, label, timeoutMs = 20 * 60_000) {
  let output = "";
  let exited = null;
  const child = spawn("sh", ["-c", commandLine], { cwd: clone, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  child.on("exit", (code, signal) => (exited = { code, signal }));
  server = child;
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (exited) break;
    try {
      const res = await fetchWithin(`${base}/api/health`, {}, 5_000);
      if (res.status === 200) {
        check(`${label}: /api/health 200`, true, `${Math.round((Date.now() - started) / 1000)} s after \`${commandLine}\``);
        return { output: () => output };
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  check(`${label}: /api/health 200`, false, exited ? `\`${commandLine}\` exited (${exited.code ?? exited.signal})` : "timed out");
  console.log(output.split("\n").slice(-40).join("\n"));
  return null;
}

/** Any process of the group still alive (npm and sh exit before the server they started has stopped). */
function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops `npm start` and everything it started, and waits until all of it is gone. */
async function stopServer() {
  if (!server) return;
  const pgid = server.pid;
  server = undefined;
  try {
    process.kill(-pgid, "SIGTERM");
  } catch {
    return;
  }
  const started = Date.now();
  while (groupAlive(pgid)) {
    if (Date.now() - started > 20_000) {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {}
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** fetch that gives up: a server that accepts and never answers must fail the check, not hang it. */
function fetchWithin(url, init = {}, ms = 15_000) {
  return fetch(url, { ...init, signal: AbortSignal.timeout(ms) });
}

/** Cookies of a fetch response, as name → value. */
function cookiesOf(res, jar) {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(";");
    const i = pair.indexOf("=");
    jar.set(pair.slice(0, i), pair.slice(i + 1));
  }
}
const cookieHeader = (jar) => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");

/** Signs in with next-auth's credentials provider as a browser form would; returns the cookie jar. */
async function signIn(label, email, password) {
  const jar = new Map();
  const csrfRes = await fetchWithin(`${base}/api/auth/csrf`);
  cookiesOf(csrfRes, jar);
  const { csrfToken } = await csrfRes.json();
  const res = await fetchWithin(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookieHeader(jar) },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: `${base}/`, json: "true" }),
  });
  cookiesOf(res, jar);
  const session = await (await fetchWithin(`${base}/api/auth/session`, { headers: { cookie: cookieHeader(jar) } })).json();
  check(`${label}: sign in over HTTP as ${email}`, session?.user?.email === email, `callback ${res.status}, session ${JSON.stringify(session?.user?.email ?? null)}`);
  const home = await fetchWithin(`${base}/`, { headers: { cookie: cookieHeader(jar) }, redirect: "manual" });
  const html = await home.text();
  // The signed-in home is the console, with its "Sign out"; the signed-out front page has none.
  check(`${label}: home page 200, signed in`, home.status === 200 && html.includes("Sign out"), `status ${home.status}`);
  return jar;
}

function adminPassword(dataDir) {
  const file = path.join(clone, dataDir, "initial-admin-password");
  return existsSync(file) ? readFileSync(file, "utf8").trim() : null;
}

async function main() {
  const dirty = sh("git", ["status", "--porcelain"], repo, process.env).trim();
  if (dirty) log("note: the checkout has uncommitted changes; the fresh clone has only what is committed");
  sh("git", ["clone", "--quiet", "--no-local", repo, clone], work, process.env);
  log(`fresh clone of ${sh("git", ["rev-parse", "--short", "HEAD"], clone, process.env).trim()} in ${clone}`);

  // 1. The README's quick start, exactly.
  const first = await startAndWait("npm install && npm start", newUserEnv(), "npm install && npm start");
  if (!first) return;
  gitStatusClean("after npm install && npm start");
  const banner = first.output();
  check("start prints the sign-in URL", banner.includes(`Sign in:   ${base}/login`));
  const token = /Authorization=Bearer (bsi_[A-Za-z0-9_-]+)/.exec(banner)?.[1];
  check("first start prints the initial ingest token", Boolean(token));
  const password = adminPassword(".data");
  check("first start writes the admin password", Boolean(password));
  if (password) await signIn("embedded", "admin@blindspot.local", password);
  await stopServer();

  // 2. A second start: no secret printed again.
  const second = await startAndWait("npm start", newUserEnv(), "second npm start");
  if (second) {
    check("second start prints the sign-in URL", second.output().includes(`Sign in:   ${base}/login`));
    check("second start prints no ingest token", Boolean(token) && !second.output().includes(token));
    check("second start prints no password", Boolean(password) && !second.output().includes(password));
  }
  await stopServer();

  // 3. The same clone on a Postgres server.
  const pgScript = path.join(clone, "scripts", "pg-throwaway.sh");
  pgDir = path.join(work, "pg");
  mkdirSync(pgDir);
  let pgUrl;
  try {
    pgUrl = sh("bash", [pgScript, "start", pgDir, opts["pg-port"]], clone, process.env).trim();
  } catch (err) {
    check("Postgres server for the DATABASE_URL start", false, String(err.stderr ?? err.message).trim().split("\n").pop());
  }
  if (pgUrl) {
    const onServer = await startAndWait("npm start", newUserEnv({ DATABASE_URL: pgUrl, BLINDSPOT_DATA_DIR: ".data-pg" }), "DATABASE_URL=… npm start");
    const pgPassword = adminPassword(".data-pg");
    if (onServer && pgPassword) await signIn("Postgres server", "admin@blindspot.local", pgPassword);
    await stopServer();
  }
  gitStatusClean("after the starts");

  // 4. `npm ci` from the committed lockfile.
  try {
    sh("npm", ["ci", "--no-audit", "--no-fund"], clone, newUserEnv());
    check("npm ci", true);
  } catch (err) {
    check("npm ci", false, String(err.stderr ?? err.message).trim().split("\n").slice(-3).join(" | "));
  }
  gitStatusClean("after npm ci");
}

async function cleanup() {
  await stopServer();
  if (pgDir) {
    try {
      sh("bash", [path.join(clone, "scripts", "pg-throwaway.sh"), "stop", pgDir], clone, process.env);
    } catch {}
  }
  if (!opts.keep) rmSync(work, { recursive: true, force: true });
}

process.on("SIGINT", () => cleanup().then(() => process.exit(130)));
// A hard limit for the whole check, so a hang fails CI in minutes instead of using up its time.
setTimeout(() => {
  check("first-run check finished within 40 minutes", false);
  cleanup().finally(() => process.exit(1));
}, 40 * 60_000).unref();
try {
  await main();
} catch (err) {
  check("first-run check ran to the end", false, err instanceof Error ? err.message : String(err));
} finally {
  await cleanup();
}
const failed = results.filter((r) => !r.ok).length;
const report = path.resolve(repo, opts.report);
mkdirSync(path.dirname(report), { recursive: true });
// The shape test-summary.mjs reads (vitest's JSON report), so these checks count in CI's summary.
writeFileSync(report, JSON.stringify({ numPassedTests: results.length - failed, numFailedTests: failed, numPendingTests: 0, results }, null, 2));
console.log(`\nfirst run: ${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
