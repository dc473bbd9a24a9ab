/**
 * The projection rebuild command, against a running platform on the same database: the users read model
 * is damaged on purpose, rebuilt from the events beside the live projection, and comes back whole.
 */
import { createLogger } from '@cairn/shared/logging';
import { createTestDatabase, type TestDatabase } from '@cairn/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startPlatform } from '../src/platform.js';
import { rebuildServiceProjection, UnknownProjectionError } from '../src/rebuild.js';

const logger = createLogger({ name: 'rebuild-test', level: 'silent' });
const USERNAMES = ['rebuild-ann', 'rebuild-bob', 'rebuild-cy'];

describe('npm run projections:rebuild', () => {
  let db: TestDatabase;
  let platform: Platform;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = { DATABASE_URL: db.url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', CAIRN_PASSWORD_HASH_COST: '10' };
    platform = await startPlatform({ env, logger });
    for (const username of USERNAMES) {
      const response = await fetch(`${platform.url}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: 'correct horse battery' }),
      });
      expect(response.status, await response.clone().text()).toBe(201);
    }
  });
  afterAll(async () => {
    await platform?.stop();
    await db?.drop();
  });

  const storedUsernames = async (): Promise<string[]> => {
    const { rows } = await platform.infrastructure.pool.query<{ username: string }>(
      'SELECT username FROM auth.users ORDER BY username',
    );
    return rows.map((row) => row.username);
  };

  it('replays the users read model from the events and swaps it in', async () => {
    await expect.poll(storedUsernames, { timeout: 5000 }).toEqual(USERNAMES);
    await platform.infrastructure.pool.query(`DELETE FROM auth.users WHERE username = 'rebuild-bob'`);
    expect(await storedUsernames()).toEqual(['rebuild-ann', 'rebuild-cy']);

    const result = await rebuildServiceProjection(env, 'auth', 'auth-users', logger);

    expect(result).toMatchObject({ kind: 'projection', events: expect.any(Number) });
    expect(result.kind === 'projection' && result.events).toBeGreaterThanOrEqual(USERNAMES.length);
    expect(await storedUsernames()).toEqual(USERNAMES);
  });

  it('names the known projections when asked for an unknown one', async () => {
    await expect(rebuildServiceProjection(env, 'auth', 'nope', logger)).rejects.toThrow(UnknownProjectionError);
    await expect(rebuildServiceProjection(env, 'auth', 'nope', logger)).rejects.toThrow(/auth-users/);
    await expect(rebuildServiceProjection(env, 'billing', 'users', logger)).rejects.toThrow(/unknown service/);
    await expect(rebuildServiceProjection(env, 'sync', 'nope', logger)).rejects.toThrow(/sync-changelog/);
  });

  it('rebuilds the sync change log in place through the same command', async () => {
    const result = await rebuildServiceProjection(env, 'sync', 'sync-changelog', logger);
    expect(result).toEqual({ kind: 'custom', summary: { users: expect.any(Number), changes: 0, rewritten: 0 } });
  });
});
