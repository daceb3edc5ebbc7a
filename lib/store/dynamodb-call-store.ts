/**
 * The DynamoDB adapter of CallStore: the only module that knows the item layout and indexes
 * (see table-schema.ts for the key design).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  DeleteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { CallRecord } from '../ingest';
import { SOURCE_NAMES } from '../sources/source';
import {
  type CallEraser,
  type CallPage,
  type CallQuery,
  type CallStore,
  CallTooLargeError,
  type EraseOptions,
  type EraseResult,
  ErasureIncompleteError,
  InvalidPositionError,
  PartialWriteError,
  StoreUnavailableError,
} from './call-store';
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
/** Index entries an erasure reads per Query: small steps, so it can stop in time between them. */
export const ERASE_PAGE_SIZE = 100;
/** DeleteItem requests an erasure has in flight at once. */
const ERASE_CONCURRENCY = 25;

/**
 * The table key of a call: its id alone, whatever format it came in. Items written before that
 * were keyed `<source>#<id>`; no source is called `call`, so the two kinds of keys cannot collide,
 * and a read tells them apart (see `identityOf`).
 */
const KEY_PREFIX = 'call#';

export function storedKey(id: string): string {
  return `${KEY_PREFIX}${id}`;
}

interface StoredItem {
  pk: string;
  /** The format the call came in (`custom`, `vapi`, …): kept for operators, not read back. */
  src: string;
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
  onCapacity?: (operation: 'Query' | 'BatchWriteItem' | 'DeleteItem', capacityUnits: number) => void;
}

export class DynamoCallStore implements CallStore, CallEraser {
  private readonly tableName: string;
  private readonly maxWriteAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly onCapacity: DynamoCallStoreOptions['onCapacity'];

  constructor(
    private readonly client: DynamoDBDocumentClient,
    options: DynamoCallStoreOptions,
  ) {
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
    const outcomes = await Promise.all(batches.map((batch) => this.writeBatch(batch)));
    const failure = outcomes.find((outcome) => outcome.error !== undefined)?.error;
    if (failure === undefined) return;
    // Say exactly what happened to each call, so the 503 can too.
    const idOf = new Map(items.map((item, i) => [item.pk, records[i]!.id]));
    const ids = (kind: 'stored' | 'notStored' | 'unknown') => outcomes.flatMap((outcome) => outcome[kind].map((pk) => idOf.get(pk)!));
    throw new PartialWriteError(ids('stored'), ids('notStored'), ids('unknown'), { cause: failure });
  }

  /**
   * Retries what DynamoDB leaves unprocessed. Only attempts that store nothing count toward giving
   * up: a throttled table that still makes progress is waited for, a stuck one is reported.
   */
  private async writeBatch(items: StoredItem[]): Promise<BatchOutcome> {
    let pending: Record<string, unknown>[] = items.map((Item) => ({ PutRequest: { Item } }));
    const pkOf = (requests: Record<string, unknown>[]) => requests.map((r) => (r as { PutRequest: { Item: StoredItem } }).PutRequest.Item.pk);
    const stored: string[] = [];
    for (let stalled = 0; ; ) {
      let result: BatchWriteCommandOutput;
      try {
        result = await this.client.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: pending }, ...(this.onCapacity ? { ReturnConsumedCapacity: 'TOTAL' } : {}) }),
        );
      } catch (error) {
        // The SDK gave up (timeouts, throttling, a network error): the request may or may not have been applied.
        return { stored, notStored: [], unknown: pkOf(pending), error };
      }
      if (this.onCapacity)
        this.onCapacity(
          'BatchWriteItem',
          (result.ConsumedCapacity ?? []).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0),
        );
      const left = (result.UnprocessedItems?.[this.tableName] ?? []) as Record<string, unknown>[];
      const leftPks = new Set(pkOf(left));
      for (const pk of pkOf(pending)) if (!leftPks.has(pk)) stored.push(pk);
      if (left.length === 0) return { stored, notStored: [], unknown: [] };
      stalled = left.length < pending.length ? 0 : stalled + 1;
      pending = left;
      if (stalled >= this.maxWriteAttempts) {
        const error = new StoreUnavailableError(`${pending.length} calls were left unprocessed after ${stalled} attempts without progress`);
        return { stored, notStored: pkOf(pending), unknown: [], error };
      }
      // Full jitter: spreads the retries of concurrent requests that were throttled together.
      await this.sleep(Math.random() * this.backoffBaseMs * 2 ** Math.max(stalled, 1));
    }
  }

  async eraseCall(id: string, options: EraseOptions = {}): Promise<EraseResult> {
    if (options.shouldStop?.()) throw new ErasureIncompleteError(0, 'the erasure was stopped before it started');
    // The current key and every key the call may have had before one item per id: a DeleteItem
    // each, since a key cannot be looked up by its suffix without a Scan.
    const keys = [storedKey(id), ...SOURCE_NAMES.map((source) => legacyKey(source, id))];
    const deletedIds = new Set<string>();
    await this.deleteKeys(keys, deletedIds);
    return { deleted: deletedIds.size };
  }

  /**
   * Pages through the number's partition of byNumber (every startedAt, expired calls included),
   * deleting each page's items before reading the next. Items are deleted by their table key, so a
   * legacy `<source>#<id>` item filed under the number goes too. Counted by id: a call's current and
   * legacy items are one call. The index lags the table a little: a call stored a moment ago may
   * only be found by a repeat.
   */
  async eraseNumber(number: string, options: EraseOptions = {}): Promise<EraseResult> {
    const index = CALLS_TABLE.indexes.byNumber;
    const deletedIds = new Set<string>();
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      if (options.shouldStop?.()) throw new ErasureIncompleteError(deletedIds.size, `the erasure was stopped after ${deletedIds.size} calls, before the end`);
      const result = await this.client
        .send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: index.name,
            KeyConditionExpression: '#num = :num',
            // The table key is all a delete needs (read units are paid on the whole index item anyway).
            ProjectionExpression: '#pk',
            ExpressionAttributeNames: { '#num': index.partitionKey, '#pk': CALLS_TABLE.partitionKey },
            ExpressionAttributeValues: { ':num': number },
            Limit: ERASE_PAGE_SIZE,
            ExclusiveStartKey: exclusiveStartKey,
            ...(this.onCapacity ? { ReturnConsumedCapacity: 'TOTAL' } : {}),
          }),
        )
        .catch((error: unknown) => {
          throw new ErasureIncompleteError(deletedIds.size, `the erasure could not read the number's calls after ${deletedIds.size} were deleted`, {
            cause: error,
          });
        });
      if (this.onCapacity) this.onCapacity('Query', result.ConsumedCapacity?.CapacityUnits ?? 0);
      const keys = [...new Set((result.Items ?? []).map((item) => String(item[CALLS_TABLE.partitionKey])))];
      await this.deleteKeys(keys, deletedIds, options);
      exclusiveStartKey = result.LastEvaluatedKey;
    } while (exclusiveStartKey !== undefined);
    return { deleted: deletedIds.size };
  }

  /**
   * Deletes items by table key, ERASE_CONCURRENCY at a time, adding the id of each item that was
   * there to `deletedIds`. Every request of a round is waited for, so what was deleted is known
   * when one fails; then an ErasureIncompleteError says how many calls are gone.
   */
  private async deleteKeys(keys: readonly string[], deletedIds: Set<string>, options: EraseOptions = {}): Promise<void> {
    for (let i = 0; i < keys.length; i += ERASE_CONCURRENCY) {
      if (i > 0 && options.shouldStop?.())
        throw new ErasureIncompleteError(deletedIds.size, `the erasure was stopped after ${deletedIds.size} calls, before the end`);
      const round = keys.slice(i, i + ERASE_CONCURRENCY);
      const outcomes = await Promise.allSettled(round.map((pk) => this.deleteIfPresent(pk)));
      outcomes.forEach((outcome, k) => {
        if (outcome.status === 'fulfilled' && outcome.value) deletedIds.add(identityOf(round[k]!).id);
      });
      const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      if (failed) throw new ErasureIncompleteError(deletedIds.size, `the erasure failed after ${deletedIds.size} calls were deleted`, { cause: failed.reason });
    }
  }

  /**
   * One DeleteItem, conditional on the item being there, so the answer can count what was deleted
   * (a delete of a missing item costs the same write unit either way). True when it was there.
   */
  private async deleteIfPresent(pk: string): Promise<boolean> {
    try {
      const result = await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { [CALLS_TABLE.partitionKey]: pk },
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': CALLS_TABLE.partitionKey },
          ...(this.onCapacity ? { ReturnConsumedCapacity: 'TOTAL' } : {}),
        }),
      );
      if (this.onCapacity) this.onCapacity('DeleteItem', result.ConsumedCapacity?.CapacityUnits ?? 0);
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /**
   * One Query per partition for most pages, each asking for no more than the page can use (see
   * PageBuilder.queryLimit). The position of the next page is the last item taken in or passed
   * over, so a duplicate passed over here is not met again on the next page.
   */
  async queryCalls(query: CallQuery): Promise<CallPage> {
    const partitions = partitionsFor(query);
    const start = query.after === undefined ? undefined : decodePosition(query.after, partitions, query);
    const page = new PageBuilder(query);
    let last: { partition: number; item: IndexItem } | undefined;

    for (let p = start?.partition ?? 0; p < partitions.length; p++) {
      const partition = partitions[p]!;
      let exclusiveStartKey = p === start?.partition ? start.key : undefined;
      do {
        const input = queryInput(this.tableName, partition, query, page.queryLimit(), exclusiveStartKey, this.onCapacity !== undefined);
        const result = await this.client.send(new QueryCommand(input)).catch((error: unknown) => {
          // Every other part of the query is built here from checked input: DynamoDB refusing a
          // read that continues from the client's position means the position was forged.
          if (start !== undefined && error instanceof Error && error.name === 'ValidationException') throw new InvalidPositionError();
          throw error;
        });
        if (this.onCapacity) this.onCapacity('Query', result.ConsumedCapacity?.CapacityUnits ?? 0);
        for (const item of (result.Items ?? []) as IndexItem[]) {
          if (!page.offer(item)) return { calls: page.calls(), next: encodePosition(last!.partition, last!.item, partitions) };
          last = { partition: p, item };
        }
        exclusiveStartKey = result.LastEvaluatedKey;
      } while (exclusiveStartKey !== undefined);
    }
    return { calls: page.calls(), next: undefined };
  }
}

/** The key an item for this call had before one item per id. */
export function legacyKey(source: string, id: string): string {
  return `${source}#${id}`;
}

/** Which call an item holds, and whether it was written before one item per id (its key names a source). */
function identityOf(pk: string): { id: string; legacy: boolean } {
  if (pk.startsWith(KEY_PREFIX)) return { id: pk.slice(KEY_PREFIX.length), legacy: false };
  // `<source>#<id>`: no source name has a `#`.
  return { id: pk.slice(pk.indexOf('#') + 1), legacy: true };
}

interface Served {
  id: string;
  doc: string;
  /** Response bytes with the separating comma. */
  bytes: number;
}

/**
 * One response: at most `limit` calls within the byte budget, and never the same id twice. A read
 * is one Query per partition, not a snapshot, so the same call can be met twice: a call re-sent
 * with a startedAt on another day while the days are read (the later sighting is taken as the later
 * write and replaces the earlier: index reads are eventually consistent, so a read can tell no
 * better), or an item written before one item per id next to the current one (such legacy items
 * count as older than any current one: every current item was written after them).
 */
class PageBuilder {
  private readonly served: Served[] = [];
  private readonly byId = new Map<string, Served>();
  private bytes = 2; // the array's brackets
  private largest = 0; // response bytes of the largest call on this page, with its comma

  constructor(private readonly query: Pick<CallQuery, 'limit' | 'maxBytes'>) {}

  /**
   * How many items the next Query should ask for. Every call read is paid for in read units, so at
   * most one call more than the page can use: up to `limit`, and, once the page has seen calls, no
   * more than the rest of the byte budget holds if they are as large as the largest so far. Without
   * that, a page of long transcripts would read (and pay for) up to 1 MB of calls that the next
   * page reads again. The one more is how a page knows another exists.
   */
  queryLimit(): number {
    const remaining = this.query.limit - this.served.length;
    const fit = this.largest === 0 ? remaining : Math.max(0, Math.floor((this.query.maxBytes - this.bytes) / this.largest));
    return Math.min(remaining, fit) + 1;
  }

  /** Takes the item in (or passes over it as a duplicate); false when the page is full without it. */
  offer(item: IndexItem): boolean {
    const { id, legacy } = identityOf(item.pk);
    const earlier = this.byId.get(id);
    if (earlier !== undefined) {
      if (legacy) return true;
      this.served.splice(this.served.indexOf(earlier), 1);
      this.byId.delete(id);
      this.bytes -= earlier.bytes;
    }
    const full = this.served.length >= this.query.limit || (this.served.length > 0 && this.bytes + item.sz + 1 > this.query.maxBytes);
    if (full) return false;
    const served: Served = { id, doc: readDoc(item), bytes: item.sz + 1 };
    this.served.push(served);
    this.byId.set(id, served);
    this.bytes += served.bytes;
    this.largest = Math.max(this.largest, served.bytes);
    return true;
  }

  calls(): string[] {
    return this.served.map((s) => s.doc);
  }
}

/** What one batch write did, by table key. `error` is set when it did not store everything. */
interface BatchOutcome {
  stored: string[];
  notStored: string[];
  unknown: string[];
  error?: unknown;
}

function toItem(record: CallRecord): StoredItem {
  const item: StoredItem = {
    pk: storedKey(record.id),
    src: record.source,
    num: record.customerNumber,
    day: record.startedAt.slice(0, 10),
    ts: record.startedAt,
    exp: record.expiresAt,
    sz: record.responseBytes,
  };
  // responseBytes >= the UTF-8 length, so most calls skip measuring it.
  if (record.responseBytes > COMPRESS_ABOVE_BYTES && Buffer.byteLength(record.json) > COMPRESS_ABOVE_BYTES)
    item.docz = gzipSync(record.json, { level: GZIP_LEVEL });
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

/** A table key as this store writes it, or as it wrote it before one item per id; ids are at most 255 characters. */
const STORED_KEY = /^(?:[a-z][a-z-]{0,30})#[\s\S]{1,255}$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * A position comes back from the client inside a cursor: every part of it is checked before it
 * reaches DynamoDB, which answers a key it cannot use (an empty key, a time outside the query's
 * range) with a ValidationException rather than an empty page.
 */
function decodePosition(raw: string, partitions: Partition[], query: CallQuery): { partition: number; key: Record<string, unknown> } {
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
  if (!STORED_KEY.test(pk) || LONE_SURROGATE.test(pk)) throw new InvalidPositionError();
  // Canonical UTC strings with four-digit years sort as the instants do, so the range check is a string comparison.
  if (!isCanonicalInstant(ts) || ts < query.from || ts > query.to) throw new InvalidPositionError();
  if (target.index === CALLS_TABLE.indexes.byDay && ts.slice(0, 10) !== value) throw new InvalidPositionError();
  return { partition, key: { [CALLS_TABLE.partitionKey]: pk, [target.index.partitionKey]: value, ts } };
}

function isCanonicalInstant(value: string): boolean {
  if (!CANONICAL_INSTANT.test(value)) return false;
  const ms = Date.parse(value);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === value;
}
