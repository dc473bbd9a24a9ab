/**
 * A desktop sync client as seed 003 describes one: it starts from a snapshot, keeps a local copy, and
 * follows `changes` from its cursor, applying created/updated/deleted. Tests compare its copy with the
 * server's snapshot to prove that following the cursor never misses or repeats a change.
 */
import { type Client, expectOk } from './client.js';

export const SYNCED = ['accounts', 'groups', 'tags', 'settings', 'machineIds'] as const;
type Synced = (typeof SYNCED)[number];

interface Delta {
  created: Array<Record<string, unknown>>;
  updated: Array<Record<string, unknown>>;
  deleted: string[];
}

export type Snapshot = Record<Synced, Array<Record<string, unknown>>> & { cursor: string; serverTime: number };
export type Changes = Record<Synced, Delta> & { cursor: string; serverTime: number; hasMore: boolean };

const keyOf = (resource: string, item: Record<string, unknown>) => `${resource}/${String(item.id)}`;

export class SyncClient {
  readonly local = new Map<string, Record<string, unknown>>();
  cursor = '';
  /** How many `created`/`updated` entries arrived for an item the client already had at that version. */
  repeats = 0;
  /** `resource/id@version` of each repeat, for the failure message. */
  readonly repeated: string[] = [];

  constructor(
    readonly api: Client,
    readonly token: string,
  ) {}

  async start(): Promise<Snapshot> {
    const snapshot = await snapshotOf(this.api, this.token);
    this.local.clear();
    for (const resource of SYNCED) for (const item of snapshot[resource]) this.local.set(keyOf(resource, item), item);
    this.cursor = snapshot.cursor;
    return snapshot;
  }

  private pulling: Promise<unknown> = Promise.resolve();

  /** Follows the cursor until the server has nothing more; one pull at a time, as a real client does. */
  pull(limit?: number): Promise<Changes[]> {
    const run = this.pulling.then(() => this.pullNow(limit));
    this.pulling = run.catch(() => undefined);
    return run;
  }

  private async pullNow(limit?: number): Promise<Changes[]> {
    const pages: Changes[] = [];
    for (;;) {
      const page = expectOk<Changes>(
        await this.api.post(
          '/api/v2/sync/changes',
          { cursor: this.cursor, ...(limit ? { limit } : {}) },
          { token: this.token },
        ),
      );
      this.apply(page);
      pages.push(page);
      if (!page.hasMore) return pages;
    }
  }

  apply(page: Changes): void {
    for (const resource of SYNCED) {
      const delta = page[resource];
      for (const item of [...delta.created, ...delta.updated]) {
        const known = this.local.get(keyOf(resource, item));
        if (known && known.version === item.version) {
          this.repeats++;
          this.repeated.push(`${keyOf(resource, item)}@${String(item.version)}`);
        }
        this.local.set(keyOf(resource, item), item);
      }
      for (const id of delta.deleted) this.local.delete(`${resource}/${id}`);
    }
    this.cursor = page.cursor;
  }

  /** `resource/id → version` of the local copy, for comparison with a snapshot. */
  versions(): Record<string, unknown> {
    return Object.fromEntries([...this.local].map(([key, item]) => [key, item.version]).sort());
  }
}

export async function snapshotOf(api: Client, token: string): Promise<Snapshot> {
  return expectOk<Snapshot>(await api.get('/api/v2/sync/snapshot', { token }));
}

export function versionsOf(snapshot: Snapshot): Record<string, unknown> {
  const entries: Array<[string, unknown]> = [];
  for (const resource of SYNCED)
    for (const item of snapshot[resource]) entries.push([keyOf(resource, item), item.version]);
  return Object.fromEntries(entries.sort());
}
