/**
 * The end of every entry point: wait for SIGTERM (Kubernetes, `kill`) or SIGINT (Ctrl-C), then stop
 * gracefully and exit 0. The caller's `stop` decides the order (gateway readiness first, then services,
 * then infrastructure). A second signal, or a stop that takes too long, forces the exit.
 */
import type { Logger } from '../logging/index.js';

export interface SignalOptions {
  readonly logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Longest a graceful stop may take before the process exits anyway (default 30 s, under Kubernetes' 30 s grace). */
  readonly timeoutMs?: number;
  readonly signals?: readonly NodeJS.Signals[];
  /**
   * A repeat of the same signal this soon after the first is the same request delivered twice, not an
   * impatient user: `npm start` and `tsx` both forward a terminal's Ctrl-C to a child that the terminal
   * also signalled directly. Default 1 s.
   */
  readonly duplicateWindowMs?: number;
  /** For tests: where signals come from and how the process exits. */
  readonly target?: Pick<NodeJS.Process, 'on' | 'off'>;
  readonly exit?: (code: number) => void;
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** Installs the handlers and returns a function that removes them again. */
export function runUntilSignalled(stop: () => Promise<void>, options: SignalOptions = {}): () => void {
  const {
    logger,
    timeoutMs = 30_000,
    signals = ['SIGTERM', 'SIGINT'],
    duplicateWindowMs = 1_000,
    target = process,
    exit = (code: number) => process.exit(code),
  } = options;
  let first: { signal: NodeJS.Signals; at: number } | undefined;

  const onSignal = (signal: NodeJS.Signals) => {
    if (first) {
      if (signal === first.signal && Date.now() - first.at < duplicateWindowMs) return;
      logger?.warn({ signal }, 'second signal: exiting without finishing the graceful stop');
      exit(128 + (SIGNAL_NUMBERS[signal] ?? 0));
      return;
    }
    first = { signal, at: Date.now() };
    logger?.info({ signal }, 'stopping gracefully (send the signal again to force)');
    const timer = setTimeout(() => {
      logger?.error({ timeoutMs }, 'graceful stop timed out: exiting');
      exit(1);
    }, timeoutMs);
    timer.unref();
    stop().then(
      () => {
        clearTimeout(timer);
        logger?.info('stopped');
        exit(0);
      },
      (error: unknown) => {
        clearTimeout(timer);
        logger?.error({ err: error }, 'graceful stop failed');
        exit(1);
      },
    );
  };

  for (const signal of signals) target.on(signal, onSignal);
  return () => {
    for (const signal of signals) target.off(signal, onSignal);
  };
}
