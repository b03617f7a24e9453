// Back-pressure for the receivers: at most `concurrency` requests decode and write at once, at
// most `queue` wait; beyond that a request is refused with 503 + Retry-After, which OTLP
// exporters treat as "retry later" instead of piling up memory on this server.

export class OverloadedError extends Error {
  constructor(message = "ingest is overloaded, retry later") {
    super(message);
  }
}

export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly concurrency: number, private readonly queue: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.queue) throw new OverloadedError();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active += 1;
    }
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // Hand the slot straight to the next waiter; otherwise free it.
      if (next) next();
      else this.active -= 1;
    }
  }
}
