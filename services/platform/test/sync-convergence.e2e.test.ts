/**
 * Convergence (issue: Sync): several clients of one user write at the same time through REST and push,
 * with deletes, in a random interleaving; each client follows `changes` from the cursor of its own
 * snapshot (taken at a different moment). When the writing stops, every client holds exactly the
 * server's snapshot (ids and versions), never received an item twice at one version, and the snapshot
 * agrees with the accounts API. Repeated with fresh random interleavings, in both run modes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, client, eventually, expectOk, register } from './support/client.js';
import { MODES, startTestPlatform, type TestPlatform } from './support/platform.js';
import { SyncClient, snapshotOf, versionsOf } from './support/sync-client.js';

const ROUNDS = 3;
const WRITERS = 3;
const OPERATIONS_PER_WRITER = 12;

/** A small deterministic generator, so a failing interleaving can be replayed from its seed. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe.each(MODES)('sync convergence, %s', (_label, mode) => {
  let platform: TestPlatform;
  let api: Client;
  beforeAll(async () => {
    platform = await startTestPlatform(mode);
    api = client(platform.url);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: every client ends with exactly the snapshot`, async () => {
      const seed = Date.now() + round;
      const next = random(seed);
      const token = (await register(api, `converge-${mode}-${round}`)).accessToken;
      const ids = Array.from({ length: 8 }, (_, i) => `acc-${i}`);

      // One write: REST or push, create, update or delete of a random account, or a group.
      const write = async (writer: number, step: number) => {
        const id = ids[Math.floor(next() * ids.length)] as string;
        const choice = next();
        const current = await api.get(`/api/v2/accounts/${id}`, { token });
        const version = current.status === 200 ? (current.body.data.version as number) : undefined;
        const live = current.status === 200 && current.body.data.deletedAt === null;
        if (choice < 0.15) {
          await api.post('/api/v2/groups', { name: `g-${writer}-${step}` }, { token });
        } else if (!live && version === undefined) {
          if (choice < 0.55) await api.post('/api/v2/accounts', { id, email: `${id}@example.com` }, { token });
          else await push(writer, step, { accounts: { created: [{ id, email: `${id}@push.example.com` }] } });
        } else if (!live) {
          await api.post(`/api/v2/accounts/${id}/restore`, {}, { token });
        } else if (choice < 0.45) {
          await api.put(`/api/v2/accounts/${id}`, { version, email: `${id}-${writer}-${step}@example.com` }, { token });
        } else if (choice < 0.7) {
          await push(writer, step, { accounts: { updated: [{ id, version, nickname: `n-${writer}-${step}` }] } });
        } else if (choice < 0.85) {
          await api.delete(`/api/v2/accounts/${id}`, { token });
        } else {
          await push(writer, step, { accounts: { deleted: [{ id, version }] } });
        }
      };
      const push = (writer: number, step: number, changes: unknown) =>
        api.post('/api/v2/sync/push', { clientId: `w-${writer}`, mutationId: `${round}-${step}`, changes }, { token });

      // Clients join at different moments: before, during and after the first writes.
      const clients: SyncClient[] = [];
      const join = async () => {
        const joined = new SyncClient(api, token);
        await joined.start();
        clients.push(joined);
      };
      await join();
      const writers = Array.from({ length: WRITERS }, async (_, writer) => {
        for (let step = 0; step < OPERATIONS_PER_WRITER; step++) {
          await write(writer, writer * 100 + step);
          if (writer === 0 && step === 3) await join();
          if (next() < 0.3) await clients[Math.floor(next() * clients.length)]?.pull(3);
        }
      });
      await Promise.all(writers);
      await join();

      // Once the change log holds every write, the snapshot agrees with the accounts API.
      let snapshot = await snapshotOf(api, token);
      await eventually(
        'the change log catches up with the accounts service',
        async () => {
          snapshot = await snapshotOf(api, token);
          const listed = expectOk(await api.get('/api/v2/accounts?pageSize=200', { token }));
          const groups = expectOk(await api.get('/api/v2/groups?pageSize=200', { token }));
          const fromApi = [
            ...listed.items.map((a: { id: string; version: number }) => [`accounts/${a.id}`, a.version]),
            ...groups.items.map((g: { id: string; version: number }) => [`groups/${g.id}`, g.version]),
          ];
          const fromSync = Object.entries(versionsOf(snapshot)).filter(([key]) => /^(accounts|groups)\//.test(key));
          return JSON.stringify(Object.fromEntries(fromApi.sort())) === JSON.stringify(Object.fromEntries(fromSync));
        },
        15_000,
      );

      for (const [index, each] of clients.entries()) {
        await each.pull(5);
        expect(each.versions(), `client ${index}, seed ${seed}`).toEqual(versionsOf(snapshot));
        expect(each.cursor, `client ${index}, seed ${seed}`).toBe(snapshot.cursor);
        expect(each.repeated, `client ${index}, seed ${seed}`).toEqual([]);
      }
    });
  }
});
