/** Ephemeral notifications inside one process: NATS wildcards, delivery on a later tick, copies not references. */
import type { Logger } from '../../logging/index.js';
import { outgoingHeaders } from '../outgoing.js';
import type { Closeable, Notification } from '../port.js';
import { assertEphemeralSubject, matchesSubject } from '../subjects.js';

interface Subscription {
  readonly filter: string;
  readonly handler: (notification: Notification) => void;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

export class MemoryPubSub {
  private readonly subscriptions = new Set<Subscription>();

  constructor(private readonly logger: Logger) {}

  publish(subject: string, data: Uint8Array, headers?: Readonly<Record<string, string>>): void {
    assertEphemeralSubject(subject);
    const sent = outgoingHeaders(headers);
    const frozen = sent ? Object.freeze(sent) : NO_HEADERS;
    for (const subscription of this.subscriptions) {
      if (!matchesSubject(subscription.filter, subject)) continue;
      const notification: Notification = { subject, data: data.slice(), headers: frozen };
      setImmediate(() => {
        if (!this.subscriptions.has(subscription)) return;
        try {
          subscription.handler(notification);
        } catch (error) {
          this.logger.error({ err: error, subject }, 'Subscriber failed');
        }
      });
    }
  }

  subscribe(filter: string, handler: (notification: Notification) => void): Closeable {
    const subscription: Subscription = { filter, handler };
    this.subscriptions.add(subscription);
    return {
      close: async () => {
        this.subscriptions.delete(subscription);
      },
    };
  }

  closeAll(): void {
    this.subscriptions.clear();
  }
}
