/** The NATS connection: reconnect forever with capped exponential backoff, and log what happens to it. */
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import type { Logger } from '../../logging/index.js';

export interface ConnectionOptions {
  readonly servers: string | readonly string[];
  readonly name?: string;
  readonly logger: Logger;
}

const BACKOFF_START_MS = 250;
const BACKOFF_MAX_MS = 5_000;

export async function openConnection(options: ConnectionOptions): Promise<NatsConnection> {
  let attempt = 0;
  const nc = await connect({
    servers: typeof options.servers === 'string' ? options.servers : [...options.servers],
    ...(options.name ? { name: options.name } : {}),
    // A service whose bus is down is useless but must come back by itself when the bus does.
    maxReconnectAttempts: -1,
    reconnectDelayHandler: () => {
      const base = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** attempt++);
      return base / 2 + Math.random() * (base / 2);
    },
    // The client otherwise records a stack per request for nicer errors: a cost on the RPC hot path.
    noAsyncTraces: true,
  });
  void watchStatus(nc, options.logger, () => {
    attempt = 0;
  });
  return nc;
}

async function watchStatus(nc: NatsConnection, logger: Logger, onReconnect: () => void): Promise<void> {
  for await (const status of nc.status()) {
    switch (status.type) {
      case 'disconnect':
        logger.warn({ server: status.server }, 'NATS disconnected');
        break;
      case 'reconnect':
        onReconnect();
        logger.info({ server: status.server }, 'NATS reconnected');
        break;
      case 'error':
        logger.error({ err: status.error }, 'NATS error');
        break;
      case 'slowConsumer':
        logger.warn({ subject: status.sub.getSubject() }, 'NATS slow consumer');
        break;
      default:
        break;
    }
  }
}

/** Whether the connected server is at least `major.minor` (some JetStream features depend on it). */
export function serverAtLeast(nc: NatsConnection, major: number, minor: number): boolean {
  const [serverMajor = 0, serverMinor = 0] = (nc.info?.version ?? '0.0.0').split('.').map(Number);
  return serverMajor > major || (serverMajor === major && serverMinor >= minor);
}
