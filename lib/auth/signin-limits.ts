import { createHash } from "node:crypto";
import { RateLimiterPostgres, type RateLimiterRes } from "rate-limiter-flexible";
import { getPool } from "@/lib/db/pool";
import { addressBucket } from "./client-address";
import { processSingleton } from "@/lib/process-singleton";

// Failed sign-ins are counted per account and per client address (an IPv6 client per /64) in Postgres (the signin_limits
// table, rate-limiter-flexible's Postgres store), so every app instance sees the same counts.
// Enough failures lock the account, or the address, for a while; a locked attempt is refused
// before any password check runs (the check is what costs CPU). A successful sign-in clears the
// account's count. Attempts whose address is unknown (lib/auth/client-address) share one bucket
// with a larger allowance: it still stops a spray over many accounts, at the price that such a
// spray locks password sign-in for everybody without a known address until the lock ends.

export interface SigninLimitPolicy {
  /** Failures of one account (known or not) within the window that lock it. */
  accountFailures: number;
  /** Failures from one client address within the window that lock it. */
  addressFailures: number;
  /** Failures from clients of unknown address, together, within the window that lock them all. */
  unknownAddressFailures: number;
  windowSeconds: number;
  lockSeconds: number;
}

export const DEFAULT_SIGNIN_POLICY: SigninLimitPolicy = {
  accountFailures: 10,
  addressFailures: 50,
  unknownAddressFailures: 200,
  windowSeconds: 15 * 60,
  lockSeconds: 15 * 60,
};

export type LimitScope = "account" | "address";
export type SigninCheck = { allowed: true } | { allowed: false; scope: LimitScope; retryAfterSeconds: number };

// The library names its prepared statements; PGlite serves every pooled connection from one
// session, where a name prepared by one connection collides with another's. So queries go
// through the shared pool unnamed (one code path for both engines).
const poolStore = {
  query: (q: { text: string; values?: unknown[] }) => getPool().query(q.text, q.values),
};

const UNKNOWN_ADDRESS = "unknown";

function accountKey(email: string): string {
  // Bounded length, and no addresses in the table.
  return createHash("sha256").update(email.trim().toLowerCase(), "utf8").digest("base64url");
}

export class SigninLimiter {
  private readonly account: RateLimiterPostgres;
  private readonly address: RateLimiterPostgres;
  private readonly unknownAddress: RateLimiterPostgres;

  constructor(readonly policy: SigninLimitPolicy = DEFAULT_SIGNIN_POLICY) {
    const limiter = (keyPrefix: string, points: number) =>
      new RateLimiterPostgres({
        storeClient: poolStore,
        storeType: "pool",
        tableName: "signin_limits",
        tableCreated: true, // created by prisma/migrations/…_signin_limits
        keyPrefix,
        points,
        duration: policy.windowSeconds,
      });
    this.account = limiter("signin-account", policy.accountFailures);
    this.address = limiter("signin-address", policy.addressFailures);
    this.unknownAddress = limiter("signin-address", policy.unknownAddressFailures);
  }

  private byAddress(address: string | null): { limiter: RateLimiterPostgres; key: string } {
    return address ? { limiter: this.address, key: addressBucket(address) } : { limiter: this.unknownAddress, key: UNKNOWN_ADDRESS };
  }

  /** Whether an attempt for this account from this address may check a password now. */
  async check(email: string, address: string | null): Promise<SigninCheck> {
    const byAddress = this.byAddress(address);
    const [acct, addr] = await Promise.all([this.account.get(accountKey(email)), byAddress.limiter.get(byAddress.key)]);
    const locked = (res: RateLimiterRes | null, limit: number) => res !== null && res.consumedPoints >= limit;
    if (locked(acct, this.account.points)) return { allowed: false, scope: "account", retryAfterSeconds: seconds(acct!) };
    if (locked(addr, byAddress.limiter.points)) return { allowed: false, scope: "address", retryAfterSeconds: seconds(addr!) };
    return { allowed: true };
  }

  /** Counts a failed attempt; returns the scopes this failure locked (for the audit trail). */
  async recordFailure(email: string, address: string | null): Promise<LimitScope[]> {
    const byAddress = this.byAddress(address);
    const count = async (limiter: RateLimiterPostgres, key: string): Promise<boolean> => {
      const res = await limiter.penalty(key, 1);
      // The failure that reaches the limit starts the lock (from now, for lockSeconds).
      if (res.consumedPoints < limiter.points || res.consumedPoints - 1 >= limiter.points) return false;
      await limiter.block(key, this.policy.lockSeconds);
      return true;
    };
    const [acct, addr] = await Promise.all([count(this.account, accountKey(email)), count(byAddress.limiter, byAddress.key)]);
    return [...(acct ? (["account"] as const) : []), ...(addr ? (["address"] as const) : [])];
  }

  /** A correct password: the account's failures no longer count. */
  async recordSuccess(email: string): Promise<void> {
    await this.account.delete(accountKey(email));
  }
}

function seconds(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

/** The process's limiter (its counts live in the database). */
export function signinLimiter(): SigninLimiter {
  return processSingleton("signin-limiter", () => new SigninLimiter());
}
