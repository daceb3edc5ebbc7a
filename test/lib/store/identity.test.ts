/**
 * One call per id, whatever format it came in (issue 11.4), and one id per response even when the
 * table holds two items for it: items written before the key was the id alone, or a call re-sent
 * with another startedAt while a multi-day read runs (issue 11.8).
 */
import { BatchWriteCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type CallRecord, parseIngestBody, toCallRecord } from '../../../lib/ingest';
import { storedKey } from '../../../lib/store/dynamodb-call-store';
import { cekuraObserve } from '../../fixtures/sources/cekura/observe';
import { sampleCall } from '../../support/fixtures';
import { freshStore, januaryQuery, recordsOf } from '../../support/store';

const NUMBER = '+16505551234';
const ids = (calls: string[]) => calls.map((c) => (JSON.parse(c) as { id: string }).id);
const reasons = (calls: string[]) => calls.map((c) => (JSON.parse(c) as { endedReason?: string }).endedReason);

/** The item as the store wrote it before one item per id: keyed `<source>#<id>`, no `src`. */
function legacyItem(record: CallRecord) {
  return {
    pk: `${record.source}#${record.id}`,
    num: record.customerNumber,
    day: record.startedAt.slice(0, 10),
    ts: record.startedAt,
    exp: record.expiresAt,
    sz: record.responseBytes,
    doc: record.json,
  };
}

async function storeWithLegacy(legacy: CallRecord[]) {
  const fresh = await freshStore();
  if (legacy.length > 0) {
    await fresh.client.send(new BatchWriteCommand({ RequestItems: { [fresh.tableName]: legacy.map((r) => ({ PutRequest: { Item: legacyItem(r) } })) } }));
  }
  const keys = async () =>
    ((await fresh.client.send(new ScanCommand({ TableName: fresh.tableName, ProjectionExpression: 'pk' }))).Items ?? []).map((i) => String(i.pk)).sort();
  return { ...fresh, keys };
}

describe('one call per id, whatever its source', () => {
  it('keeps the later of two payloads with the same id in one request, in different formats', () => {
    const parsed = parseIngestBody([sampleCall({ id: 'same', customer: { number: NUMBER } }), { ...cekuraObserve, call_id: 'same' }]);
    expect(parsed).toMatchObject({ ok: true, calls: [{ source: 'cekura', call: { id: 'same' } }] });
    if (parsed.ok) expect(parsed.calls).toHaveLength(1);
  });

  it('stores and serves a call once when it is re-sent in another format (custom, then ?source=cekura)', async () => {
    const { store, keys } = await storeWithLegacy([]);
    await store.putCalls(recordsOf([sampleCall({ id: 'same', customer: { number: NUMBER }, endedReason: 'custom' }, '2025-01-10T08:00:00.000Z')]));
    const cekura = parseIngestBody(
      { ...cekuraObserve, call_id: 'same', customer_number: NUMBER, timestamp: '2025-01-12T08:00:00Z' },
      { source: 'cekura', webCallNumber: undefined },
    );
    if (!cekura.ok) throw new Error('fixture refused');
    await store.putCalls(cekura.calls.map((sourced) => toCallRecord(sourced, { retentionDays: 3650 })));
    expect(await keys()).toEqual([storedKey('same')]);
    const byNumber = await store.queryCalls(januaryQuery({ number: NUMBER }));
    expect(ids(byNumber.calls)).toEqual(['same']);
    expect(JSON.parse(byNumber.calls[0]!)).toMatchObject({ startedAt: '2025-01-12T08:00:00.000Z', endedReason: 'customer-hungup' });
    expect(ids((await store.queryCalls(januaryQuery())).calls)).toEqual(['same']);
  });
});

describe('items written before one item per id (keyed <source>#<id>)', () => {
  it('are served next to a current item for the same id only once, the current one winning', async () => {
    const [oldSame, oldOther, oldLater] = recordsOf([
      sampleCall({ id: 'same', endedReason: 'legacy' }, '2025-01-10T08:00:00.000Z'),
      sampleCall({ id: 'untouched', endedReason: 'legacy' }, '2025-01-10T07:00:00.000Z'),
      sampleCall({ id: 'moved-later', endedReason: 'legacy' }, '2025-01-09T07:00:00.000Z'),
    ]);
    const { store, keys } = await storeWithLegacy([
      oldSame!,
      { ...oldSame!, source: 'cekura', json: oldSame!.json.replace('"legacy"', '"legacy-cekura"') },
      oldOther!,
      oldLater!,
    ]);
    // Re-sent after the upgrade: one before its legacy item in the read order, one after it.
    await store.putCalls(
      recordsOf([
        sampleCall({ id: 'same', endedReason: 'current' }, '2025-01-08T08:00:00.000Z'),
        sampleCall({ id: 'moved-later', endedReason: 'current' }, '2025-01-11T07:00:00.000Z'),
      ]),
    );
    expect(await keys()).toEqual(['cekura#same', 'custom#moved-later', 'custom#same', 'custom#untouched', storedKey('moved-later'), storedKey('same')].sort());

    for (const query of [januaryQuery(), januaryQuery({ number: NUMBER })]) {
      const page = await store.queryCalls(query);
      expect(ids(page.calls)).toEqual(['moved-later', 'untouched', 'same']);
      expect(reasons(page.calls)).toEqual(['current', 'legacy', 'current']);
    }
  });

  it('two legacy items of one id (two formats) are served once', async () => {
    const [record] = recordsOf([sampleCall({ id: 'twice' }, '2025-01-10T08:00:00.000Z')]);
    const { store } = await storeWithLegacy([record!, { ...record!, source: 'vapi' }]);
    expect(ids((await store.queryCalls(januaryQuery())).calls)).toEqual(['twice']);
  });

  it('a duplicate passed over at the end of a page is not served on the next one', async () => {
    const [legacyA] = recordsOf([sampleCall({ id: 'a', endedReason: 'legacy' }, '2025-01-10T08:00:00.000Z')]);
    const { store } = await storeWithLegacy([legacyA!]);
    await store.putCalls(
      recordsOf([
        sampleCall({ id: 'a', endedReason: 'current' }, '2025-01-10T09:00:00.000Z'),
        sampleCall({ id: 'b' }, '2025-01-10T07:00:00.000Z'),
        sampleCall({ id: 'c' }, '2025-01-10T06:00:00.000Z'),
      ]),
    );
    const pages: string[][] = [];
    let after: string | undefined;
    do {
      const page = await store.queryCalls(januaryQuery({ limit: 1, after }));
      pages.push(ids(page.calls));
      after = page.next;
    } while (after !== undefined && pages.length < 10);
    expect(pages).toEqual([['a'], ['b'], ['c']]);
  });
});

describe('a window read is not a snapshot (issue 11.8)', () => {
  it('never holds the same id twice when a call moves to another day while the days are read', async () => {
    const { store, client } = await freshStore();
    await store.putCalls(
      recordsOf([sampleCall({ id: 'mover', endedReason: 'v1' }, '2025-01-12T08:00:00.000Z'), sampleCall({ id: 'stays' }, '2025-01-11T08:00:00.000Z')]),
    );
    // Between the Query of the newest day and the next ones, the call is re-sent with a
    // startedAt two days earlier, as a client correcting it would.
    let queries = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        if (args.input && (args as { input: { IndexName?: string } }).input.IndexName === 'byDay' && ++queries === 1) {
          await store.putCalls(recordsOf([sampleCall({ id: 'mover', endedReason: 'v2' }, '2025-01-10T08:00:00.000Z')]));
        }
        return result;
      },
      { step: 'initialize', name: 'resendDuringRead' },
    );
    const page = await store.queryCalls(januaryQuery({ from: '2025-01-09T00:00:00.000Z', to: '2025-01-12T23:59:59.999Z' }));
    expect(queries).toBeGreaterThan(1);
    expect(ids(page.calls)).toEqual(['stays', 'mover']);
    // The later sighting is the later write.
    expect(reasons(page.calls)).toEqual([undefined, 'v2']);
  });
});

describe('forged positions (issue 11.5)', () => {
  it('turns a ValidationException on a read that continues from a position into InvalidPositionError', async () => {
    const { store, client } = await freshStore();
    await store.putCalls(recordsOf(Array.from({ length: 3 }, (_, i) => sampleCall({ id: `v${i}` }, `2025-01-10T0${i}:00:00.000Z`))));
    const first = await store.queryCalls(januaryQuery({ limit: 1 }));
    expect(first.next).toBeDefined();
    const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
    jest.spyOn(client, 'send').mockImplementation((async (command: unknown) => {
      if (command instanceof QueryCommand && command.input.ExclusiveStartKey)
        throw Object.assign(new Error('The provided starting key is invalid'), { name: 'ValidationException' });
      return send(command);
    }) as never);
    try {
      await expect(store.queryCalls(januaryQuery({ limit: 1, after: first.next }))).rejects.toMatchObject({ name: 'InvalidPositionError' });
      // Without a position, the same error is the store's own fault: it stays what it is.
      jest.spyOn(client, 'send').mockRejectedValue(Object.assign(new Error('bad'), { name: 'ValidationException' }) as never);
      await expect(store.queryCalls(januaryQuery())).rejects.toMatchObject({ name: 'ValidationException' });
    } finally {
      jest.restoreAllMocks();
    }
  });
});
