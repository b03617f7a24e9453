import { recordAudit } from "@/lib/audit";
import { config } from "@/lib/config";
import { prisma } from "@/lib/db/prisma";
import { processSingleton } from "@/lib/process-singleton";

// Browser origins allowed to post OTLP (Office agents run in https://pivot.claude.ai). The
// environment gives the default (BLINDSPOT_CORS_ORIGINS); admins may add origins in Settings.
// Read through a short cache because every receiver request consults it.

const KEY = "cors.allowed_origins";
const CACHE_MS = 10_000;
const state = processSingleton("corsOrigins", () => ({ cached: undefined as { origins: string[]; at: number } | undefined }));

export function validOrigin(origin: string): boolean {
  if (origin === "*") return true;
  try {
    const u = new URL(origin);
    return (u.protocol === "https:" || u.protocol === "http:") && u.origin === origin;
  } catch {
    return false;
  }
}

export async function configuredOrigins(): Promise<string[]> {
  const row = await prisma().instanceSetting.findUnique({ where: { key: KEY } });
  return Array.isArray(row?.value) ? row.value.filter((v): v is string => typeof v === "string") : [];
}

/** Environment defaults plus the origins admins added. */
export async function allowedOrigins(): Promise<string[]> {
  const cached = state.cached;
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.origins;
  let extra: string[] = [];
  try {
    extra = await configuredOrigins();
  } catch {
    // The receiver must still answer preflights when the database is briefly unavailable.
  }
  const origins = [...new Set([...config().BLINDSPOT_CORS_ORIGINS, ...extra])];
  state.cached = { origins, at: Date.now() };
  return origins;
}

export async function setConfiguredOrigins(origins: string[], actor: string): Promise<void> {
  const clean = [...new Set(origins.map((o) => o.trim().replace(/\/+$/, "")).filter(Boolean))];
  const bad = clean.filter((o) => !validOrigin(o));
  if (bad.length) throw new Error(`not an origin (scheme://host[:port]): ${bad.join(", ")}`);
  await prisma().instanceSetting.upsert({
    where: { key: KEY },
    create: { key: KEY, value: clean, updatedBy: actor },
    update: { value: clean, updatedBy: actor, updatedAt: new Date() },
  });
  state.cached = undefined;
  await recordAudit({ tenantId: null, actor, action: "settings.cors_origins", details: { origins: clean.join(", ") } });
}
