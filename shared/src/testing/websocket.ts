/**
 * A WebSocket client for tests (`ws`, as a Node client would use it) whose messages and close can be
 * awaited: `next()` resolves with the next JSON message, in order, whether it came before or after the call.
 */
import { WebSocket } from 'ws';

export interface TestSocket {
  readonly socket: WebSocket;
  /** The next JSON message, waiting up to `timeoutMs`. */
  next(timeoutMs?: number): Promise<any>;
  /** The close code and reason, once the socket has closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Sends a string as is, anything else as JSON. */
  send(message: unknown): void;
  close(): void;
}

/** Opens `url` (ws://…) and resolves once the socket is open. */
export function openTestSocket(url: string, options: { autoPong?: boolean } = {}): Promise<TestSocket> {
  const socket = new WebSocket(url, { autoPong: options.autoPong ?? true });
  const queue: any[] = [];
  const waiters: ((message: any) => void)[] = [];
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString());
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else queue.push(message);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  const testSocket: TestSocket = {
    socket,
    closed,
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    close: () => socket.close(),
    next: (timeoutMs = 3_000) =>
      new Promise((resolve, reject) => {
        if (queue.length > 0) {
          resolve(queue.shift());
          return;
        }
        const waiter = (message: any) => {
          clearTimeout(timer);
          resolve(message);
        };
        const timer = setTimeout(() => {
          const index = waiters.indexOf(waiter);
          if (index >= 0) waiters.splice(index, 1);
          reject(new Error(`no WebSocket message within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
      }),
  };
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(testSocket));
    socket.once('error', reject);
  });
}

/** `http://host:port` → `ws://host:port`. */
export const wsUrl = (baseUrl: string, path: string): string => baseUrl.replace(/^http/, 'ws') + path;
