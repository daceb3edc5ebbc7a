import { encodeCursor, nextPageQueryString, parseReadQuery, readQueryScope } from '../../lib/query';

const now = Date.parse('2025-06-15T12:00:00.000Z');
const opts = { now, maxWindowDays: 31 };
const parse = (params: Record<string, string>, path?: string) => parseReadQuery(params, path, opts);

describe('parseReadQuery', () => {
  it('defaults to every number, the last 24 hours, 100 calls', () => {
    expect(parse({})).toEqual({
      ok: true,
      query: { number: undefined, from: '2025-06-14T12:00:00.000Z', to: '2025-06-15T12:00:00.000Z', limit: 100, after: undefined, scope: expect.any(String) },
    });
  });

  it.each([
    [{ number: ' 16505551234' }, undefined],
    [{ number: '+1 650-555-1234' }, undefined],
    [{ phone_number: '%2B16505551234' }, undefined],
    [{ customerNumber: '+16505551234' }, undefined],
    [{}, '+16505551234'],
    [{ number: '+16505551234' }, '+16505551234'],
  ])('reads the number from %j / path %j', (params, path) => {
    const result = parse(params, path);
    expect(result.ok && result.query.number).toBe('+16505551234');
  });

  it('refuses numbers that disagree or are not E.164', () => {
    expect(parse({ number: '+16505551234', phone_number: '+16505550000' })).toMatchObject({ ok: false, issues: [{ path: 'number' }] });
    expect(parse({ number: '6505551234' })).toMatchObject({ ok: false, issues: [{ path: 'number' }] });
    expect(parse({}, 'abc')).toMatchObject({ ok: false, issues: [{ path: 'number' }] });
  });

  it('takes inclusive from/to and Vapi-style bounds, the narrowest winning', () => {
    const result = parse({
      from: '2025-06-01T00:00:00Z',
      createdAtGt: '2025-06-02T00:00:00Z',
      to: '2025-06-10T00:00:00Z',
      createdAtLt: '2025-06-09T00:00:00Z',
    });
    expect(result.ok && [result.query.from, result.query.to]).toEqual(['2025-06-02T00:00:00.001Z', '2025-06-08T23:59:59.999Z']);
    const inclusive = parse({ createdAtGe: '2025-06-02T00:00:00Z', createdAtLe: '2025-06-03T00:00:00Z' });
    expect(inclusive.ok && [inclusive.query.from, inclusive.query.to]).toEqual(['2025-06-02T00:00:00.000Z', '2025-06-03T00:00:00.000Z']);
  });

  it('fills a missing bound: from alone runs to now, to alone starts 24 hours earlier', () => {
    const fromOnly = parse({ from: '2025-06-10T00:00:00Z' });
    expect(fromOnly.ok && fromOnly.query.to).toBe('2025-06-15T12:00:00.000Z');
    const toOnly = parse({ to: '2025-06-10T00:00:00Z' });
    expect(toOnly.ok && toOnly.query.from).toBe('2025-06-09T00:00:00.000Z');
  });

  it('refuses reversed windows, windows over the maximum and bad timestamps, naming the field', () => {
    expect(parse({ from: '2025-06-10T00:00:00Z', to: '2025-06-09T00:00:00Z' })).toMatchObject({ ok: false, issues: [{ path: 'from' }] });
    expect(parse({ from: '2025-05-01T00:00:00Z', to: '2025-06-02T00:00:00Z' })).toMatchObject({
      ok: false,
      issues: [{ path: 'from', message: expect.stringContaining('31 days') }],
    });
    expect(parse({ from: '2025-05-02T00:00:00Z', to: '2025-06-02T00:00:00Z' }).ok).toBe(true);
    expect(parse({ to: 'tomorrow' })).toMatchObject({ ok: false, issues: [{ path: 'to' }] });
  });

  it.each(['0', '1001', '-1', '1.5', 'ten', ''])('refuses limit=%j', (limit) => {
    expect(parse({ limit })).toMatchObject({ ok: false, issues: [{ path: 'limit' }] });
  });

  it('ignores unknown parameters', () => {
    expect(parse({ assistantId: 'x', page: '3' }).ok).toBe(true);
  });

  it('continues the query a cursor carries, whatever the clock says now', () => {
    const first = parse({ number: '+16505551234' });
    if (!first.ok) throw new Error('unexpected');
    const cursor = encodeCursor(first.query, 'position');
    // The next page's request carries the first one's parameters (the Link header keeps them).
    const later = parseReadQuery({ number: '+16505551234', cursor, limit: '5' }, undefined, { now: now + 3_600_000, maxWindowDays: 31 });
    expect(later).toEqual({ ok: true, query: { ...first.query, limit: 5, after: 'position' } });
  });

  it('refuses a cursor it did not issue', () => {
    for (const cursor of ['garbage', Buffer.from('{"n":1}').toString('base64url'), '']) {
      expect(parse({ cursor })).toMatchObject({ ok: false, issues: [{ path: 'cursor' }] });
    }
  });
});

describe('instants the day and sort keys can hold (issue 11.6)', () => {
  const range = 'from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z';

  it.each([
    ['to', '9999-12-31T23:59:00-12:00'], // year 10000 in UTC: sorted before 9999 as a string, a 500 before
    ['from', '0000-01-01T00:00:00+14:00'], // year -1 in UTC: day key -000001-12, served 31 times before
    ['from', '1969-12-31T23:59:59.999Z'],
    ['createdAtLe', '+010000-01-01T00:00:00Z'],
  ])('refuses %s=%s with a 400 that says the range', (param, value) => {
    expect(parse({ [param]: value })).toEqual({ ok: false, issues: [{ path: param, message: expect.stringContaining(range) }] });
  });

  it('accepts the ends of the range, inclusive', () => {
    const result = parse({ from: '9999-12-31T00:00:00Z', to: '9999-12-31T23:59:59.999Z' });
    expect(result.ok && [result.query.from, result.query.to]).toEqual(['9999-12-31T00:00:00.000Z', '9999-12-31T23:59:59.999Z']);
    const first = parse({ createdAtGe: '1970-01-01T00:00:00Z', createdAtLe: '1970-01-01T01:00:00Z' });
    expect(first.ok && first.query.from).toBe('1970-01-01T00:00:00.000Z');
  });

  it('keeps a filled-in bound inside the range, and refuses a window wholly outside it', () => {
    const toOnly = parse({ to: '1970-01-01T06:00:00Z' });
    expect(toOnly.ok && [toOnly.query.from, toOnly.query.to]).toEqual(['1970-01-01T00:00:00.000Z', '1970-01-01T06:00:00.000Z']);
    expect(parse({ createdAtLt: '1970-01-01T00:00:00Z' })).toEqual({
      ok: false,
      issues: [{ path: 'to', message: expect.stringContaining('outside the accepted range') }],
    });
    expect(parse({ createdAtGt: '9999-12-31T23:59:59.999Z' })).toEqual({
      ok: false,
      issues: [{ path: 'from', message: expect.stringContaining('outside the accepted range') }],
    });
  });
});

describe('time parameters say what is wrong (issue 12.6)', () => {
  it('accepts an offset whose unencoded + arrived as a space', () => {
    const result = parse({ from: '2025-06-10T00:00:00 01:00', to: '2025-06-11T00:00:00 0100' });
    expect(result.ok && [result.query.from, result.query.to]).toEqual(['2025-06-09T23:00:00.000Z', '2025-06-10T23:00:00.000Z']);
    const spaceForT = parse({ from: '2025-06-10 00:00:00 01:00' });
    expect(spaceForT.ok && spaceForT.query.from).toBe('2025-06-09T23:00:00.000Z');
  });

  it.each([
    ['2026-11-29', 'has no time: give e.g. 2026-11-29T00:00:00Z'],
    ['2026-11-29T10:00:00', 'has no time zone: add Z (UTC) or an offset, e.g. 2026-11-29T10:00:00Z'],
    ['2026-13-29T00:00:00Z', 'month 13 does not exist'],
    ['2026-13-29', 'month 13 does not exist'],
    ['2026-02-29T00:00:00Z', '2026-02-29 does not exist: February 2026 has 28 days'],
    ['2026-11-29T24:00:00Z', 'hour 24 does not exist (00 to 23)'],
    ['2026-11-29T10:00:00+25:00', 'time zone offset +25:00 does not exist'],
    ['tomorrow', 'must be an ISO 8601 timestamp with a time zone, from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z (e.g. 2025-01-01T10:00:00.000Z)'],
  ])('from=%j: %s', (from, message) => {
    expect(parse({ from })).toEqual({ ok: false, issues: [{ path: 'from', message }] });
  });
});

describe('a cursor belongs to the query that issued it (issue 11.7)', () => {
  const A = '+16505551234';
  const B = '+14155550000';
  const firstPage = (params: Record<string, string>, path?: string) => {
    const result = parse(params, path);
    if (!result.ok) throw new Error('unexpected');
    return encodeCursor(result.query, '[0,"+16505551234","call#x","2025-06-15T00:00:00.000Z"]');
  };
  const refused = { ok: false, issues: [{ path: 'cursor', message: expect.stringContaining('belongs to another query') }] };

  it('refuses it for another number, by parameter or path, or without the number', () => {
    const cursor = firstPage({ number: A });
    expect(parse({ number: B, cursor })).toEqual(refused);
    expect(parse({ cursor }, B)).toEqual(refused);
    expect(parse({ cursor })).toEqual(refused);
    const everyNumber = firstPage({});
    expect(parse({ number: A, cursor: everyNumber })).toEqual(refused);
  });

  it('refuses it for another window', () => {
    const window = { from: '2025-06-10T00:00:00Z', to: '2025-06-12T00:00:00Z' };
    const cursor = firstPage({ number: A, ...window });
    expect(parse({ number: A, cursor, from: '2025-06-09T00:00:00Z', to: window.to })).toEqual(refused);
    expect(parse({ number: A, cursor, from: window.from })).toEqual(refused);
    expect(parse({ number: A, cursor })).toEqual(refused);
  });

  it('accepts it for the same query however the number is spelled or routed, and with another limit', () => {
    const cursor = firstPage({ number: A, from: '2025-06-10T00:00:00Z', limit: '2' });
    for (const [params, path] of [
      [{ number: A, from: '2025-06-10T00:00:00Z', limit: '2' }, undefined],
      [{ number: ' 16505551234', from: '2025-06-10T02:00:00+02:00' }, undefined],
      [{ from: '2025-06-10T00:00:00.000Z', limit: '7' }, A],
    ] as const) {
      const result = parse({ ...params, cursor }, path);
      expect(result).toMatchObject({ ok: true, query: { number: A, from: '2025-06-10T00:00:00.000Z', to: '2025-06-15T12:00:00.000Z' } });
    }
  });

  it('refuses forged bounds outside the accepted range', () => {
    const scope = readQueryScope(undefined, undefined, undefined);
    const forge = (f: number, t: number) => Buffer.from(JSON.stringify({ f, t, a: 'x', q: scope })).toString('base64url');
    expect(parse({ cursor: forge(-1, 1000) })).toMatchObject({ ok: false, issues: [{ path: 'cursor' }] });
    expect(parse({ cursor: forge(253_402_300_799_000, 253_402_300_800_000) })).toMatchObject({ ok: false, issues: [{ path: 'cursor' }] });
    expect(parse({ cursor: forge(1000, 2000) })).toMatchObject({ ok: true, query: { from: '1970-01-01T00:00:01.000Z', after: 'x' } });
  });
});

describe('nextPageQueryString', () => {
  it('keeps the request parameters and replaces the cursor', () => {
    const qs = nextPageQueryString({ number: ' 16505551234', limit: '2', cursor: 'old' }, 'new');
    expect(new URLSearchParams(qs).get('number')).toBe(' 16505551234');
    expect(new URLSearchParams(qs).getAll('cursor')).toEqual(['new']);
    expect(qs).toContain('limit=2');
  });
});
