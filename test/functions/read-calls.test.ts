import { createReadHandler } from '../../functions/read-calls';
import { keyCheck } from '../../lib/auth';
import { httpEvent, invoke } from '../support/events';
import { longTranscript, sampleCall } from '../support/fixtures';
import { freshStore, recordsOf } from '../support/store';

const READ_KEYS = ['read-old', 'read-new'];
const NOW = Date.parse('2025-03-10T12:00:00.000Z');

async function setup(options: { maxResponseBytes?: number } = {}) {
  const { store, commands } = await freshStore();
  const handler = createReadHandler({ store, keys: async () => keyCheck(READ_KEYS), maxWindowDays: 31, now: () => NOW, ...options });
  const get = (query: Record<string, string> = {}, extra: { path?: string; number?: string; authorization?: string } = {}) =>
    invoke(
      handler,
      httpEvent({
        routeKey: extra.number === undefined ? 'GET /calls' : 'GET /calls/{number}',
        path: extra.path,
        query,
        pathParameters: extra.number === undefined ? undefined : { number: extra.number },
        headers: { authorization: extra.authorization ?? 'read-new' },
      }),
    );
  return { store, commands, get };
}

const ids = (body: unknown) => (body as Array<{ id: string }>).map((c) => c.id);

describe('read handler (DynamoDB Local)', () => {
  it('answers a bare JSON array, newest first, for the number in any accepted form', async () => {
    const { store, get, commands } = await setup();
    await store.putCalls(
      recordsOf([
        sampleCall({ id: 'older' }, '2025-03-10T09:00:00.000Z'),
        sampleCall({ id: 'newer' }, '2025-03-10T11:00:00.000Z'),
        sampleCall({ id: 'someone-else', customer: { number: '+14155550000' } }, '2025-03-10T10:00:00.000Z'),
      ]),
    );
    commands.length = 0;
    const forms: Record<string, string>[] = [
      { number: ' 16505551234' },
      { number: '%2B16505551234' },
      { phone_number: '+1 (650) 555-1234' },
      { customerNumber: '+16505551234' },
    ];
    for (const query of forms) {
      const result = await get(query);
      expect(result).toMatchObject({ status: 200, headers: { 'content-type': 'application/json' } });
      expect(ids(result.body)).toEqual(['newer', 'older']);
    }
    expect(ids((await get({}, { number: '+16505551234', path: '/calls/+16505551234' })).body)).toEqual(['newer', 'older']);
    expect(ids((await get()).body)).toEqual(['newer', 'someone-else', 'older']);
    expect(commands.every((c) => c === 'QueryCommand')).toBe(true);
  });

  it('answers [] when nothing matches', async () => {
    const { get } = await setup();
    const result = await get({ number: '+16505551234' });
    expect(result).toMatchObject({ status: 200, raw: '[]' });
    expect(result.headers.link).toBeUndefined();
  });

  it('accepts every rotation key, raw or Bearer, and answers 401 with only a JSON error otherwise', async () => {
    const { get } = await setup();
    for (const authorization of ['read-old', 'Bearer read-old', 'bearer read-new']) expect((await get({}, { authorization })).status).toBe(200);
    for (const authorization of ['', 'read-ol', 'Basic read-old', 'ingest-key', 'Bearer']) {
      const result = await get({}, { authorization });
      expect(result.status).toBe(401);
      expect(result.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    }
  });

  it('names the bad parameter in a 400', async () => {
    const { get } = await setup();
    expect(await get({ limit: '5000' })).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', issues: [{ path: 'limit' }] } } });
    expect(await get({ from: '2025-01-01T00:00:00Z', to: '2025-03-01T00:00:00Z' })).toMatchObject({
      status: 400,
      body: { error: { issues: [{ path: 'from' }] } },
    });
    expect(await get({ number: 'call-me' })).toMatchObject({ status: 400, body: { error: { issues: [{ path: 'number' }] } } });
    expect(await get({ cursor: 'forged' })).toMatchObject({ status: 400, body: { error: { issues: [{ path: 'cursor' }] } } });
  });

  it('pages with limit through a Link header whose cursor is accepted back', async () => {
    const { store, get } = await setup();
    await store.putCalls(recordsOf(Array.from({ length: 5 }, (_, i) => sampleCall({ id: `p${i}` }, `2025-03-10T0${i}:00:00.000Z`))));
    const seen: string[] = [];
    let query: Record<string, string> = { number: ' 16505551234', limit: '2' };
    for (let page = 0; page < 10; page++) {
      const result = await get(query);
      seen.push(...ids(result.body));
      const link = result.headers.link;
      if (!link) break;
      const match = /^<\/calls\?([^>]+)>; rel="next"$/.exec(link);
      expect(match).not.toBeNull();
      query = Object.fromEntries(new URLSearchParams(match![1]));
      expect(query.limit).toBe('2');
    }
    expect(seen).toEqual(['p4', 'p3', 'p2', 'p1', 'p0']);
  });

  it('answers a forged position inside a cursor with a 400 naming cursor, never a 500 (issue 11.5)', async () => {
    const { store, get } = await setup();
    await store.putCalls(recordsOf(Array.from({ length: 3 }, (_, i) => sampleCall({ id: `f${i}` }, `2025-03-10T0${i}:00:00.000Z`))));
    const first = await get({ limit: '1' });
    const next = Object.fromEntries(new URLSearchParams(/\?([^>]+)>/.exec(first.headers.link!)![1]));
    const cursor = JSON.parse(Buffer.from(next.cursor!, 'base64url').toString('utf8')) as { a: string };
    const [partition, day] = JSON.parse(cursor.a) as [number, string];
    for (const position of [
      [partition, day, '', '2025-03-10T01:00:00.000Z'], // an empty key
      [partition, day, 'call#f1', '2025-03-12T01:00:00.000Z'], // a time outside the window
      [partition, day, 'call#f1', '2025-03-10T01:00:00Z'],
    ]) {
      const forged = Buffer.from(JSON.stringify({ ...cursor, a: JSON.stringify(position) })).toString('base64url');
      expect(await get({ ...next, cursor: forged })).toMatchObject({ status: 400, body: { error: { issues: [{ path: 'cursor' }] } } });
    }
    expect((await get(next)).status).toBe(200);
  });

  it('refuses a cursor used with another number than the one it was issued for (issue 11.7)', async () => {
    const { store, get } = await setup();
    const other = '+14155550000';
    await store.putCalls(
      recordsOf([
        sampleCall({ id: 'a1' }, '2025-03-10T01:00:00.000Z'),
        sampleCall({ id: 'a2' }, '2025-03-10T02:00:00.000Z'),
        sampleCall({ id: 'b1', customer: { number: other } }, '2025-03-10T03:00:00.000Z'),
      ]),
    );
    const first = await get({ limit: '1' }, { number: '+16505551234', path: '/calls/+16505551234' });
    expect(ids(first.body)).toEqual(['a2']);
    const next = Object.fromEntries(new URLSearchParams(/\?([^>]+)>/.exec(first.headers.link!)![1]));
    const refused = { status: 400, body: { error: { issues: [{ path: 'cursor', message: expect.stringContaining('belongs to another query') }] } } };
    expect(await get(next, { number: other, path: `/calls/${other}` })).toMatchObject(refused);
    expect(await get({ ...next, number: other })).toMatchObject(refused);
    expect(await get({ ...next, from: '2025-03-01T00:00:00Z' }, { number: '+16505551234' })).toMatchObject(refused);
    expect(ids((await get(next, { number: '+16505551234', path: '/calls/+16505551234' })).body)).toEqual(['a1']);
  });

  it('bounds time parameters to 1970-9999 and says what is wrong with one (issues 11.6, 12.6)', async () => {
    const { store, get } = await setup();
    await store.putCalls(recordsOf([sampleCall({ id: 'in-window' }, '2025-03-10T09:00:00.000Z')]));
    // Year 10000 once in UTC: it sorted before 9999 and reached DynamoDB, a 500.
    expect(await get({ from: '9999-12-31T00:00:00Z', to: '9999-12-31T23:59:00-12:00' })).toMatchObject({
      status: 400,
      body: { error: { issues: [{ path: 'to', message: 'must be an instant from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z' }] } },
    });
    expect(await get({ from: '2025-03-10' })).toMatchObject({
      status: 400,
      body: { error: { issues: [{ path: 'from', message: 'has no time: give e.g. 2025-03-10T00:00:00Z' }] } },
    });
    expect(await get({ from: '2025-13-10T00:00:00Z' })).toMatchObject({
      status: 400,
      body: { error: { issues: [{ path: 'from', message: 'month 13 does not exist' }] } },
    });
    // `+01:00` sent unencoded arrives as ` 01:00`.
    const plusAsSpace = await get({ from: '2025-03-10T10:00:00 01:00', to: '2025-03-10T11:00:00 01:00' });
    expect(plusAsSpace.status).toBe(200);
    expect(ids(plusAsSpace.body)).toEqual(['in-window']);
  });

  it('stops before the response size cap without truncating a call, and pages the rest', async () => {
    const { store, get } = await setup({ maxResponseBytes: 700_000 });
    const records = recordsOf(
      Array.from({ length: 4 }, (_, i) => sampleCall({ id: `big${i}`, messages: longTranscript(300_000) }, `2025-03-10T0${i}:00:00.000Z`)),
    );
    await store.putCalls(records);
    const first = await get();
    expect(ids(first.body)).toEqual(['big3', 'big2']);
    expect(first.raw!.length).toBeLessThanOrEqual(700_000);
    expect((first.body as unknown[])[0]).toEqual(JSON.parse(records[3]!.json));
    const next = Object.fromEntries(new URLSearchParams(/\?([^>]+)>/.exec(first.headers.link!)![1]));
    expect(ids((await get(next)).body)).toEqual(['big1', 'big0']);
  });
});
