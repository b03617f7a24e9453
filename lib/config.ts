import path from "node:path";
import ipaddr from "ipaddr.js";
import { z } from "zod";
import { publicUrlProblem } from "./public-url";
import { DEFAULT_SERVER_SEMI_SPACE_MB, defaultServerHeapMb, serverHeapProblem } from "./server-memory";
import { weakSecretReason } from "@/lib/auth/secrets";

// Every environment variable Blindspot reads, in one place, validated once.
// Names are part of the public interface (README "Configuration"): do not rename.

const MiB = 1024 * 1024;

const intFromEnv = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) {
        ctx.addIssue({ code: "custom", message: `must be a positive integer, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

/** A non-negative integer; 0 usually means "off". An undefined fallback leaves the default to loadConfig. */
const nonNegativeIntFromEnv = <F extends number | undefined>(fallback: F) =>
  z
    .string()
    .optional()
    .transform((v, ctx): number | F => {
      if (v === undefined || v.trim() === "") return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) {
        ctx.addIssue({ code: "custom", message: `must be a non-negative integer, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

/** A number of days, or undefined when unset (keep forever). */
const optionalDaysFromEnv = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v.trim() === "") return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) {
      ctx.addIssue({ code: "custom", message: `must be a positive number of days, got "${v}"` });
      return z.NEVER;
    }
    return n;
  });

const listFromEnv = (fallback: string[]) =>
  z
    .string()
    .optional()
    .transform((v) =>
      v === undefined ? fallback : v.split(",").map((s) => s.trim()).filter((s) => s.length > 0),
    );

/** "1" or "true" (any case) turns it on; unset, empty, "0" or "false" leave it off. */
const flagFromEnv = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const t = (v ?? "").trim().toLowerCase();
    if (t === "" || t === "0" || t === "false") return false;
    if (t === "1" || t === "true") return true;
    ctx.addIssue({ code: "custom", message: `must be 1 or 0, got "${v}"` });
    return z.NEVER;
  });

/** A bare host name (no scheme, port or path), lower case, as URL parsing spells it. */
const hostName = z.string().transform((v, ctx) => {
  const host = v.toLowerCase().replace(/\.$/, "");
  let parsed: string | null = null;
  try {
    parsed = new URL(`https://${host}/`).hostname;
  } catch {
    // reported below
  }
  if (parsed !== host) {
    ctx.addIssue({ code: "custom", message: `"${v}" is not a host name (write api.example.com, without https:// or a port)` });
    return z.NEVER;
  }
  return host;
});
/** A network in CIDR notation (10.20.0.0/16, fd00::/8), normalised. */
const cidr = z.string().transform((v, ctx) => {
  try {
    const [addr, bits] = ipaddr.parseCIDR(v);
    return `${addr.toString()}/${bits}`;
  } catch {
    ctx.addIssue({ code: "custom", message: `"${v}" is not a network in CIDR notation (write 10.20.0.0/16)` });
    return z.NEVER;
  }
});

// Checked when the configuration is read, so a weak secret stops the start with a clear message
// (also once the database exists, where the value is ignored: it is still a misconfiguration).
const initSecret = z
  .string()
  .optional()
  .superRefine((v, ctx) => {
    const reason = v === undefined || v === "" ? null : weakSecretReason(v);
    if (reason) ctx.addIssue({ code: "custom", message: reason });
  })
  .transform((v) => (v === "" ? undefined : v));

const envSchema = z.object({
  DATABASE_URL: z.string().optional(),
  BLINDSPOT_DATA_DIR: z.string().optional(),
  PORT: intFromEnv(3000),
  BLINDSPOT_PUBLIC_URL: z.string().optional(),
  /** next-auth's own base URL; the launcher sets it to the public URL. */
  NEXTAUTH_URL: z.string().optional(),
  /** Accept a non-local public URL over plain http (lib/public-url.ts). */
  BLINDSPOT_ALLOW_INSECURE_HTTP: z.string().optional(),
  BLINDSPOT_CORS_ORIGINS: listFromEnv(["https://pivot.claude.ai"]),
  /**
   * Largest request body accepted, measured after decompression. Exporters send far less: a full
   * OTel SDK batch (512 records) of Claude Code events is about 1 MiB of OTLP/JSON (the largest
   * captured record is 2.1 KB), less in protobuf.
   */
  BLINDSPOT_MAX_BODY_BYTES: intFromEnv(8 * MiB),
  /** Log records, spans or data points per request (an OTel SDK sends at most 512 by default). */
  BLINDSPOT_MAX_RECORDS_PER_REQUEST: intFromEnv(4096),
  /** Objects, arrays and values one request may decode into (lib/otlp/limits.ts). */
  BLINDSPOT_MAX_DECODE_OBJECTS: intFromEnv(500_000),
  /** Records per second per ingest token, then 429 + Retry-After (lib/ingest/token-rate.ts); 0 = no limit. */
  BLINDSPOT_INGEST_TOKEN_RATE: nonNegativeIntFromEnv(2000),
  /** Ingest requests processed at once; more wait, and past the queue limit get 503 + Retry-After. */
  BLINDSPOT_INGEST_CONCURRENCY: intFromEnv(8),
  BLINDSPOT_INGEST_QUEUE: intFromEnv(256),
  /**
   * Group commit (lib/ingest/group-commit.ts): requests of one ingest token that wait while a write
   * is in flight share one transaction of at most this many records. 0 = one transaction per request.
   */
  BLINDSPOT_INGEST_GROUP_MAX_RECORDS: nonNegativeIntFromEnv(4096),
  /** Ingest transactions in flight at once when group commit is on; requests beyond them queue and coalesce. */
  BLINDSPOT_INGEST_GROUP_WRITERS: intFromEnv(2),
  /**
   * Memory the requests in flight may hold together (lib/ingest/memory-budget.ts), in MiB; past it
   * 503 + Retry-After. 0 = no budget. The default keeps the server near 400 MB under overload.
   */
  BLINDSPOT_INGEST_MEMORY_BUDGET_MB: nonNegativeIntFromEnv(128),
  /**
   * V8 old-space limit of the Next.js server process in MiB (--max-old-space-size, set by the
   * launcher, lib/server-memory.ts); 0 = V8's default (about 4 GiB here). Unset: 256, or the
   * ingest memory budget + 96 when that is more, V8's default when there is no budget
   * (defaultServerHeapMb). Must leave room above the ingest memory budget.
   */
  BLINDSPOT_SERVER_HEAP_MB: nonNegativeIntFromEnv(undefined),
  /** V8 semi-space (young generation) limit of the server process in MiB (--max-semi-space-size); 0 = V8's default (16). */
  BLINDSPOT_SERVER_SEMI_SPACE_MB: nonNegativeIntFromEnv(DEFAULT_SERVER_SEMI_SPACE_MB),
  BLINDSPOT_INIT_ADMIN_EMAIL: z.string().optional(),
  BLINDSPOT_INIT_ADMIN_PASSWORD: z.string().optional(),
  /** Chosen secrets for the first start: 32 characters at least, or the generated format. */
  BLINDSPOT_INIT_INGEST_TOKEN: initSecret,
  BLINDSPOT_INIT_API_TOKEN: initSecret,
  DB_POOL_SIZE: intFromEnv(10),
  /**
   * Longest a statement of the app's pool may run (Postgres statement_timeout, SQLSTATE 57014),
   * so one slow console or API read cannot hold a connection, locks or the embedded engine for
   * long. 0 turns it off. Ingest writes and migrations run without it (see lib/db/pool.ts).
   */
  BLINDSPOT_STATEMENT_TIMEOUT_MS: nonNegativeIntFromEnv(15_000),
  /** Optional single sign-on (OpenID Connect); users must exist in Blindspot (matched by email). */
  BLINDSPOT_OIDC_ISSUER: z.string().optional(),
  BLINDSPOT_OIDC_CLIENT_ID: z.string().optional(),
  BLINDSPOT_OIDC_CLIENT_SECRET: z.string().optional(),
  BLINDSPOT_OIDC_NAME: z.string().optional(),
  /**
   * Reverse proxies in front of Blindspot that append to X-Forwarded-For (usually 1). Unset or 0:
   * the header is not trusted and sign-in limits count all clients together (lib/auth/client-address).
   */
  BLINDSPOT_TRUST_PROXY: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return 0;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 10) {
        ctx.addIssue({ code: "custom", message: `must be the number of reverse proxies in front (0-10), got "${v}"` });
        return z.NEVER;
      }
      return n;
    }),
  /** Console sessions end after this many hours. */
  BLINDSPOT_SESSION_HOURS: intFromEnv(8),
  /** Compliance API connector of the default tenant, applied at start when set (base URL https://api.anthropic.com). */
  BLINDSPOT_COMPLIANCE_API_URL: z.string().optional(),
  BLINDSPOT_COMPLIANCE_API_KEY: z.string().optional(),
  /** Seconds between Compliance API pulls, for connectors that do not set their own. */
  BLINDSPOT_COMPLIANCE_POLL_SECONDS: intFromEnv(60),
  /** Hosts the connector may call besides api.anthropic.com (the access key goes to them). */
  BLINDSPOT_COMPLIANCE_ALLOWED_HOSTS: listFromEnv([]).pipe(z.array(hostName)),
  /** Tests only: lets the connector use http:// and loopback addresses (a local stand-in API). */
  BLINDSPOT_COMPLIANCE_ALLOW_LOOPBACK: flagFromEnv,
  /** Alert webhook of the default tenant, applied at start when set (lib/alerts-delivery/webhook-config.ts). */
  BLINDSPOT_ALERT_WEBHOOK_URL: z.string().optional(),
  BLINDSPOT_ALERT_WEBHOOK_SECRET: z.string().optional(),
  /** Private networks webhooks may reach (an on-premises SIEM); public addresses are always allowed. */
  BLINDSPOT_ALERT_WEBHOOK_ALLOWED_NETWORKS: listFromEnv([]).pipe(z.array(cidr)),
  /** Tests only: lets webhooks use http:// and loopback addresses (a local receiver). */
  BLINDSPOT_ALERT_WEBHOOK_ALLOW_LOOPBACK: flagFromEnv,
  /** A data policy file (YAML) applied to the default tenant at start when it differs from the current version (lib/secrets/policy-file.ts). */
  BLINDSPOT_DATA_POLICY_FILE: z.string().trim().min(1).optional(),
  /** Retention of tenants without their own setting (lib/privacy/retention.ts); unset keeps forever. */
  BLINDSPOT_CONTENT_RETENTION_DAYS: optionalDaysFromEnv,
  BLINDSPOT_METADATA_RETENTION_DAYS: optionalDaysFromEnv,
  /** Daily partitions of the record tables kept created ahead of today (lib/db/partitions.ts). */
  BLINDSPOT_PARTITION_DAYS_AHEAD: intFromEnv(7),
});

export type Config = Omit<z.infer<typeof envSchema>, "BLINDSPOT_SERVER_HEAP_MB"> & { BLINDSPOT_SERVER_HEAP_MB: number; dataDir: string };

let cached: Config | undefined;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const urlProblem = publicUrlProblem(env);
  if (urlProblem) throw new Error(`Invalid configuration: ${urlProblem}`);
  const budgetMb = parsed.data.BLINDSPOT_INGEST_MEMORY_BUDGET_MB;
  const data = { ...parsed.data, BLINDSPOT_SERVER_HEAP_MB: parsed.data.BLINDSPOT_SERVER_HEAP_MB ?? defaultServerHeapMb(budgetMb) };
  const heapProblem = serverHeapProblem(data);
  if (heapProblem) throw new Error(`Invalid configuration: ${heapProblem}`);
  const dataDir = path.resolve(/*turbopackIgnore: true*/ data.BLINDSPOT_DATA_DIR ?? ".data");
  return { ...data, dataDir };
}

export function config(): Config {
  cached ??= loadConfig();
  return cached;
}

/** Tests change the environment between cases; they call this to re-read it. */
export function resetConfigForTests(): void {
  cached = undefined;
}

/** This app's origin as people reach it: NEXTAUTH_URL (the launcher sets it), else BLINDSPOT_PUBLIC_URL, else localhost. */
export function appOrigin(): string {
  const c = config();
  return process.env.NEXTAUTH_URL || c.BLINDSPOT_PUBLIC_URL || `http://localhost:${c.PORT}`;
}
