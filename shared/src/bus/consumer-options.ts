import type { ConsumerOptions } from './port.js';
import { assertToken } from './subjects.js';

export const DEFAULT_ACK_WAIT_MS = 30_000;
export const DEFAULT_MAX_DELIVER = 10;

export interface ResolvedConsumerOptions extends ConsumerOptions {
  readonly ackWaitMs: number;
  readonly maxDeliver: number;
  readonly deliverPolicy: 'all' | 'new';
}

/** Defaults and checks shared by both adapters, so a bad option fails the same way on each. */
export function resolveConsumerOptions(options: ConsumerOptions): ResolvedConsumerOptions {
  assertToken('durable name', options.durable);
  if (options.filterSubjects.length === 0)
    throw new Error(`Consumer "${options.durable}" needs at least one filter subject`);
  const ackWaitMs = options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
  const maxDeliver = options.maxDeliver ?? DEFAULT_MAX_DELIVER;
  if (!(ackWaitMs > 0)) throw new Error('ackWaitMs must be positive');
  if (!(maxDeliver >= 1)) throw new Error('maxDeliver must be at least 1');
  return { ...options, ackWaitMs, maxDeliver, deliverPolicy: options.deliverPolicy ?? 'all' };
}

/**
 * Waits for an in-flight handler when a consumer closes, but no longer than its ack wait: by then the
 * message is due for redelivery anyway, and a stuck handler must not hang shutdown.
 */
export async function settleWithin(work: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (!work) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work.catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
