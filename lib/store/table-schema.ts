/**
 * The one description of the calls table: its key, its two indexes and its TTL attribute.
 * The CDK table construct, the DynamoDB adapter and local mode all build from this, so the
 * deployed table and the local one cannot drift apart.
 *
 * Design:
 * - `pk` (`call#<call id>`) is the table key: one item per id, whatever format the call came in
 *   (`src` keeps the format). Re-sending a call is a plain Put that replaces the old item, and its
 *   index entries move with it. No transaction is needed (dynalite has none). Items written before
 *   were keyed `<source>#<call id>`; reads serve each id once, a current item before such a legacy
 *   one, and legacy items expire by TTL (docs/reliability.md, "Fixed in issue 11").
 * - `byNumber` (num, ts): the calls of one customer number in a startedAt range, newest first.
 * - `byDay` (day, ts): every call in a startedAt range, one Query per UTC day, never a Scan.
 * - `exp`: epoch seconds for DynamoDB TTL. Reads also filter on it, because TTL deletion lags
 *   (and dynalite never deletes), and an expired call must never be served.
 */
export const CALLS_TABLE = {
  partitionKey: 'pk',
  ttlAttribute: 'exp',
  indexes: {
    byNumber: { name: 'byNumber', partitionKey: 'num', sortKey: 'ts' },
    byDay: { name: 'byDay', partitionKey: 'day', sortKey: 'ts' },
  },
  /** Attributes copied into both indexes: what a read needs to answer without touching the table. */
  projectedAttributes: ['doc', 'docz', 'sz', 'exp'],
} as const;

export type IndexName = keyof typeof CALLS_TABLE.indexes;
