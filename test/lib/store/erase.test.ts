/**
 * Erasure in the store (issue 14): one call by id, with the items written for it before one item per
 * id; every call of a number, all time, paged through byNumber, never a Scan; stopped or failing
 * half way, it says how many calls are gone, and a repeat deletes the rest.
 */
import { BatchWriteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { CallRecord } from '../../../lib/ingest';
import { SOURCE_NAMES } from '../../../lib/sources/source';
import { ErasureIncompleteError } from '../../../lib/store/call-store';
import { ERASE_PAGE_SIZE, legacyKey, storedKey } from '../../../lib/store/dynamodb-call-store';
import { sampleCall } from '../../support/fixtures';
import { freshStore, januaryQuery, recordsOf } from '../../support/store';

const NUMBER = '+16505551234';
const OTHER = '+14155550100';

/** An item as the store wrote it before one item per id (see identity.test.ts). */
function legacyItem(record: CallRecord, source = record.source) {
  return {
    pk: legacyKey(source, record.id),
    num: record.customerNumber,
    day: record.startedAt.slice(0, 10),
    ts: record.startedAt,
    exp: record.expiresAt,
    sz: record.responseBytes,
    doc: record.json,
  };
}

async function setup() {
  const fresh = await freshStore();
  const put = async (items: Record<string, unknown>[]) => {
    for (let i = 0; i < items.length; i += 25) {
      await fresh.client.send(new BatchWriteCommand({ RequestItems: { [fresh.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    }
  };
  const keys = async () =>
    ((await fresh.client.send(new ScanCommand({ TableName: fresh.tableName, ProjectionExpression: 'pk' }))).Items ?? []).map((i) => String(i.pk)).sort();
  return { ...fresh, put, keys };
}

/** `count` calls of NUMBER, an hour apart, stored through the store (recordsOf takes 100 at most). */
async function storeMany(store: { putCalls: (records: CallRecord[]) => Promise<void> }, prefix: string, count: number) {
  const calls = Array.from({ length: count }, (_, i) =>
    sampleCall({ id: `${prefix}-${i}`, customer: { number: NUMBER } }, new Date(Date.parse('2024-01-01T00:00:00Z') + i * 3_600_000).toISOString()),
  );
  for (let i = 0; i < calls.length; i += 100) await store.putCalls(recordsOf(calls.slice(i, i + 100)));
}

/** Fails the `nth` (1-based) command named `name` sent through the client, and every later one while `failing()` holds. */
function failCommand(client: { middlewareStack: { add: (...args: never[]) => void } }, name: string, nth: number, failing: () => boolean = () => true) {
  let seen = 0;
  (client.middlewareStack.add as (m: unknown, o: unknown) => void)(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      if (context.commandName === name && ++seen >= nth && failing()) {
        throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ThrottlingException', $retryable: { throttling: true } });
      }
      return next(args);
    },
    { step: 'initialize', name: `fail-${name}-${nth}` },
  );
}

describe('eraseCall', () => {
  it('deletes the call and every item written for its id before one item per id, counts it once, and leaves other calls', async () => {
    const { store, put, keys, commands } = await setup();
    const [target, other] = recordsOf([sampleCall({ id: 'target' }), sampleCall({ id: 'other' })]);
    await store.putCalls([target!, other!]);
    await put([legacyItem(target!, 'custom'), legacyItem(target!, 'cekura'), legacyItem(other!, 'vapi')]);
    commands.length = 0;

    expect(await store.eraseCall('target')).toEqual({ deleted: 1 });
    // One DeleteItem per key the id can have had; nothing read, nothing scanned.
    expect(commands).toEqual(Array(1 + SOURCE_NAMES.length).fill('DeleteItemCommand'));
    expect(await keys()).toEqual([legacyKey('vapi', 'other'), storedKey('other')].sort());
    expect((await store.queryCalls(januaryQuery())).calls.map((c) => JSON.parse(c).id)).toEqual(['other']);

    expect(await store.eraseCall('target')).toEqual({ deleted: 0 });
  });

  it('counts a call whose only item is a legacy one, and 0 for an id never stored', async () => {
    const { store, put, keys } = await setup();
    const [old] = recordsOf([sampleCall({ id: 'only-legacy' })]);
    await put([legacyItem(old!, 'retell')]);
    expect(await store.eraseCall('never-stored')).toEqual({ deleted: 0 });
    expect(await store.eraseCall('only-legacy')).toEqual({ deleted: 1 });
    expect(await keys()).toEqual([]);
  });

  it('reports what it deleted when a delete fails, and a repeat finishes the job', async () => {
    const { store, put, keys, client } = await setup();
    const [call] = recordsOf([sampleCall({ id: 'half' })]);
    await store.putCalls([call!]);
    await put([legacyItem(call!, 'custom')]);
    let failing = true;
    // The last of the 11 deletes (a legacy key) fails: the current item is gone, the call counted.
    failCommand(client, 'DeleteItemCommand', 1 + SOURCE_NAMES.length, () => failing);
    const error = await store.eraseCall('half').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ErasureIncompleteError);
    expect((error as ErasureIncompleteError).deleted).toBe(1);
    failing = false;
    await store.eraseCall('half');
    expect(await keys()).toEqual([]);
  });
});

describe('eraseNumber', () => {
  it('deletes every call of the number, all time (expired calls and legacy items too), through byNumber only', async () => {
    const { store, put, keys, commands } = await setup();
    const mine = recordsOf([
      sampleCall({ id: 'n-2025', customer: { number: NUMBER } }, '2025-01-10T08:00:00.000Z'),
      sampleCall({ id: 'n-2019', customer: { number: NUMBER } }, '2019-06-01T08:00:00.000Z'),
      sampleCall({ id: 'n-1999', customer: { number: NUMBER } }, '1999-12-31T23:59:59.000Z'),
    ]);
    // Past its retention (never served), not yet removed by TTL.
    const [expired] = recordsOf([sampleCall({ id: 'n-expired', customer: { number: NUMBER } }, '2020-01-01T00:00:00.000Z')], 1);
    const [theirs] = recordsOf([sampleCall({ id: 'other-number', customer: { number: OTHER } })]);
    await store.putCalls([...mine, expired!, theirs!]);
    // A legacy item of a call that is also stored under its current key, and one on its own.
    await put([legacyItem(mine[0]!, 'custom'), legacyItem({ ...mine[1]!, id: 'legacy-only' }, 'vapi')]);
    commands.length = 0;

    expect(await store.eraseNumber(NUMBER)).toEqual({ deleted: 5 });
    expect(commands.filter((c) => c !== 'QueryCommand' && c !== 'DeleteItemCommand')).toEqual([]);
    expect(commands.filter((c) => c === 'QueryCommand')).toHaveLength(1);
    expect(await keys()).toEqual([storedKey('other-number')]);

    expect(await store.eraseNumber(NUMBER)).toEqual({ deleted: 0 });
    expect(await store.eraseNumber('+19995550000')).toEqual({ deleted: 0 });
  });

  it('pages through a number with more calls than one Query reads', async () => {
    const { store, keys, commands } = await setup();
    const count = ERASE_PAGE_SIZE * 2 + 30;
    await storeMany(store, 'many', count);
    commands.length = 0;
    expect(await store.eraseNumber(NUMBER)).toEqual({ deleted: count });
    expect(commands.filter((c) => c === 'QueryCommand').length).toBeGreaterThanOrEqual(3);
    expect(commands).not.toContain('ScanCommand');
    expect(await keys()).toEqual([]);
  });

  it('stops when asked, says how many calls are gone, and a repeat deletes the rest', async () => {
    const { store, keys } = await setup();
    const count = ERASE_PAGE_SIZE + 20;
    await storeMany(store, 'stop', count);
    let asked = 0;
    // Asked before the first Query, between its page's 4 rounds of 25 deletes, then before the
    // second Query: stopping there leaves exactly the first page deleted.
    const error = await store.eraseNumber(NUMBER, { shouldStop: () => ++asked >= 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ErasureIncompleteError);
    const { deleted } = error as ErasureIncompleteError;
    expect(deleted).toBe(ERASE_PAGE_SIZE);
    expect((await keys()).length).toBe(count - deleted);
    expect(await store.eraseNumber(NUMBER)).toEqual({ deleted: count - deleted });
    expect(await keys()).toEqual([]);
  });

  it('reports exactly what was deleted when DynamoDB fails half way (a delete, then a Query)', async () => {
    for (const [command, nth] of [
      ['DeleteItemCommand', 40],
      ['QueryCommand', 2],
    ] as const) {
      const { store, keys, client } = await setup();
      const count = ERASE_PAGE_SIZE + 20;
      await storeMany(store, 'fail', count);
      let failing = true;
      failCommand(client, command, nth, () => failing);
      const error = await store.eraseNumber(NUMBER).catch((e: unknown) => e);
      expect([command, error instanceof ErasureIncompleteError]).toEqual([command, true]);
      const { deleted } = error as ErasureIncompleteError;
      expect([command, (await keys()).length]).toEqual([command, count - deleted]);
      failing = false;
      expect(await store.eraseNumber(NUMBER)).toEqual({ deleted: count - deleted });
    }
  });
});
