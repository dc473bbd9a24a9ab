/** A WebSocket client of the gateway (`ws`, as a Node client would use), with awaitable messages and close. */
import { openTestSocket, type TestSocket, wsUrl } from '@cairn/shared/testing';

export type { TestSocket } from '@cairn/shared/testing';

export function openSocket(baseUrl: string, token: string): Promise<TestSocket> {
  return openTestSocket(wsUrl(baseUrl, `/ws?token=${encodeURIComponent(token)}`));
}

/** A socket authenticated with `token` (its `auth_ok` already read). */
export async function openAuthenticatedSocket(baseUrl: string, token: string): Promise<TestSocket> {
  const socket = await openSocket(baseUrl, token);
  const first = await socket.next();
  if (first?.type !== 'auth_ok') throw new Error(`expected auth_ok, got ${JSON.stringify(first)}`);
  return socket;
}
