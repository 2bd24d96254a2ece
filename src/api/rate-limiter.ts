/**
 * Sliding-window limiter: at most `limit` requests in any `windowMs`. The clock and sleep are
 * passed in so tests can drive it without waiting.
 */
export class RateLimiter {
  private readonly sent: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  async acquire(): Promise<void> {
    for (;;) {
      const t = this.now();
      while (this.sent.length > 0 && this.sent[0]! <= t - this.windowMs) this.sent.shift();
      if (this.sent.length < this.limit) {
        this.sent.push(t);
        return;
      }
      await this.sleep(this.sent[0]! + this.windowMs - t);
    }
  }
}
