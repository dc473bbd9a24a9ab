/** A Bus passed through unchanged, except that it counts the subscriptions still open (to prove cleanup). */
import type { Bus, Closeable } from '@cairn/shared/bus';

export interface CountingBus extends Bus {
  readonly openSubscriptions: number;
}

export function countingBus(bus: Bus): CountingBus {
  let open = 0;
  return {
    serve: (service) => bus.serve(service),
    request: (service, operation, payload, options) => bus.request(service, operation, payload, options),
    publish: (subject, data, headers) => bus.publish(subject, data, headers),
    subscribe(subject, handler): Closeable {
      const subscription = bus.subscribe(subject, handler);
      open++;
      let closed = false;
      return {
        close: async () => {
          if (!closed) {
            closed = true;
            open--;
          }
          await subscription.close();
        },
      };
    },
    publishDurable: (subject, data, options) => bus.publishDurable(subject, data, options),
    consume: (options) => bus.consume(options),
    ping: () => bus.ping(),
    close: () => bus.close(),
    get openSubscriptions() {
      return open;
    },
  };
}
