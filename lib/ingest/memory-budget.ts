// A memory budget for the receivers' requests in flight. The Limiter bounds how many requests
// decode at once; this bounds what they hold together: each request is charged for its body on
// the wire (from Content-Length, before it is read) and then for what decoding it will build
// (DECODE_FACTOR × its decompressed size); when the charges in flight would pass the budget the
// request is refused with 503 + Retry-After (OverloadedError) instead of growing the heap. A
// request alone is always admitted: the body cap already bounds it, and refusing it would refuse
// that batch forever.

import { OverloadedError } from "./limiter";

/**
 * Heap built per decompressed byte while a batch is decoded, normalized and written (measured
 * with scripts/measure-decode-memory.ts: 56 MiB peak for an 8 MiB body at the decode caps, i.e. 7
 * including the body itself; real Claude Code batches need 3–4).
 */
export const DECODE_FACTOR = 6;

export class MemoryBudgetExceededError extends OverloadedError {
  constructor(budgetBytes: number) {
    super(`ingest memory budget (${Math.round(budgetBytes / 1048576)} MiB for requests in flight) is spent, retry later`);
  }
}

export interface Reservation {
  /** Charges the request `bytes` in all (more or less than before); throws MemoryBudgetExceededError when that does not fit. */
  resize(bytes: number): void;
  release(): void;
}

export class MemoryBudget {
  private used = 0;
  private holders = 0;

  constructor(private readonly budgetBytes: number) {}

  /** Bytes charged to the requests in flight (for tests and the health page). */
  get inFlightBytes(): number {
    return this.used;
  }

  /** Charges a new request `bytes`; throws MemoryBudgetExceededError when that does not fit. */
  reserve(bytes: number): Reservation {
    this.admit(0, bytes, false);
    this.holders += 1;
    let charged = bytes;
    this.used += charged;
    let released = false;
    return {
      resize: (next: number) => {
        if (released) return;
        this.admit(charged, next, true);
        this.used += next - charged;
        charged = next;
      },
      release: () => {
        if (released) return;
        released = true;
        this.used -= charged;
        this.holders -= 1;
      },
    };
  }

  /** A request may grow from `current` to `next` unless others hold memory and the sum would pass the budget. */
  private admit(current: number, next: number, holding: boolean): void {
    if (this.budgetBytes <= 0 || next <= current) return;
    const alone = this.holders - (holding ? 1 : 0) === 0;
    if (!alone && this.used - current + next > this.budgetBytes) throw new MemoryBudgetExceededError(this.budgetBytes);
  }
}
