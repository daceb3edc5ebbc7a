import { encodeCursor, nextPageQueryString, parseReadQuery } from '../../lib/query';

const now = Date.parse('2025-06-15T12:00:00.000Z');
const opts = { now, maxWindowDays: 31 };
const parse = (params: Record<string, string>, path?: string) => parseReadQuery(params, path, opts);

describe('parseReadQuery', () => {
  it('defaults to every number, the last 24 hours, 100 calls', () => {
    expect(parse({})).toEqual({
      ok: true,
      query: { number: undefined, from: '2025-06-14T12:00:00.000Z', to: '2025-06-15T12:00:00.000Z', limit: 100, after: undefined },
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
    const result = parse({ from: '2025-06-01T00:00:00Z', createdAtGt: '2025-06-02T00:00:00Z', to: '2025-06-10T00:00:00Z', createdAtLt: '2025-06-09T00:00:00Z' });
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
    expect(parse({ from: '2025-05-01T00:00:00Z', to: '2025-06-02T00:00:00Z' })).toMatchObject({ ok: false, issues: [{ path: 'from', message: expect.stringContaining('31 days') }] });
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
    const later = parseReadQuery({ cursor, limit: '5' }, undefined, { now: now + 3_600_000, maxWindowDays: 31 });
    expect(later).toEqual({ ok: true, query: { ...first.query, limit: 5, after: 'position' } });
  });

  it('refuses a cursor it did not issue', () => {
    for (const cursor of ['garbage', Buffer.from('{"n":1}').toString('base64url'), '']) {
      expect(parse({ cursor })).toMatchObject({ ok: false, issues: [{ path: 'cursor' }] });
    }
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
