/**
 * Bad input on the read endpoint (GET /calls, GET /calls/{number}): random and adversarial query
 * strings and paths always get a 2xx or a 4xx in the JSON error shape, never a 5xx; what reaches the
 * store is always a well-formed, bounded query; and against DynamoDB Local no request ever Scans.
 */
import './quiet-logs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { createReadHandler } from '../../functions/read-calls';
import { keyCheck } from '../../lib/auth';
import { MAX_LIMIT, readQueryScope } from '../../lib/query';
import type { CallPage, CallQuery, CallStore } from '../../lib/store/call-store';
import { httpEvent, invoke } from '../support/events';
import { sampleCall } from '../support/fixtures';
import { freshStore, recordsOf } from '../support/store';
import { isJsonError, runs, SEED } from './support';

const READ_KEY = 'read-key-reliability';
const NOW = Date.parse('2025-03-10T12:00:00.000Z');
const MAX_WINDOW_DAYS = 31;
const DAY = 86_400_000;

// -------------------------------------------------------------------------------------------------
// Arbitraries

const injection = fc.constantFrom(
  "' OR '1'='1",
  '" OR ""="',
  '{"$ne":null}',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Log4Shell probe, meant as literal text
  '${jndi:ldap://127.0.0.1/a}',
  '%00',
  '\u0000',
  '\r\nSet-Cookie: a=b',
  '#pk',
  ':p',
  'attribute_exists(pk)',
  '__proto__',
  '%2B%2B%2B',
  '%252B16505551234',
  '+',
  '++16505551234',
  ' ',
  '',
);

const huge = fc.constantFrom('9'.repeat(100_000), '+'.repeat(20_000), `+1${'6'.repeat(50_000)}`, 'a,'.repeat(30_000), '\u{1F600}'.repeat(10_000));

const numberForms = fc.constantFrom(
  '+16505551234',
  ' 16505551234', // `+` decoded as a space
  '%2B16505551234',
  '%2b16505551234',
  '+1 (650) 555-1234',
  '+1.650.555.1234',
  '16505551234',
  '+0123',
  '+1234567890123456',
  '+１６５０５５５１２３４', // full-width digits
  '+16505551234,+14155550000', // repeated key, joined with a comma as API Gateway does
);

/** ISO 8601 instants in many spellings, over the whole 0000-9999 range. */
const instant = fc
  .record({
    ms: fc.integer({ min: Date.parse('0000-01-01T00:00:00.000Z'), max: Date.parse('9999-12-31T23:59:59.999Z') }),
    style: fc.integer({ min: 0, max: 7 }),
  })
  .map(({ ms, style }) => {
    const iso = new Date(ms).toISOString();
    switch (style) {
      case 0:
        return iso;
      case 1:
        return iso.replace('T', ' ');
      case 2:
        return iso.replace(/\.\d{3}Z$/, 'Z');
      case 3:
        return iso.replace('Z', '+05:30');
      case 4:
        return iso.replace('Z', '-0800');
      case 5:
        return iso.replace(/\.(\d{3})Z$/, ',$1999999z');
      case 6:
        return iso.replace('Z', '+14');
      default:
        return iso.slice(0, 10); // a date without a time: invalid
    }
  });

/** Windows around NOW: sane, reversed, absurdly long, on the limit and just past it. */
const window = fc
  .record({
    start: fc.integer({ min: NOW - 400 * DAY, max: NOW + 10 * DAY }),
    span: fc.oneof(
      fc.integer({ min: 0, max: MAX_WINDOW_DAYS * DAY }),
      fc.constantFrom(MAX_WINDOW_DAYS * DAY, MAX_WINDOW_DAYS * DAY + 1, -1, -DAY, 10_000 * DAY),
    ),
    lower: fc.constantFrom('from', 'createdAtGe', 'createdAtGt'),
    upper: fc.constantFrom('to', 'createdAtLe', 'createdAtLt'),
  })
  .map(({ start, span, lower, upper }) => {
    const end = start + span;
    const out: Record<string, string> = {};
    const clamp = (ms: number) => Math.min(Math.max(ms, -62_000_000_000_000), 253_402_300_799_999);
    out[lower] = new Date(clamp(start)).toISOString();
    out[upper] = new Date(clamp(end)).toISOString();
    return out;
  });

/** The scope of a request that gives only a cursor (and a limit): a forged cursor with it gets past the scope check. */
const BARE_SCOPE = readQueryScope(undefined, undefined, undefined);

/**
 * Store positions as a client could forge them: mostly the shape the store issues (partition, its
 * day, a key, a time that day), with one part or another wrong: empty or odd keys, times outside
 * the window or on another day, non-canonical times, partitions that do not exist.
 */
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const forgedPosition = fc
  .record({
    partition: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 2 }) }, { weight: 1, arbitrary: fc.constantFrom(-1, 99, 1.5) }),
    value: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('2025-03-09', '+16505551234', '', 'x') }),
    pk: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('call#a', 'custom#a', 'call#b', 'vapi#zz') },
      { weight: 2, arbitrary: fc.constantFrom('', 'call#', '#', 'call#\ud800', `call#${'x'.repeat(3000)}`, 'nope') },
      { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
    ),
    ts: fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 0, max: DAY - 1 }) },
      { weight: 2, arbitrary: fc.constantFrom('', '2025-03-12T00:00:00.000Z', '2025-03-10T00:00:00Z', '1e3', '+010000-01-01T00:00:00.000Z') },
    ),
  })
  .map(({ partition, value, pk, ts }) => {
    const dayStart = Date.parse(dayOf(NOW)) - (Number.isInteger(partition) ? partition : 0) * DAY;
    return JSON.stringify([partition, value ?? dayOf(dayStart), pk, typeof ts === 'number' ? new Date(dayStart + ts).toISOString() : ts]);
  });

const forgedCursor = fc
  .record({
    n: fc.oneof(fc.constant(null), fc.constant('+16505551234'), fc.string({ maxLength: 20 })),
    f: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(1e20, -1e20, 8.64e15, 8.64e15 + 1, NOW - DAY, Number.MAX_SAFE_INTEGER)),
    t: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(1e20, -8.64e15, NOW, Number.MIN_SAFE_INTEGER)),
    a: fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom(
        '[0,"+16505551234","custom#x","2025-03-10T00:00:00.000Z"]',
        '[99,"x","y","z"]',
        '[0,"2025-03-10","a","b"]',
        '[-1,"a","b","c"]',
        '{}',
        '[]',
      ),
      forgedPosition,
    ),
    q: fc.option(fc.oneof({ weight: 3, arbitrary: fc.constant(BARE_SCOPE) }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }) }), { nil: undefined }),
    extra: fc.boolean(),
  })
  .map(({ extra, ...cursor }) => Buffer.from(JSON.stringify(extra ? { ...cursor, x: 1 } : cursor)).toString('base64url'));

/** A forged cursor that passes the query's own checks (scope, window), so its position reaches the store. */
const plausibleForgedCursor = fc
  .record({ a: forgedPosition, span: fc.integer({ min: 0, max: 3 * DAY }) })
  .map(({ a, span }) => Buffer.from(JSON.stringify({ f: NOW - span, t: NOW, a, q: BARE_SCOPE })).toString('base64url'));

const anyText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }), // lone surrogates included
);

const KNOWN = [
  'number',
  'phone_number',
  'customerNumber',
  'from',
  'to',
  'createdAtGt',
  'createdAtGe',
  'createdAtLt',
  'createdAtLe',
  'limit',
  'cursor',
] as const;

const specificValue = (key: string) =>
  key === 'limit'
    ? fc.oneof(
        fc.integer({ min: -5, max: 2000 }).map(String),
        fc.constantFrom('0', '1', '1000', '1001', '1e3', '0x10', '00001', '9999999', '99999999', '1.5', ' 5'),
      )
    : ['number', 'phone_number', 'customerNumber'].includes(key)
      ? numberForms
      : key === 'cursor'
        ? forgedCursor
        : instant;

const paramValue = (key: string) => {
  const specific = specificValue(key);
  return fc.oneof({ weight: 4, arbitrary: specific }, { weight: 1, arbitrary: injection }, { weight: 1, arbitrary: anyText }, { weight: 1, arbitrary: huge });
};

const otherKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'source', 'NUMBER', 'number[]', 'from '), anyText);

/** A query: some known parameters with adversarial values, a window, and unknown keys. */
const hostileQuery = fc
  .record({
    known: fc.uniqueArray(fc.constantFrom(...KNOWN), { maxLength: 5 }).chain((keys) => fc.tuple(...keys.map((k) => paramValue(k).map((v) => [k, v] as const)))),
    windowParams: fc.option(window, { freq: 2 }),
    unknown: fc.array(fc.tuple(otherKey, anyText), { maxLength: 3 }),
  })
  .map(({ known, windowParams, unknown }) => {
    // A plain object with own keys, as the Lambda runtime's JSON.parse makes it (own __proto__ included).
    const query: Record<string, string> = JSON.parse('{}');
    const set = (k: string, v: string) => Object.defineProperty(query, k, { value: v, enumerable: true, writable: true, configurable: true });
    for (const [k, v] of unknown) set(k, v);
    if (windowParams) for (const [k, v] of Object.entries(windowParams)) set(k, v);
    for (const [k, v] of known) set(k, v);
    return query;
  });

/** A plausible query: a number in one of its spellings, a window, a limit; wrong only by chance. */
const plausibleQuery = fc
  .record({ number: fc.option(numberForms), windowParams: fc.option(window), limit: fc.option(specificValue('limit')) })
  .map(({ number, windowParams, limit }) => {
    const query: Record<string, string> = { ...(windowParams ?? {}) };
    if (number !== null) query.number = number;
    if (limit !== null) query.limit = limit;
    return query;
  });

const queryArb = fc.oneof(hostileQuery, plausibleQuery);

const pathNumber = fc.option(fc.oneof(numberForms, injection, anyText, huge), { freq: 3 });

function readEvent(query: Record<string, string>, number: string | null, authorization = READ_KEY): APIGatewayProxyEventV2 {
  const rawQueryString = Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  const event = httpEvent({
    routeKey: number === null ? 'GET /calls' : 'GET /calls/{number}',
    path: number === null ? '/calls' : `/calls/${encodeURIComponent(number)}`,
    pathParameters: number === null ? undefined : { number },
    headers: { authorization },
  });
  return { ...event, rawQueryString, queryStringParameters: Object.keys(query).length > 0 ? query : undefined };
}

function expectSane(result: Awaited<ReturnType<typeof invoke>>, label: unknown): void {
  const status = result.status ?? 0;
  const ok = (status >= 200 && status < 300) || (status >= 400 && status < 500);
  if (!ok) throw new Error(`status ${status} for ${JSON.stringify(label).slice(0, 500)}: ${String(result.raw).slice(0, 300)}`);
  expect(result.headers['content-type']).toBe('application/json');
  if (status >= 400) {
    expect(isJsonError(result.body)).toBe(true);
  } else {
    expect(Array.isArray(result.body)).toBe(true);
    const link = result.headers.link;
    if (link !== undefined) {
      expect(link).toMatch(/^<\/calls[^\r\n>]*>; rel="next"$/);
    }
  }
}

// -------------------------------------------------------------------------------------------------

describe('read endpoint under adversarial input (in-process handler)', () => {
  /** A CallStore that checks every query it is given is well-formed and bounded, and stores nothing. */
  const queries: CallQuery[] = [];
  const checkingStore: CallStore = {
    putCalls: async () => {
      throw new Error('the read handler must never write');
    },
    queryCalls: async (query): Promise<CallPage> => {
      queries.push(query);
      const from = Date.parse(query.from);
      const to = Date.parse(query.to);
      const problems: string[] = [];
      if (!(new Date(from).toISOString() === query.from && new Date(to).toISOString() === query.to)) problems.push('bounds not canonical ISO');
      if (!(from <= to)) problems.push('from after to');
      if (to - from > MAX_WINDOW_DAYS * DAY) problems.push('window too long');
      if (!(Number.isInteger(query.limit) && query.limit >= 1 && query.limit <= MAX_LIMIT)) problems.push('limit out of range');
      if (query.number !== undefined && !/^\+[1-9]\d{1,14}$/.test(query.number)) problems.push('number not E.164');
      if (problems.length > 0) throw new Error(`bad query reached the store (${problems.join(', ')}): ${JSON.stringify(query)}`);
      // Pretend more pages exist for some queries, so the Link header is built from hostile parameters too.
      return { calls: [], next: query.limit % 2 === 1 ? '[0,"x","custom#a","2025-03-10T00:00:00.000Z"]' : undefined };
    },
  };
  const handler = createReadHandler({ store: checkingStore, keys: async () => keyCheck([READ_KEY]), maxWindowDays: MAX_WINDOW_DAYS, now: () => NOW });

  const CASES = runs(4_000);
  test(`${CASES} random queries and paths: 2xx or JSON 4xx, never 5xx; the store only sees bounded queries`, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(queryArb, pathNumber, async (query, number) => {
        const result = await invoke(handler, readEvent(query, number));
        statuses.set(result.status!, (statuses.get(result.status!) ?? 0) + 1);
        expectSane(result, { query, number });
      }),
      { seed: SEED, numRuns: CASES },
    );
    // The generators reach both outcomes in volume, or the property proves little.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(CASES / 20);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(CASES / 5);
    expect([...statuses.keys()].sort()).toEqual([200, 400]);
  });

  const CURSOR_CASES = runs(2_000);
  test(`${CURSOR_CASES} forged cursors: a 200 or a 400 naming cursor, never a 5xx`, async () => {
    await fc.assert(
      fc.asyncProperty(forgedCursor, fc.option(fc.integer({ min: 1, max: 1000 })), async (cursor, limit) => {
        const query: Record<string, string> = { cursor };
        if (limit !== null) query.limit = String(limit);
        const result = await invoke(handler, readEvent(query, null));
        expectSane(result, query);
        if (result.status === 400) {
          expect((result.body as { error: { issues: Array<{ path: string }> } }).error.issues.map((i) => i.path)).toContain('cursor');
        }
      }),
      { seed: SEED, numRuns: CURSOR_CASES },
    );
  });

  test('the Link header cursor is accepted back, for any window and number that was accepted', async () => {
    await fc.assert(
      fc.asyncProperty(window, fc.option(numberForms), async (windowParams, number) => {
        const query: Record<string, string> = { ...windowParams, limit: '1' };
        if (number !== null) query.number = number;
        const first = await invoke(handler, readEvent(query, null));
        expectSane(first, query);
        if (first.status !== 200) return;
        const next = Object.fromEntries(new URLSearchParams(/\?([^>]*)>/.exec(first.headers.link!)![1]));
        const second = await invoke(handler, readEvent(next, null));
        expect(second.status).toBe(200);
      }),
      { seed: SEED, numRuns: runs(500) },
    );
  });
});

describe('read endpoint under adversarial input (DynamoDB Local)', () => {
  const CASES = runs(500);
  test(`${CASES} random queries against the real store: 2xx or JSON 4xx, and only Query commands, never a Scan`, async () => {
    const { store, commands } = await freshStore();
    await store.putCalls(
      recordsOf([
        sampleCall({ id: 'a' }, new Date(NOW - 3 * 3600_000).toISOString()),
        sampleCall({ id: 'b', customer: { number: '+14155550000' } }, new Date(NOW - 2 * DAY).toISOString()),
        sampleCall({ id: 'c' }, new Date(NOW - 20 * DAY).toISOString()),
      ]),
    );
    commands.length = 0;
    const handler = createReadHandler({ store, keys: async () => keyCheck([READ_KEY]), maxWindowDays: MAX_WINDOW_DAYS, now: () => NOW });
    let served = 0;
    await fc.assert(
      fc.asyncProperty(queryArb, pathNumber, async (query, number) => {
        const result = await invoke(handler, readEvent(query, number));
        expectSane(result, { query, number });
        if (result.status === 200) served++;
      }),
      { seed: SEED + 1, numRuns: CASES },
    );
    expect(served).toBeGreaterThan(CASES / 20);
    expect(commands.length).toBeGreaterThan(0);
    expect([...new Set(commands)]).toEqual(['QueryCommand']);
  });

  const FORGED = runs(500);
  test(`${FORGED} forged positions that pass the query's checks reach the real store: a 200 or a 400 naming cursor, never a 5xx`, async () => {
    const { store } = await freshStore();
    await store.putCalls(
      recordsOf([sampleCall({ id: 'a' }, new Date(NOW - 3600_000).toISOString()), sampleCall({ id: 'b' }, new Date(NOW - DAY).toISOString())]),
    );
    const handler = createReadHandler({ store, keys: async () => keyCheck([READ_KEY]), maxWindowDays: MAX_WINDOW_DAYS, now: () => NOW });
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(plausibleForgedCursor, async (cursor) => {
        const result = await invoke(handler, readEvent({ cursor }, null));
        statuses.set(result.status!, (statuses.get(result.status!) ?? 0) + 1);
        expectSane(result, { cursor: Buffer.from(cursor, 'base64url').toString('utf8') });
        if (result.status === 400) {
          expect((result.body as { error: { issues: Array<{ path: string }> } }).error.issues.map((i) => i.path)).toEqual(['cursor']);
        }
      }),
      { seed: SEED + 2, numRuns: FORGED },
    );
    // Both outcomes, or the positions never reached DynamoDB.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(FORGED / 20);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(FORGED / 5);
  });
});
