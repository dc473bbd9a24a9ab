/** What the Accounts v2 end-to-end tests share: the list and batch shapes, and the published events. */
import { eventually } from './client.js';
import type { TestPlatform } from './platform.js';

export interface Page<T> {
  readonly items: T[];
  readonly page: number;
  readonly pageSize: number;
  readonly total: number;
}

export interface ItemResults<T> {
  readonly results: { index: number; success: boolean; data?: T; error?: { error: string; details?: any } }[];
  readonly summary: { total: number; succeeded: number; failed: number };
}

/** Every integration event the accounts service published so far (the stream keeps them all). */
export async function publishedAccountsEvents(
  platform: TestPlatform,
  expected: readonly string[],
): Promise<{ subject: string; type: string; data: any }[]> {
  const received: { subject: string; type: string; data: any }[] = [];
  const consumer = await platform.infrastructure.bus.consume({
    durable: `library-events-${Date.now()}`,
    filterSubjects: ['cairn.accounts.*.*.*'],
    handler: async (message) => {
      const event = JSON.parse(new TextDecoder().decode(message.data));
      received.push({ subject: message.subject, type: event.type, data: event.data });
    },
  });
  try {
    await eventually(
      `integration events ${expected.join(', ')}`,
      async () => expected.every((subject) => received.some((e) => e.subject === subject)),
      10_000,
    );
  } finally {
    await consumer.close();
  }
  return received;
}
