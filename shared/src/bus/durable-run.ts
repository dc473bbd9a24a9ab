/**
 * Running one durable message through a consumer's handler, the same way for both adapters:
 * inside the publisher's trace, settled exactly once, auto-acked on success, nak'ed after a throw.
 */
import type { Logger } from '../logging/index.js';
import { recordGetter, withConsumerSpan } from '../telemetry/index.js';
import type { ConsumerOptions, DurableMessage } from './port.js';

/** A transient failure gets a pause before its retry, so a hiccup does not turn into a hot loop. */
export const NAK_DELAY_ON_ERROR_MS = 1_000;

export interface Settlement {
  ack(): void;
  nak(delayMs?: number): void;
  term(reason?: string): void;
}

export interface DeliveredMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  readonly seq: number;
  readonly deliveryCount: number;
}

export async function runDurableHandler(
  system: string,
  options: ConsumerOptions,
  delivered: DeliveredMessage,
  settlement: Settlement,
  logger: Logger,
): Promise<void> {
  let settled = false;
  const once =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A): void => {
      if (settled) return;
      settled = true;
      fn(...args);
    };
  const message: DurableMessage = {
    ...delivered,
    ack: once(() => settlement.ack()),
    nak: once((delayMs?: number) => settlement.nak(delayMs)),
    term: once((reason?: string) => settlement.term(reason)),
  };
  try {
    await withConsumerSpan(system, options.durable, delivered.subject, delivered.headers, recordGetter, () =>
      options.handler(message),
    );
    message.ack();
  } catch (error) {
    if (!settled) {
      logger.warn(
        {
          err: error,
          durable: options.durable,
          subject: delivered.subject,
          seq: delivered.seq,
          deliveryCount: delivered.deliveryCount,
        },
        'Durable handler failed; message will be redelivered',
      );
    }
    message.nak(NAK_DELAY_ON_ERROR_MS);
  }
}
