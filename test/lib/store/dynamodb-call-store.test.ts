import { BatchWriteCommand, type BatchWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { CallQuery } from '../../../lib/store/call-store';
import { CallTooLargeError, InvalidPositionError, StoreUnavailableError } from '../../../lib/store/call-store';
import { longTranscript, sampleCall } from '../../support/fixtures';
import { freshStore, januaryQuery, recordsOf } from '../../support/store';

const NUMBER = '+16505551234';
const OTHER = '+14155550000';
const at = (iso: string) => iso;
const ids = (calls: string[]) => calls.map((c) => (JSON.parse(c) as { id: string }).id);
const query = januaryQuery;

async function readAll(store: Awaited<ReturnType<typeof freshStore>>['store'], q: CallQuery) {
  const pages: string[][] = [];
  let after: string | undefined;
  do {
    const page = await store.queryCalls({ ...q, after });
    pages.push(ids(page.calls));
    after = page.next;
  } while (after !== undefined && pages.length < 100);
  return pages;
}

describe('DynamoCallStore against DynamoDB Local', () => {
  it('returns one number’s calls in the window, newest first, bounds inclusive, using Query only', async () => {
    const { store, commands } = await freshStore();
    await store.putCalls(
      recordsOf([
        sampleCall({ id: 'early', customer: { number: NUMBER } }, at('2025-01-10T08:00:00.000Z')),
        sampleCall({ id: 'late', customer: { number: NUMBER } }, at('2025-01-10T09:00:00.000Z')),
        sampleCall({ id: 'edge', customer: { number: NUMBER } }, at('2025-01-10T10:00:00.000Z')),
        sampleCall({ id: 'outside', customer: { number: NUMBER } }, at('2025-01-10T10:00:00.001Z')),
        sampleCall({ id: 'other', customer: { number: OTHER } }, at('2025-01-10T09:30:00.000Z')),
      ]),
    );
    const page = await store.queryCalls(query({ number: NUMBER, from: '2025-01-10T08:00:00.000Z', to: '2025-01-10T10:00:00.000Z' }));
    expect(ids(page.calls)).toEqual(['edge', 'late', 'early']);
    expect(page.next).toBeUndefined();
    expect(JSON.parse(page.calls[0]!)).toMatchObject({ id: 'edge', customer: { number: NUMBER }, messages: expect.any(Array) });
    expect(commands).toEqual(['BatchWriteItemCommand', 'QueryCommand']);
  });

  it('returns every number’s calls across several days with one Query per day, never a Scan', async () => {
    const { store, commands } = await freshStore();
    await store.putCalls(
      recordsOf([
        sampleCall({ id: 'd1', customer: { number: NUMBER } }, at('2025-01-08T23:59:59.999Z')),
        sampleCall({ id: 'd2', customer: { number: OTHER } }, at('2025-01-09T00:00:00.000Z')),
        sampleCall({ id: 'd3', customer: { number: NUMBER } }, at('2025-01-10T12:00:00.000Z')),
        sampleCall({ id: 'before', customer: { number: NUMBER } }, at('2025-01-07T12:00:00.000Z')),
      ]),
    );
    commands.length = 0;
    const page = await store.queryCalls(query({ from: '2025-01-08T00:00:00.000Z', to: '2025-01-10T23:00:00.000Z' }));
    expect(ids(page.calls)).toEqual(['d3', 'd2', 'd1']);
    expect(commands).toEqual(['QueryCommand', 'QueryCommand', 'QueryCommand']);
  });

  it('replaces a re-sent call, even when its number and start time changed', async () => {
    const { store } = await freshStore();
    await store.putCalls(recordsOf([sampleCall({ id: 'moved', customer: { number: NUMBER } }, at('2025-01-10T08:00:00.000Z'))]));
    await store.putCalls(recordsOf([sampleCall({ id: 'moved', customer: { number: OTHER }, endedReason: 'v2' }, at('2025-01-12T08:00:00.000Z'))]));
    expect((await store.queryCalls(query({ number: NUMBER }))).calls).toEqual([]);
    const other = await store.queryCalls(query({ number: OTHER }));
    expect(other.calls.map((c) => JSON.parse(c) as { endedReason: string }).map((c) => c.endedReason)).toEqual(['v2']);
    expect(ids((await store.queryCalls(query({}))).calls)).toEqual(['moved']);
  });

  it('never returns a call past its retention, even before TTL deletes it', async () => {
    const { store } = await freshStore();
    await store.putCalls(recordsOf([sampleCall({ id: 'old' }, at('2025-01-01T00:00:00.000Z'))], 10));
    await store.putCalls(recordsOf([sampleCall({ id: 'fresh' }, at('2025-01-02T00:00:00.000Z'))], 10));
    const justBefore = Date.parse('2025-01-11T00:00:00Z') / 1000 - 1;
    expect(ids((await store.queryCalls(query({ now: justBefore }))).calls)).toEqual(['fresh', 'old']);
    expect(ids((await store.queryCalls(query({ now: justBefore + 1 }))).calls)).toEqual(['fresh']);
  });

  it('pages by limit across day partitions without losing or repeating a call', async () => {
    const { store } = await freshStore();
    const calls = Array.from({ length: 11 }, (_, i) =>
      sampleCall({ id: `c${i}` }, new Date(Date.parse('2025-01-05T20:00:00Z') + i * 3 * 3600_000).toISOString()),
    );
    await store.putCalls(recordsOf(calls));
    const expected = calls.map((c) => c.id).reverse();
    for (const limit of [1, 2, 3, 10, 11]) {
      const pages = await readAll(store, query({ limit, from: '2025-01-05T00:00:00.000Z', to: '2025-01-08T00:00:00.000Z' }));
      expect(pages.flat()).toEqual(expected);
      expect(pages.every((p) => p.length <= limit)).toBe(true);
      expect(pages).toHaveLength(Math.ceil(11 / limit));
    }
    const byNumber = await readAll(store, query({ number: NUMBER, limit: 4 }));
    expect(byNumber.flat()).toEqual(expected);
  });

  it('stops before the response byte budget and continues on the next page, never splitting a call', async () => {
    const { store } = await freshStore();
    const records = recordsOf(Array.from({ length: 5 }, (_, i) => sampleCall({ id: `b${i}` }, `2025-01-10T0${i}:00:00.000Z`)));
    await store.putCalls(records);
    const size = records[0]!.responseBytes;
    const pages = await readAll(store, query({ maxBytes: 2 + 2 * (size + 1) + 10 }));
    expect(pages).toEqual([['b4', 'b3'], ['b2', 'b1'], ['b0']]);
    // A budget smaller than one call still returns that call, so a page is never empty.
    expect((await readAll(store, query({ maxBytes: 10 }))).map((p) => p.length)).toEqual([1, 1, 1, 1, 1]);
  });

  it('stores a 1 MB transcript compressed and returns it byte for byte', async () => {
    const { store } = await freshStore();
    const [record] = recordsOf([sampleCall({ id: 'long', messages: longTranscript(1024 * 1024) })]);
    expect(Buffer.byteLength(record!.json)).toBeGreaterThan(1024 * 1024);
    await store.putCalls([record!]);
    const page = await store.queryCalls(query({ number: NUMBER }));
    expect(page.calls).toEqual([record!.json]);
  });

  it('refuses a call too large even compressed, naming it, and stores nothing from that batch', async () => {
    const { store } = await freshStore();
    // Random digits barely compress: ~1.2 MB of them stays far above the item limit.
    let noise = '';
    while (noise.length < 1_200_000) noise += Math.random().toString(36).slice(2);
    const records = recordsOf([
      sampleCall({ id: 'fine' }),
      sampleCall({ id: 'huge', messages: [{ role: 'user', content: noise, start_time: 0, end_time: 1 }] }),
    ]);
    await expect(store.putCalls(records)).rejects.toEqual(expect.objectContaining({ name: 'CallTooLargeError', ids: ['huge'] }));
    await expect(store.putCalls(records)).rejects.toBeInstanceOf(CallTooLargeError);
    expect((await store.queryCalls(query({}))).calls).toEqual([]);
  });

  it('retries items DynamoDB leaves unprocessed until every one is stored', async () => {
    const { store, client } = await freshStore({ sleep: async () => undefined });
    // Fault injection: forward only the first item of each batch to DynamoDB Local and report the
    // rest as unprocessed, as DynamoDB does under throttling.
    const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
    let batchCalls = 0;
    jest.spyOn(client, 'send').mockImplementation((async (command: unknown) => {
      if (!(command instanceof BatchWriteCommand)) return send(command);
      batchCalls++;
      const [table, requests] = Object.entries(command.input.RequestItems!)[0]!;
      const input: BatchWriteCommandInput = { RequestItems: { [table]: requests.slice(0, 1) } };
      await send(new BatchWriteCommand(input));
      return { UnprocessedItems: requests.length > 1 ? { [table]: requests.slice(1) } : {} };
    }) as never);
    const records = recordsOf(Array.from({ length: 30 }, (_, i) => sampleCall({ id: `u${i}` }, `2025-01-10T10:${String(i).padStart(2, '0')}:00.000Z`)));
    await store.putCalls(records);
    expect(batchCalls).toBe(30); // 25 + 5 items, one stored per attempt
    jest.restoreAllMocks();
    expect((await store.queryCalls(query({}))).calls).toHaveLength(30);
  });

  it('gives up with StoreUnavailableError when attempts stop making progress', async () => {
    const { store, client } = await freshStore({ sleep: async () => undefined, maxWriteAttempts: 3 });
    const spy = jest
      .spyOn(client, 'send')
      .mockImplementation((async (command: BatchWriteCommand) => ({ UnprocessedItems: command.input.RequestItems })) as never);
    await expect(store.putCalls(recordsOf([sampleCall()]))).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(spy).toHaveBeenCalledTimes(3);
  });

  it('refuses a position it did not issue', async () => {
    const { store } = await freshStore();
    for (const after of ['nope', '[0,"2025-01-30","x","y"]', '[5,"+1","x","y"]', '{}']) {
      await expect(store.queryCalls(query({ after }))).rejects.toBeInstanceOf(InvalidPositionError);
    }
  });

  it('checks every part of a position before DynamoDB sees it (issue 11.5: these were ValidationExceptions, a 500)', async () => {
    const { store, commands } = await freshStore();
    const day = (pk: string, ts: string) => JSON.stringify([0, '2025-01-31', pk, ts]);
    const forged = [
      day('', '2025-01-31T00:00:00.000Z'), // empty key
      day('call#x', '2025-02-05T00:00:00.000Z'), // after the window
      day('call#x', '2024-12-31T23:59:59.999Z'), // before it
      day('call#x', '2025-01-30T10:00:00.000Z'), // another day than its partition
      day('call#x', '2025-01-31T00:00:00Z'), // not the canonical form
      day('call#x', '2025-01-31T99:00:00.000Z'),
      day('call#\ud800', '2025-01-31T00:00:00.000Z'), // a lone surrogate
      day(`call#${'x'.repeat(3000)}`, '2025-01-31T00:00:00.000Z'), // longer than any id
      day('no-source-x', '2025-01-31T00:00:00.000Z'),
    ];
    for (const after of forged) await expect(store.queryCalls(query({ after }))).rejects.toBeInstanceOf(InvalidPositionError);
    const byNumber = JSON.stringify([0, NUMBER, 'custom#x', '2025-02-01T00:00:00.000Z']);
    await expect(store.queryCalls(query({ number: NUMBER, after: byNumber }))).rejects.toBeInstanceOf(InvalidPositionError);
    expect(commands).toEqual([]);
    // Well-formed positions, current and legacy keys, are used as they are.
    await expect(store.queryCalls(query({ after: day('call#x', '2025-01-31T00:00:00.000Z') }))).resolves.toEqual({ calls: [], next: undefined });
    await expect(store.queryCalls(query({ number: NUMBER, after: JSON.stringify([0, NUMBER, 'custom#x', '2025-01-31T00:00:00.000Z']) }))).resolves.toEqual({
      calls: [],
      next: undefined,
    });
  });
});
