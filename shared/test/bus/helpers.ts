/** Small tools for the bus contract: unique names, waiting for deliveries, capturing log lines. */
import { randomBytes } from 'node:crypto';
import type { Bus } from '../../src/bus/index.js';
import { createLogger, type Logger } from '../../src/logging/index.js';

/** What a contract run needs from an adapter. */
export interface BusHarness {
  /**
   * A bus in the harness's world. Over NATS each call opens a new connection (another process, as far
   * as the server can tell); in process it is the one shared bus. The harness closes them all.
   */
  connect(): Promise<Bus>;
  dispose(): Promise<void>;
}

export type HarnessFactory = (logger: Logger) => Promise<BusHarness>;

/** A token no other test uses, for service names, subjects and durables. */
export const unique = (label: string): string => `${label}${randomBytes(4).toString('hex')}`;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (data: Uint8Array): string => new TextDecoder().decode(data);

/** Collects values as they arrive; `waitFor(n)` resolves once n have, or fails after a bound. */
export function collector<T>() {
  const items: T[] = [];
  let wake: (() => void) | undefined;
  return {
    items,
    push(item: T): void {
      items.push(item);
      wake?.();
    },
    async waitFor(count: number, timeoutMs = 5_000): Promise<T[]> {
      const deadline = Date.now() + timeoutMs;
      while (items.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`Expected ${count} items within ${timeoutMs} ms, got ${items.length}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.min(left, 50));
        });
      }
      return items;
    },
  };
}

/** A logger whose JSON lines the test can read back. */
export function captureLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const raw: string[] = [];
  const logger = createLogger(
    { name: 'bus-contract', level: 'debug' },
    { write: (line: string) => void raw.push(line) },
  );
  return { logger, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** A promise with its resolver, for handlers a test releases on purpose. */
export function gate<T = void>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
