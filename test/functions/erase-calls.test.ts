/**
 * DELETE /calls (issue 14): the erase handler on DynamoDB Local, next to the read and ingest
 * handlers on the same table.
 */
import type { Context } from 'aws-lambda';
import fc from 'fast-check';
import * as v from 'valibot';
import { createEraseHandler, ERASE_RESERVE_MS } from '../../functions/erase-calls';
import { createIngestHandler } from '../../functions/ingest-calls';
import { createReadHandler } from '../../functions/read-calls';
import { keyCheck } from '../../lib/auth';
import { EraseResultSchema, ErasureIncompleteSchema, ErrorBodySchema } from '../../lib/openapi/schemas';
import { type CallEraser, ErasureIncompleteError } from '../../lib/store/call-store';
import { httpEvent, invoke, lambdaContext } from '../support/events';
import { captureOutput } from '../support/fake-cekura';
import { sampleCall } from '../support/fixtures';
import { freshStore } from '../support/store';

const INGEST_KEY = 'ingest-key-1';
const READ_KEY = 'read-key-1';
const NUMBER = '+16505551234';
const OTHER = '+14155550100';

async function setup() {
  const { store } = await freshStore();
  const keys = async () => keyCheck([INGEST_KEY]);
  const erase = createEraseHandler({ store, keys });
  const ingest = createIngestHandler({ store, keys, retentionDays: 36500, maxBodyBytes: 5 * 1024 * 1024 });
  const read = createReadHandler({ store, keys: async () => keyCheck([READ_KEY]), maxWindowDays: 31, now: () => Date.parse('2025-01-20T12:00:00Z') });
  /** `null`: no Authorization header at all. */
  const del = (query: Record<string, string>, authorization: string | null = `Bearer ${INGEST_KEY}`) =>
    invoke(erase, httpEvent({ routeKey: 'DELETE /calls', query, headers: authorization === null ? {} : { authorization } }));
  const post = async (calls: unknown[]) => {
    const result = await invoke(
      ingest,
      httpEvent({ routeKey: 'POST /calls', headers: { authorization: INGEST_KEY, 'content-type': 'application/json' }, body: JSON.stringify(calls) }),
    );
    expect(result.status).toBe(200);
  };
  const ids = async () => {
    const result = await invoke(
      read,
      httpEvent({ routeKey: 'GET /calls', query: { from: '2025-01-01T00:00:00Z', to: '2025-01-20T00:00:00Z' }, headers: { authorization: READ_KEY } }),
    );
    return (result.body as Array<{ id: string }>).map((c) => c.id).sort();
  };
  return { store, del, post, ids };
}

const call = (id: string, number = NUMBER, startedAt = '2025-01-10T10:00:00.000Z') => sampleCall({ id, customer: { number } }, startedAt);

describe('DELETE /calls (DynamoDB Local)', () => {
  it('deletes one call by id with the ingest key, answers how many, and 0 when it is already gone', async () => {
    const { del, post, ids } = await setup();
    await post([call('keep'), call('erase-me')]);
    const first = await del({ id: 'erase-me' });
    expect(first).toMatchObject({ status: 200, body: { deleted: 1 }, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } });
    expect(v.is(EraseResultSchema, first.body)).toBe(true);
    expect(await ids()).toEqual(['keep']);
    expect(await del({ id: 'erase-me' })).toMatchObject({ status: 200, body: { deleted: 0 } });
    expect(await del({ id: 'never-stored' })).toMatchObject({ status: 200, body: { deleted: 0 } });
  });

  it('deletes every call of a number, all time, in any form GET accepts, and nothing of other numbers', async () => {
    const { del, post, ids } = await setup();
    await post([call('a1'), call('a2', NUMBER, '2025-01-15T10:00:00.000Z'), call('a-old', NUMBER, '2001-01-01T00:00:00.000Z'), call('b1', OTHER)]);
    // `+` unencoded in a query string arrives as a space; formatted numbers are read as GET reads them.
    expect(await del({ number: ' 1 (650) 555-1234' })).toMatchObject({ status: 200, body: { deleted: 3 } });
    expect(await ids()).toEqual(['b1']);
    expect(await del({ number: '%2B16505551234' })).toMatchObject({ status: 200, body: { deleted: 0 } });
    expect(await del({ number: OTHER })).toMatchObject({ status: 200, body: { deleted: 1 } });
    expect(await ids()).toEqual([]);
  });

  it('refuses a read key, a wrong key and no key with 401, deleting nothing', async () => {
    const { del, post, ids } = await setup();
    await post([call('kept')]);
    for (const authorization of [READ_KEY, `Bearer ${READ_KEY}`, 'wrong', '', null]) {
      expect([authorization, (await del({ id: 'kept' }, authorization)).status]).toEqual([authorization, 401]);
      expect([authorization, (await del({ number: NUMBER }, authorization)).status]).toEqual([authorization, 401]);
    }
    expect(await ids()).toEqual(['kept']);
  });

  it.each([
    ['neither id nor number', {}, 'id', /or number is required/],
    ['both', { id: 'kept', number: NUMBER }, 'id', /cannot both be given/],
    ['an empty id', { id: '' }, 'id', /must not be empty/],
    ['a 256-character id', { id: 'x'.repeat(256) }, 'id', /at most 255/],
    ['an id with a lone surrogate', { id: '\uD800' }, 'id', /lone surrogate/],
    ['a number without +', { number: '6505551234' }, 'number', /E\.164/],
    ['a window (from)', { number: NUMBER, from: '2025-01-01T00:00:00Z' }, 'from', /not a parameter of DELETE \/calls/],
  ])('answers 400 naming the field for %s, and deletes nothing', async (_, query, path, message) => {
    const { del, post, ids } = await setup();
    await post([call('kept')]);
    const result = await del(query as Record<string, string>);
    expect(result.status).toBe(400);
    expect(v.is(ErrorBodySchema, result.body)).toBe(true);
    const { issues } = (result.body as { error: { issues: Array<{ path: string; message: string }> } }).error;
    expect(issues).toContainEqual({ path, message: expect.stringMatching(message) });
    expect(await ids()).toEqual(['kept']);
  });

  it('answers 503 with what was deleted when the Lambda runs short of time, and a repeat finishes', async () => {
    const { store, post, ids } = await setup();
    await post([call('t1'), call('t2')]);
    const erase = createEraseHandler({ store, keys: async () => keyCheck([INGEST_KEY]) });
    const event = httpEvent({ routeKey: 'DELETE /calls', query: { number: NUMBER }, headers: { authorization: INGEST_KEY } });
    const shortOfTime = { ...lambdaContext, getRemainingTimeInMillis: () => ERASE_RESERVE_MS - 1 } as Context;
    const stopped = await erase(event as never, shortOfTime);
    const body = JSON.parse(stopped.body!) as unknown;
    expect([stopped.statusCode, stopped.headers?.['Retry-After'], body]).toEqual([
      503,
      '1',
      { error: { code: 'unavailable', message: expect.stringMatching(/0 calls were deleted.*Repeat/) }, deleted: 0 },
    ]);
    expect(v.is(ErasureIncompleteSchema, body)).toBe(true);
    expect(await ids()).toEqual(['t1', 't2']);
    expect(await invoke(erase, event)).toMatchObject({ status: 200, body: { deleted: 2 } });
  });

  it('answers 503 with the count when the store fails half way, and a 503 (never a 500) when it fails at once', async () => {
    const failing = (error: Error): CallEraser => ({ eraseCall: async () => Promise.reject(error), eraseNumber: async () => Promise.reject(error) });
    const keys = async () => keyCheck([INGEST_KEY]);
    const event = httpEvent({ routeKey: 'DELETE /calls', query: { number: NUMBER }, headers: { authorization: INGEST_KEY } });
    const half = await invoke(createEraseHandler({ store: failing(new ErasureIncompleteError(3, 'failed')), keys }), event);
    expect(half).toMatchObject({
      status: 503,
      headers: { 'retry-after': '1' },
      body: { deleted: 3, error: { code: 'unavailable', message: expect.stringContaining('3 calls were deleted') } },
    });
    const throttled = Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
    expect(await invoke(createEraseHandler({ store: failing(throttled), keys }), event)).toMatchObject({
      status: 503,
      body: { error: { code: 'unavailable' } },
    });
  });

  it('answers any query string with a 200 that erased exactly one target, or a 400 that erased nothing (never a 5xx)', async () => {
    const erased: string[] = [];
    const recording: CallEraser = {
      eraseCall: async (id) => {
        erased.push(`id:${id}`);
        return { deleted: 0 };
      },
      eraseNumber: async (number) => {
        erased.push(`number:${number}`);
        return { deleted: 0 };
      },
    };
    const erase = createEraseHandler({ store: recording, keys: async () => keyCheck([INGEST_KEY]) });
    const value = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.constantFrom('+16505551234', ' 16505551234', '%2B1 650 555 1234', '', 'x'.repeat(255)),
    );
    const query = fc.dictionary(fc.constantFrom('id', 'number', 'from', 'to', 'limit', 'cursor', 'ID', '__proto__'), value, { maxKeys: 3 });
    await fc.assert(
      fc.asyncProperty(query, async (params) => {
        erased.length = 0;
        const result = await invoke(erase, httpEvent({ routeKey: 'DELETE /calls', query: params, headers: { authorization: INGEST_KEY } }));
        if (result.status === 200) {
          expect(erased).toHaveLength(1);
          expect(Object.keys(params).sort()).toEqual([erased[0]!.split(':')[0]!]);
        } else {
          expect(result.status).toBe(400);
          expect(erased).toEqual([]);
          expect((result.body as { error: { issues: unknown[] } }).error.issues.length).toBeGreaterThan(0);
        }
      }),
      { seed: 14, numRuns: 1000 },
    );
  });

  it('logs the count, never the id or the number', async () => {
    const { del, post } = await setup();
    await post([call('secret-call-id')]);
    const output = captureOutput();
    try {
      await del({ id: 'secret-call-id' });
      await del({ number: NUMBER });
    } finally {
      output.restore();
    }
    expect(output.text()).toContain('calls erased');
    expect(output.text()).not.toContain('secret-call-id');
    expect(output.text()).not.toContain('6505551234');
  });
});
