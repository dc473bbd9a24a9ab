/**
 * Waiting for the platform to finish the work a phase left behind before the next phase starts.
 * Writes answer once the accounts read model shows them, but the sync service's consumer records the
 * same changes in the user's change log afterwards, at its own pace: a phase that starts before it has
 * caught up measures its backlog too. Quiet = the user's change log (sync.user_logs) has not grown for
 * `stillMs`. How long that took is returned: it is how far behind the consumer was.
 */
import pg from 'pg';

export async function waitForQuiet(
  databaseUrl: string,
  userId: string,
  options: { readonly stillMs?: number; readonly timeoutMs?: number } = {},
): Promise<{ seconds: number; changes: number }> {
  const stillMs = options.stillMs ?? 750;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const started = Date.now();
    const read = async () => {
      const { rows } = await client.query<{ last_seq: string }>(
        'SELECT last_seq FROM sync.user_logs WHERE user_id = $1',
        [userId],
      );
      return Number(rows[0]?.last_seq ?? 0);
    };
    const first = await read();
    let last = first;
    let changedAt = Date.now();
    while (Date.now() - changedAt < stillMs) {
      if (Date.now() - started > timeoutMs) throw new Error(`the change log was still growing after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const seen = await read();
      if (seen !== last) {
        last = seen;
        changedAt = Date.now();
      }
    }
    return { seconds: (changedAt - started) / 1000, changes: last - first };
  } finally {
    await client.end();
  }
}
