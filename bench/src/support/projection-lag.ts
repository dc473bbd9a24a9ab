/**
 * Projection lag (append → visible in the accounts read model) measured by PostgreSQL's own clock, in
 * the bench's throwaway database: two deferred constraint triggers record `clock_timestamp()` at
 * the commit of
 *   - the append of an `AccountUpdated` event whose `notes` carry the marker (accounts.events), and
 *   - the read-model update that makes those notes visible (accounts.accounts),
 * keyed by the notes (each write's are unique). A deferred constraint trigger runs as its transaction
 * commits, so each time is that of the moment the row becomes visible to others, give or take the
 * commit itself, and no event loop (the server's or the load generator's) stands between. Lag is the
 * difference. The triggers are the bench's, added for the measurement and dropped after it; the
 * service code is untouched (each adds one small insert to the transactions it fires in).
 */
import pg from 'pg';

export const LAG_MARKER = 'lag:';

export interface LagProbe {
  /** Waits (up to `timeoutMs`) until every recorded append is visible, then reads each write's lag. */
  collect(timeoutMs: number): Promise<{ lagsMs: number[]; appended: number; visible: number }>;
  remove(): Promise<void>;
}

const SCHEMA = 'bench_probe';

export async function installLagProbe(databaseUrl: string): Promise<LagProbe> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const pattern = `'${LAG_MARKER}%'`;
  await client.query(`
    CREATE SCHEMA IF NOT EXISTS ${SCHEMA};
    CREATE TABLE IF NOT EXISTS ${SCHEMA}.appended (notes text NOT NULL, at timestamptz NOT NULL);
    CREATE TABLE IF NOT EXISTS ${SCHEMA}.visible (notes text NOT NULL, at timestamptz NOT NULL);
    CREATE OR REPLACE FUNCTION ${SCHEMA}.record_append() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO ${SCHEMA}.appended VALUES (NEW.data->>'notes', clock_timestamp()); RETURN NULL; END $$;
    CREATE OR REPLACE FUNCTION ${SCHEMA}.record_visible() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO ${SCHEMA}.visible VALUES (NEW.notes, clock_timestamp()); RETURN NULL; END $$;
    CREATE CONSTRAINT TRIGGER bench_probe_appended AFTER INSERT ON accounts.events
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
      WHEN (NEW.type = 'AccountUpdated' AND NEW.data->>'notes' LIKE ${pattern})
      EXECUTE FUNCTION ${SCHEMA}.record_append();
    CREATE CONSTRAINT TRIGGER bench_probe_visible AFTER UPDATE ON accounts.accounts
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
      WHEN (NEW.notes LIKE ${pattern} AND NEW.notes IS DISTINCT FROM OLD.notes)
      EXECUTE FUNCTION ${SCHEMA}.record_visible();`);

  const counts = async () => {
    const { rows } = await client.query<{ appended: string; visible: string }>(
      `SELECT (SELECT count(*) FROM ${SCHEMA}.appended) AS appended, (SELECT count(*) FROM ${SCHEMA}.visible) AS visible`,
    );
    return { appended: Number(rows[0]!.appended), visible: Number(rows[0]!.visible) };
  };

  return {
    async collect(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let seen = await counts();
      while (seen.visible < seen.appended && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        seen = await counts();
      }
      const { rows } = await client.query<{ ms: number }>(
        `SELECT extract(epoch FROM v.at - a.at) * 1000 AS ms
           FROM ${SCHEMA}.appended a JOIN ${SCHEMA}.visible v USING (notes)`,
      );
      return { lagsMs: rows.map((row) => Number(row.ms)), ...seen };
    },
    async remove() {
      try {
        await client.query(`
          DROP TRIGGER IF EXISTS bench_probe_appended ON accounts.events;
          DROP TRIGGER IF EXISTS bench_probe_visible ON accounts.accounts;
          DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE;`);
      } finally {
        await client.end();
      }
    },
  };
}
