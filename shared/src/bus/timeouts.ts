/**
 * Request timeouts without a timer per request. Calls with the same timeout expire in the order they
 * were made, so each timeout length keeps its calls in insertion order with one timer for the oldest;
 * finishing a call is a set deletion. The timer stays armed when its line empties (re-arming per call
 * would cost as much as a timer per call: in-process calls mostly finish before the next one starts),
 * but it is unref'd then, so an idle bus keeps no process alive; a waiting call refs it again.
 */

export interface PendingTimeout {
  readonly expiresAt: number;
  readonly expire: () => void;
  readonly line: Line;
}

interface Line {
  readonly timeoutMs: number;
  readonly waiting: Set<PendingTimeout>;
  timer: NodeJS.Timeout | undefined;
}

/** Lines are kept for reuse while empty, unless callers use more distinct timeouts than this. */
const MAX_LINES = 32;

export class TimeoutQueue {
  private readonly lines = new Map<number, Line>();

  /** Calls `expire` once `timeoutMs` has passed, unless `done` is called first. */
  start(timeoutMs: number, expire: () => void): PendingTimeout {
    let line = this.lines.get(timeoutMs);
    if (line === undefined) {
      line = { timeoutMs, waiting: new Set(), timer: undefined };
      this.lines.set(timeoutMs, line);
    }
    const pending: PendingTimeout = { expiresAt: performance.now() + timeoutMs, expire, line };
    line.waiting.add(pending);
    if (line.timer === undefined) this.arm(line, timeoutMs);
    else if (line.waiting.size === 1) line.timer.ref();
    return pending;
  }

  done(pending: PendingTimeout): void {
    const { line } = pending;
    if (line.waiting.delete(pending) && line.waiting.size === 0) line.timer?.unref();
  }

  private arm(line: Line, delayMs: number): void {
    clearTimeout(line.timer);
    line.timer = setTimeout(() => this.expire(line), Math.max(1, Math.ceil(delayMs)));
  }

  private expire(line: Line): void {
    line.timer = undefined;
    const now = performance.now();
    for (const pending of line.waiting) {
      if (pending.expiresAt > now) {
        this.arm(line, pending.expiresAt - now);
        return;
      }
      line.waiting.delete(pending);
      pending.expire();
    }
    if (this.lines.size > MAX_LINES) this.lines.delete(line.timeoutMs);
  }
}
