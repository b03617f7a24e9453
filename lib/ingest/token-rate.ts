import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";

// A per-token ingest rate, so that one token (a leaked laptop's, a runaway collector's) cannot
// take the whole receiver from the others: past its rate a token gets 429 + Retry-After, which
// OTLP exporters honour, while other tokens are served.
//
// The unit is records (log records, spans, data points): what costs the server. A request also
// costs REQUEST_COST_IN_RECORDS on top of its records, for its fixed cost (HTTP, auth, one
// transaction), so a flood of tiny requests is limited too. The request's cost is charged before
// the body is read, its records once decoded, before anything is written.
//
// The counters live in this process's memory (rate-limiter-flexible's RateLimiterMemory): about a
// microsecond per check. A Postgres store would add two statements per request on the hot path
// and make every request of a token that many laptops share wait on the same row; with several
// app instances behind a load balancer each enforces the rate on its own share of the traffic.

export const REQUEST_COST_IN_RECORDS = 20;
/** The rate is enforced over fixed windows of this many seconds, which allows bursts within a window. */
export const RATE_WINDOW_SECONDS = 10;

export class TokenRateExceededError extends Error {
  constructor(readonly retryAfterSeconds: number, recordsPerSecond: number) {
    super(`this ingest token exceeded its rate of ${recordsPerSecond} records/s (BLINDSPOT_INGEST_TOKEN_RATE); retry after ${retryAfterSeconds} s`);
  }
}

export class TokenRateLimiter {
  private readonly limiter: RateLimiterMemory | null;

  /** recordsPerSecond 0 turns the limit off. */
  constructor(private readonly recordsPerSecond: number, maxRecordsPerRequest: number) {
    // A window must hold the largest allowed request, or such a request could never pass.
    const points = Math.max(recordsPerSecond * RATE_WINDOW_SECONDS, maxRecordsPerRequest + REQUEST_COST_IN_RECORDS);
    this.limiter = recordsPerSecond > 0 ? new RateLimiterMemory({ points, duration: RATE_WINDOW_SECONDS }) : null;
  }

  /** Charges a request's fixed cost; throws TokenRateExceededError when the token is over its rate. */
  admitRequest(tokenId: string): Promise<void> {
    return this.charge(tokenId, REQUEST_COST_IN_RECORDS);
  }

  /** Charges the records of a decoded request, before it is stored. */
  admitRecords(tokenId: string, records: number): Promise<void> {
    return records > 0 ? this.charge(tokenId, records) : Promise.resolve();
  }

  private async charge(tokenId: string, points: number): Promise<void> {
    if (!this.limiter) return;
    try {
      await this.limiter.consume(tokenId, points);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      throw new TokenRateExceededError(Math.max(1, Math.ceil(err.msBeforeNext / 1000)), this.recordsPerSecond);
    }
  }
}
