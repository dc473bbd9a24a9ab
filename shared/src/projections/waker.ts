/** A sleep that a signal can cut short: followers poll, and an append in this process wakes them early. */
export class Waker {
  private pending: (() => void) | undefined;
  private signalled = false;

  /** Wakes the current sleep, or makes the next one return at once. */
  wake(): void {
    this.signalled = true;
    this.pending?.();
  }

  sleep(ms: number): Promise<void> {
    if (this.signalled) {
      this.signalled = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(finish, ms);
      const self = this;
      function finish() {
        clearTimeout(timer);
        self.pending = undefined;
        self.signalled = false;
        resolve();
      }
      this.pending = finish;
    });
  }
}

/** Exponential backoff with jitter, for retries after failures. */
export function backoffMs(failures: number, initialMs: number, maxMs: number): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, failures - 1));
  return Math.round(base / 2 + Math.random() * (base / 2));
}
