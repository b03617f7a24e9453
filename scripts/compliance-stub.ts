// A stand-in for the Anthropic Compliance API serving test/fixtures-compliance, for e2e runs and
// trying the connector by hand (Settings → Compliance API → base URL http://127.0.0.1:<port>; start
// Blindspot with BLINDSPOT_COMPLIANCE_ALLOW_LOOPBACK=1, without which the connector refuses
// http:// and loopback addresses).
// Usage: tsx scripts/compliance-stub.ts --port 18930 --key sk-ant-api01-… [--fixtures dir] [--host 127.0.0.1]
import { loadComplianceFixtures, startComplianceStub } from "../lib/testing/compliance-stub";

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (v === undefined && fallback === undefined) {
    console.error(`usage: tsx scripts/compliance-stub.ts --port <port> --key <access key> [--fixtures <dir>] [--host <host>]`);
    process.exit(2);
  }
  return v ?? fallback!;
}

const port = Number(arg("port"));
const key = arg("key");
const fixtures = arg("fixtures", "test/fixtures-compliance");
const host = arg("host", "127.0.0.1");
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error("--port must be a port number");
  process.exit(2);
}

const stub = await startComplianceStub({ port, host, keys: [key], data: loadComplianceFixtures(fixtures) });
const d = stub.data;
console.log(
  `stub Compliance API on ${stub.url} (${d.activities.length} activities, ${d.chats.length} chats, ${d.localSessions.length} local sessions, ` +
    `${d.organizations.length} organizations)`,
);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void stub.close().then(() => process.exit(0)));
}
