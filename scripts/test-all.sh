#!/usr/bin/env bash
# `npm test`: every test, in this order:
#   1. type check
#   2. unit + integration tests (vitest) on the embedded engine (PGlite)
#   3. the same suite against a real PostgreSQL server: TEST_DATABASE_URL if set, otherwise a
#      throwaway server started here from Debian's binaries (scripts/pg-throwaway.sh)
#   4. production build, then the fault scenarios on it (scripts/faults.ts: kill -9, Postgres
#      restarted, jobs interrupted, two instances), then Playwright e2e in Chromium against
#      `npm start`, including the real Claude Code CLI (installed from npm into .cache/claude-code
#      on first run)
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
mkdir -p test-results

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "prisma generate + type check"
npm run --silent db:generate >/dev/null
npx tsc --noEmit -p .

step "vitest on embedded PGlite"
env -u TEST_DATABASE_URL -u DATABASE_URL npx vitest run --reporter=default --reporter=json --outputFile=test-results/vitest-pglite.json

pg_dir=""
cleanup() { if [ -n "$pg_dir" ]; then scripts/pg-throwaway.sh stop "$pg_dir" || true; rm -rf "$pg_dir"; fi; }
trap cleanup EXIT
pg_url=${TEST_DATABASE_URL:-}
if [ -z "$pg_url" ]; then
  pg_dir=$(mktemp -d /tmp/blindspot-pg-XXXXXX)
  pg_url=$(scripts/pg-throwaway.sh start "$pg_dir" "${TEST_PG_PORT:-15440}") || {
    echo "Could not start a PostgreSQL server: install Debian's postgresql package or set TEST_DATABASE_URL" >&2
    exit 1
  }
fi
step "vitest on PostgreSQL server ($pg_url)"
env -u DATABASE_URL TEST_DATABASE_URL="$pg_url" npx vitest run --reporter=default --reporter=json --outputFile=test-results/vitest-postgres.json

step "Claude Code CLI for the real-client e2e test"
claude_version=2.1.330
if [ ! -x .cache/claude-code/node_modules/@anthropic-ai/claude-code-linux-x64/claude ]; then
  mkdir -p .cache/claude-code
  (cd .cache/claude-code && [ -f package.json ] || echo '{"private":true}' > package.json)
  npm install --prefix .cache/claude-code --no-audit --no-fund --silent "@anthropic-ai/claude-code@$claude_version"
fi

step "build"
npm run --silent build >/dev/null

# On the build just made (scripts/faults.ts builds only when it is stale); each scenario has its own
# time limit. A failure is counted in the summary below rather than stopping the run here.
step "fault scenarios (npm run test:faults)"
rm -f test-results/faults.json
faults_started=$SECONDS
npm run --silent test:faults -- --report test-results/faults.json || true
[ -f test-results/faults.json ] || echo '{"numPassedTests":0,"numFailedTests":1,"numPendingTests":0}' > test-results/faults.json
echo "fault scenarios: $((SECONDS - faults_started)) s"

step "Playwright e2e in Chromium"
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "Chromium not found at ${CHROMIUM_PATH:-/usr/bin/chromium}: apt-get install chromium" >&2
  exit 1
fi
PLAYWRIGHT_JSON_OUTPUT_NAME=test-results/playwright.json npx playwright test --reporter=list,json

# The first-run check's report counts when .ci/run (or a person) ran it before.
first_run=(); [ -f test-results/first-run.json ] && first_run=(test-results/first-run.json)
node scripts/test-summary.mjs "${first_run[@]}" test-results/vitest-pglite.json test-results/vitest-postgres.json test-results/faults.json test-results/playwright.json
