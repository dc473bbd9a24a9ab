/** The part of `pg` the read-model queries need, so they run on a pool or on a client alike. */
import type { QueryConfig, QueryResult, QueryResultRow } from 'pg';

export interface Queryable {
  query<R extends QueryResultRow = any>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
  /** With `name`: a prepared statement, parsed and planned once per connection. */
  query<R extends QueryResultRow = any>(config: QueryConfig): Promise<QueryResult<R>>;
}

/** The schema every auth table lives in (decision 7: a service owns its schema). */
export const AUTH_SCHEMA = 'auth';
