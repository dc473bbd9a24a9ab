/**
 * One page of a user's rows and the total in one round trip: the window count rides on every row of
 * the page; only a page past the last one counts separately (it has no row to carry the total).
 */
import type { Page } from '@cairn/shared/http';
import type { Pool } from 'pg';

export interface PageQuery {
  /** `SELECT <columns>`: must alias the row as `item` (e.g. `json_build_object(...) AS item`). */
  readonly item: string;
  readonly table: string;
  /** Conditions joined with AND, using `$1…$n` for `values`. */
  readonly where: readonly string[];
  readonly values: readonly unknown[];
  readonly orderBy: string;
  readonly page: number;
  readonly pageSize: number;
}

export async function queryPage<T>(pool: Pool, query: PageQuery): Promise<Page<T>> {
  const condition = query.where.length > 0 ? `WHERE ${query.where.join(' AND ')}` : '';
  const n = query.values.length;
  const { rows } = await pool.query<{ item: T; total: string }>(
    `SELECT ${query.item}, count(*) OVER () AS total FROM ${query.table} ${condition}
     ORDER BY ${query.orderBy} LIMIT $${n + 1} OFFSET $${n + 2}`,
    [...query.values, query.pageSize, (query.page - 1) * query.pageSize],
  );
  let total = rows[0] ? Number(rows[0].total) : 0;
  if (rows.length === 0 && query.page > 1) {
    const counted = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${query.table} ${condition}`,
      query.values as unknown[],
    );
    total = Number(counted.rows[0]?.n ?? 0);
  }
  return { items: rows.map((row) => row.item), page: query.page, pageSize: query.pageSize, total };
}

/** `timestamptz` as `2030-01-01T00:00:00.000Z`, exactly `Date.prototype.toISOString`'s form. */
export const isoColumn = (column: string): string =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
