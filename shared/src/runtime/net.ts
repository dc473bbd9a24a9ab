import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that nobody listens on right now, found by letting the OS pick one and closing
 * it again. Another process may still take it before the caller binds, so use it promptly.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
