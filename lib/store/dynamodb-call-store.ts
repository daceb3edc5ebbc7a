/**
 * The DynamoDB adapter of CallStore: the only module that knows the item layout and indexes
 * (see table-schema.ts for the key design).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { BatchWriteCommand, type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { CallRecord } from '../ingest';
import { type CallPage, type CallQuery, type CallStore, CallTooLargeError, InvalidPositionError, StoreUnavailableError } from './call-store';
import { CALLS_TABLE } from './table-schema';

/** DynamoDB's item limit is 400 KB; keep room for the key and index attributes. */
export const MAX_STORED_DOC_BYTES = 390 * 1024;
/** Calls above this are stored gzip-compressed: long transcripts would not fit otherwise. */
export const COMPRESS_ABOVE_BYTES = 32 * 1024;
/**
 * Chosen by measurement (`npm run bench`, the gzip row; docs/performance.md): every stored KB of a call is
 * paid three times over in write units (the table and both indexes carry the document) and again on
 * every read, which costs far more than the CPU the highest level takes over the default. For a
 * 1 MB transcript, level 9 stores about 1% less than 6 and 12% less than 1.
 */
export const GZIP_LEVEL = 9;
const BATCH_SIZE = 25;

interface StoredItem {
  pk: string;
  num: string;
  day: string;
  ts: string;
  exp: number;
  sz: number;
  doc?: string;
  docz?: Uint8Array;
}

type IndexItem = Pick<StoredItem, 'pk' | 'ts' | 'sz' | 'doc' | 'docz'> & { num?: string; day?: string };

export interface DynamoCallStoreOptions {
  tableName: string;
  /** Consecutive attempts in which DynamoDB stores none of a batch's items, before giving up. */
  maxWriteAttempts?: number;
  /** Base delay of the exponential backoff between those attempts. */
  backoffBaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Called with the capacity units each request consumed (DynamoDB's ReturnConsumedCapacity), to
   * watch what reads and writes cost. Not set: DynamoDB is not asked for them.
   */
  onCapacity?: (operation: 'Query' | 'BatchWriteItem', capacityUnits: number) => void;
}

export class DynamoCallStore implements CallStore {
  private readonly tableName: string;
  private readonly maxWriteAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly onCapacity: DynamoCallStoreOptions['onCapacity'];

  constructor(private readonly client: DynamoDBDocumentClient, options: DynamoCallStoreOptions) {
    this.tableName = options.tableName;
    this.maxWriteAttempts = options.maxWriteAttempts ?? 8;
    this.backoffBaseMs = options.backoffBaseMs ?? 25;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.onCapacity = options.onCapacity;
  }

  async putCalls(records: readonly CallRecord[]): Promise<void> {
    // Encode everything first: a call too large to store must reject the request before any write.
    const items = records.map(toItem);
    const tooLarge = items.flatMap((item, i) => (storedDocBytes(item) > MAX_STORED_DOC_BYTES ? [records[i]!.id] : []));
    if (tooLarge.length > 0) throw new CallTooLargeError(tooLarge, MAX_STORED_DOC_BYTES);

    const batches: StoredItem[][] = [];
    for (let i = 0; i < items.length; i += BATCH_SIZE) batches.push(items.slice(i, i + BATCH_SIZE));
    await Promise.all(batches.map((batch) => this.writeBatch(batch)));
  }

  /**
   * Retries what DynamoDB leaves unprocessed. Only attempts that store nothing count toward giving
   * up: a throttled table that still makes progress is waited for, a stuck one is reported.
   */
  private async writeBatch(items: StoredItem[]): Promise<void> {
    let pending: Record<string, unknown>[] = items.map((Item) => ({ PutRequest: { Item } }));
    for (let stalled = 0; ; ) {
      const result = await this.client.send(
        new BatchWriteCommand({ RequestItems: { [this.tableName]: pending }, ...(this.onCapacity ? { ReturnConsumedCapacity: 'TOTAL' } : {}) }),
      );
      if (this.onCapacity) this.onCapacity('BatchWriteItem', (result.ConsumedCapacity ?? []).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0));
      const left = (result.UnprocessedItems?.[this.tableName] ?? []) as Record<string, unknown>[];
      if (left.length === 0) return;
      stalled = left.length < pending.length ? 0 : stalled + 1;
      pending = left;
      if (stalled >= this.maxWriteAttempts) {
        throw new StoreUnavailableError(`${pending.length} calls were left unprocessed after ${stalled} attempts without progress`);
      }
      // Full jitter: spreads the retries of concurrent requests that were throttled together.
      await this.sleep(Math.random() * this.backoffBaseMs * 2 ** Math.max(stalled, 1));
    }
  }

  /**
   * One Query per partition for most pages. Every call read is paid for in read units, so a Query
   * asks for at most one call more than the page can use: up to `limit`, and, once the page has
   * seen calls, no more than the rest of the byte budget holds if they are as large as the largest
   * so far. Without that, a page of long transcripts would read (and pay for) up to 1 MB of calls
   * that the next page reads again.
   */
  async queryCalls(query: CallQuery): Promise<CallPage> {
    const partitions = partitionsFor(query);
    const start = query.after === undefined ? undefined : decodePosition(query.after, partitions);
    const calls: string[] = [];
    let bytes = 2; // the array's brackets
    let largest = 0; // response bytes of the largest call on this page, with its comma
    let last: { partition: number; item: IndexItem } | undefined;

    for (let p = start?.partition ?? 0; p < partitions.length; p++) {
      const partition = partitions[p]!;
      let exclusiveStartKey = p === start?.partition ? start.key : undefined;
      do {
        const remaining = query.limit - calls.length;
        // How many more calls the byte budget holds if they are as large as the largest so far.
        const fit = largest === 0 ? remaining : Math.max(0, Math.floor((query.maxBytes - bytes) / largest));
        // One more than can be used: seeing it is how a page knows another exists.
        const limit = Math.min(remaining, fit) + 1;
        const page = await this.client.send(new QueryCommand(queryInput(this.tableName, partition, query, limit, exclusiveStartKey, this.onCapacity !== undefined)));
        if (this.onCapacity) this.onCapacity('Query', page.ConsumedCapacity?.CapacityUnits ?? 0);
        for (const item of (page.Items ?? []) as IndexItem[]) {
          const full = calls.length >= query.limit || (calls.length > 0 && bytes + item.sz + 1 > query.maxBytes);
          if (full) return { calls, next: encodePosition(last!.partition, last!.item, partitions) };
          calls.push(readDoc(item));
          bytes += item.sz + 1;
          largest = Math.max(largest, item.sz + 1);
          last = { partition: p, item };
        }
        exclusiveStartKey = page.LastEvaluatedKey;
      } while (exclusiveStartKey !== undefined);
    }
    return { calls, next: undefined };
  }
}

function toItem(record: CallRecord): StoredItem {
  const item: StoredItem = {
    pk: `${record.source}#${record.id}`,
    num: record.customerNumber,
    day: record.startedAt.slice(0, 10),
    ts: record.startedAt,
    exp: record.expiresAt,
    sz: record.responseBytes,
  };
  // responseBytes >= the UTF-8 length, so most calls skip measuring it.
  if (record.responseBytes > COMPRESS_ABOVE_BYTES && Buffer.byteLength(record.json) > COMPRESS_ABOVE_BYTES) item.docz = gzipSync(record.json, { level: GZIP_LEVEL });
  else item.doc = record.json;
  return item;
}

function storedDocBytes(item: StoredItem): number {
  return item.docz?.byteLength ?? Buffer.byteLength(item.doc ?? '');
}

function readDoc(item: IndexItem): string {
  return decodeStoredDoc(item);
}

/**
 * A stored call's JSON, from an item as the SDK returns it or as a DynamoDB Streams image carries it
 * (there `docz` is base64 text). Exported for the Cekura forwarder, which reads new stream images.
 */
export function decodeStoredDoc(item: { pk?: string; doc?: string; docz?: Uint8Array | string }): string {
  if (item.doc !== undefined) return item.doc;
  if (item.docz !== undefined) return gunzipSync(typeof item.docz === 'string' ? Buffer.from(item.docz, 'base64') : item.docz).toString('utf8');
  throw new Error(`stored call ${item.pk ?? '(no key)'} has no document`);
}

interface Partition {
  index: (typeof CALLS_TABLE.indexes)[keyof typeof CALLS_TABLE.indexes];
  value: string;
}

/** One number's partition, or every UTC day of the window, newest first. */
function partitionsFor(query: CallQuery): Partition[] {
  if (query.number !== undefined) return [{ index: CALLS_TABLE.indexes.byNumber, value: query.number }];
  const days: Partition[] = [];
  const first = Date.parse(query.from.slice(0, 10));
  for (let day = Date.parse(query.to.slice(0, 10)); day >= first; day -= 86_400_000) {
    days.push({ index: CALLS_TABLE.indexes.byDay, value: new Date(day).toISOString().slice(0, 10) });
  }
  return days;
}

function queryInput(
  tableName: string,
  partition: Partition,
  query: CallQuery,
  limit: number,
  exclusiveStartKey: Record<string, unknown> | undefined,
  returnCapacity: boolean,
): QueryCommandInput {
  return {
    TableName: tableName,
    IndexName: partition.index.name,
    KeyConditionExpression: '#p = :p AND #ts BETWEEN :from AND :to',
    // TTL deletes lazily (and not at all on dynalite): an expired call must still never be served.
    FilterExpression: '#exp > :now',
    ProjectionExpression: '#pk, #p, #ts, #sz, #doc, #docz',
    ExpressionAttributeNames: {
      '#p': partition.index.partitionKey,
      '#ts': 'ts',
      '#exp': CALLS_TABLE.ttlAttribute,
      '#pk': CALLS_TABLE.partitionKey,
      '#sz': 'sz',
      '#doc': 'doc',
      '#docz': 'docz',
    },
    ExpressionAttributeValues: { ':p': partition.value, ':from': query.from, ':to': query.to, ':now': query.now },
    ScanIndexForward: false,
    Limit: limit,
    ExclusiveStartKey: exclusiveStartKey,
    ...(returnCapacity ? { ReturnConsumedCapacity: 'TOTAL' } : {}),
  };
}

/** Position: which partition of the query, and the index key of the last call returned. */
function encodePosition(partition: number, last: IndexItem, partitions: Partition[]): string {
  return JSON.stringify([partition, partitions[partition]!.value, last.pk, last.ts]);
}

function decodePosition(raw: string, partitions: Partition[]): { partition: number; key: Record<string, unknown> } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidPositionError();
  }
  if (!Array.isArray(parsed) || parsed.length !== 4 || !parsed.every((x, i) => (i === 0 ? Number.isInteger(x) : typeof x === 'string'))) {
    throw new InvalidPositionError();
  }
  const [partition, value, pk, ts] = parsed as [number, string, string, string];
  const target = partitions[partition];
  if (!target || target.value !== value) throw new InvalidPositionError();
  return { partition, key: { [CALLS_TABLE.partitionKey]: pk, [target.index.partitionKey]: value, ts } };
}
