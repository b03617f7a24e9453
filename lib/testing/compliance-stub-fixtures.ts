import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { ComplianceStubData, Json, StubChat, StubSession } from "./compliance-stub";

// ---- fixtures ------------------------------------------------------------------------------------

/** test/fixtures-compliance (or another directory of the same layout) as stub data. */
export function loadComplianceFixtures(dir = "test/fixtures-compliance"): ComplianceStubData {
  const read = <T>(name: string, fallback: T): T => {
    const file = path.join(dir, name);
    return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as T) : fallback;
  };
  return {
    activities: read<Json[]>("activities.json", []),
    chats: read<StubChat[]>("chats.json", []),
    localSessions: read<StubSession[]>("sessions-local.json", []),
    remoteSessions: read<StubSession[]>("sessions-remote.json", []),
    organizations: read<Json[]>("organizations.json", []),
    users: read<Record<string, Json[]>>("users.json", {}),
  };
}
