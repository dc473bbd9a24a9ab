/**
 * What only the NATS adapter has: services discoverable through the NATS services API (`$SRV`), and
 * the subject namespace that keeps parallel test files (or tenants of one server) apart.
 */
import { Svcm } from '@nats-io/services';
import { connect } from '@nats-io/transport-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/bus/index.js';
import { createLogger } from '../../src/logging/index.js';
import { createTestNatsBus, dropTestStream, testNatsUrl } from '../../src/testing/nats.js';
import { unique } from './helpers.js';

const logger = createLogger({ name: 'nats-services-test', level: 'silent' });
const context = { requestId: 'r-1' };
const buses: Bus[] = [];
/** A second namespace, with its own stream, standing in for another test file on the same server. */
const other = { subjectPrefix: unique('other'), stream: unique('OTHER').toUpperCase() };
const open = async (options: Parameters<typeof createTestNatsBus>[0] = {}) => {
  const bus = await createTestNatsBus({ logger, ...options });
  buses.push(bus);
  return bus;
};

afterAll(async () => {
  await Promise.all(buses.map((bus) => bus.close()));
  await dropTestStream();
  await dropTestStream(other.stream);
});

describe('NATS services API', () => {
  it('registers cairn-<name> with one endpoint per operation (and health) in the service queue group', async () => {
    const bus = await open();
    const name = unique('disco');
    await bus.serve({ name, version: '1.2.3', description: 'discovery test', operations: { find: async () => 1 } });
    await bus.request(name, 'find', {}, { context });

    const nc = await connect({ servers: testNatsUrl() });
    try {
      const client = new Svcm(nc as unknown as ConstructorParameters<typeof Svcm>[0]).client();
      const infos = [];
      for await (const info of await client.info(`cairn-${name}`)) infos.push(info);
      expect(infos).toHaveLength(1);
      expect(infos[0]).toMatchObject({ name: `cairn-${name}`, version: '1.2.3', description: 'discovery test' });
      const endpoints = infos[0]!.endpoints.map((e) => [
        e.name,
        e.subject.split('.').slice(1).join('.'),
        e.queue_group,
      ]);
      expect(endpoints.sort()).toEqual([
        ['find', `cairn.rpc.${name}.find`, `cairn-${name}`],
        ['health', `cairn.rpc.${name}.health`, `cairn-${name}`],
      ]);

      const stats = [];
      for await (const s of await client.stats(`cairn-${name}`)) stats.push(s);
      const find = stats[0]?.endpoints?.find((e) => e.name === 'find');
      expect(find?.num_requests).toBe(1);
    } finally {
      await nc.close();
    }
  });
});

describe('subject namespaces', () => {
  it('keeps buses with different prefixes from answering each other', async () => {
    const mine = await open();
    const theirs = await open(other);
    const name = unique('iso');
    await mine.serve({ name, version: '1.0.0', operations: { op: async () => 'mine' } });
    await expect(theirs.request(name, 'op', {}, { context, timeoutMs: 500 })).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });
    expect(await mine.request(name, 'op', {}, { context })).toEqual({ ok: true, data: 'mine' });
  });
});
