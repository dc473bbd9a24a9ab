/**
 * Killing the sync service mid-stream (SIGKILL: no graceful stop, messages in flight, transactions cut
 * off) and starting it again loses and repeats nothing: the durable consumer redelivers what was not
 * acknowledged and the change log records each event once. The sync service runs as a process of its
 * own on NATS, as in Kubernetes; everything else runs in this process on the same NATS and database.
 */
import { freePort } from '@cairn/shared/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_NAMES } from '../src/services.js';
import { type Client, client, eventually, expectOk, register } from './support/client.js';
import { startTestPlatform, type TestPlatform } from './support/platform.js';
import { type Run, startProcess, waitFor200 } from './support/processes.js';
import { SyncClient, snapshotOf, versionsOf } from './support/sync-client.js';

describe('the sync service killed mid-stream and started again', () => {
  let platform: TestPlatform;
  let api: Client;
  let sync: Run | undefined;

  const startSync = async () => {
    const healthPort = await freePort();
    const run = startProcess('sync', {
      ...platform.env,
      HEALTH_PORT: String(healthPort),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    await waitFor200(`http://127.0.0.1:${healthPort}/ready`, run);
    return run;
  };

  beforeAll(async () => {
    platform = await startTestPlatform('distributed', { services: SERVICE_NAMES.filter((name) => name !== 'sync') });
    api = client(platform.url);
    sync = await startSync();
  });
  afterAll(async () => {
    if (sync && sync.child.exitCode === null) sync.child.kill('SIGKILL');
    await platform?.stop();
  });

  it('loses and repeats nothing', async () => {
    const token = (await register(api, 'sync-killed')).accessToken;
    const follower = new SyncClient(api, token);
    await follower.start();

    // Writes keep coming while the sync process dies and comes back.
    let written = 0;
    const writes = (async () => {
      for (let batch = 0; batch < 6; batch++) {
        const operations = Array.from({ length: 25 }, (_, i) => ({
          action: 'create',
          data: { id: `acc-${batch}-${i}`, email: `acc-${batch}-${i}@example.com` },
        }));
        const result = expectOk(await api.post('/api/v2/accounts/batch', { operations }, { token }));
        written += result.summary.succeeded;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    await eventually(
      'some changes reached the log',
      async () => (await snapshotOf(api, token)).accounts.length > 0,
      10_000,
    );
    sync?.child.kill('SIGKILL');
    await sync?.exited;
    sync = await startSync();
    await writes;
    expect(written).toBe(150);

    let snapshot = await snapshotOf(api, token);
    await eventually(
      'every write reached the change log',
      async () => {
        snapshot = await snapshotOf(api, token);
        return snapshot.accounts.length === 150;
      },
      // A message the killed process held comes back after the consumer's ack wait (5 s).
      30_000,
    );
    await follower.pull(40);
    expect(follower.versions()).toEqual(versionsOf(snapshot));
    expect(follower.repeats).toBe(0);
    // Exactly one change per write: the log's numbering shows nothing was recorded twice.
    expect(Buffer.from(follower.cursor, 'base64url').toString()).toBe('c1.150');
  });
});
