/**
 * NATS for test files. The server comes from setup-nats.ts (globalSetup); each test file gets its own
 * subject namespace and events stream, so files run in parallel against one server without seeing each
 * other's requests, notifications or events.
 */
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { inject } from 'vitest';
import { createNatsBus, type NatsBusOptions } from '../bus/index.js';
import type { Bus } from '../bus/port.js';

/** Module state is per test file: vitest isolates each file's modules. */
const fileId = randomBytes(5).toString('hex');

export function testNatsUrl(): string {
  const url = inject('natsUrl') ?? process.env.NATS_URL;
  if (!url) throw new Error('No NATS URL: is shared/src/testing/setup-nats.ts in vitest globalSetup?');
  return url;
}

/** The subject namespace of this test file: every bus from `createTestNatsBus` puts it before each subject. */
export function testSubjectPrefix(): string {
  return `t${fileId}`;
}

/** The events stream of this test file. */
export function testStreamName(): string {
  return `TEST_${fileId.toUpperCase()}`;
}

/** Left-over test streams empty themselves after this long, should a file die before its clean-up. */
const TEST_STREAM_MAX_AGE_MS = 3_600_000;

/**
 * A NATS bus in this file's namespace. Several of them (a gateway and its services, two replicas) see
 * each other as they would in production. Close them, then call `dropTestStream()` in `afterAll`.
 */
export function createTestNatsBus(options: Partial<NatsBusOptions> = {}): Promise<Bus> {
  return createNatsBus({
    servers: testNatsUrl(),
    stream: testStreamName(),
    subjectPrefix: testSubjectPrefix(),
    maxAgeMs: TEST_STREAM_MAX_AGE_MS,
    ...options,
  });
}

/** Deletes this file's events stream (and its consumers). Safe to call when it does not exist. */
export async function dropTestStream(stream = testStreamName()): Promise<void> {
  const nc = await connect({ servers: testNatsUrl() });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(stream).catch(() => false);
  } finally {
    await nc.close();
  }
}
