import * as v from 'valibot';
import { CallSchema } from '../../../lib/call';
import { parseIsoInstant, readIsoInstant } from '../../../lib/call/timestamps';

describe('parseIsoInstant', () => {
  it.each([
    ['2025-01-01T10:00:00Z', '2025-01-01T10:00:00.000Z'],
    ['2025-01-01T10:00:00.5Z', '2025-01-01T10:00:00.500Z'],
    ['2025-01-01T10:00:00.123456789Z', '2025-01-01T10:00:00.123Z'],
    ['2025-01-01T12:00:00+02:00', '2025-01-01T10:00:00.000Z'],
    ['2025-01-01T05:00:00-0500', '2025-01-01T10:00:00.000Z'],
    ['2025-01-01 10:00:00Z', '2025-01-01T10:00:00.000Z'],
    ['2025-01-01T10:00Z', '2025-01-01T10:00:00.000Z'],
  ])('%s is %s', (input, expected) => {
    expect(new Date(parseIsoInstant(input)!).toISOString()).toBe(expected);
  });

  it.each(['2025-01-01T10:00:00', '2025-01-01', 'yesterday', '2025-02-30T10:00:00Z', '2025-13-01T10:00:00Z', '1735725600000', ''])(
    'refuses %j (no zone, not a date, or a date that does not exist)',
    (input) => {
      expect(parseIsoInstant(input)).toBeUndefined();
    },
  );
});

describe('the accepted range (issue 11.6)', () => {
  const range = 'must be an instant from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z';

  it('accepts its ends, inclusive, and nothing outside them, comparing instants (not strings)', () => {
    expect(parseIsoInstant('1970-01-01T00:00:00Z')).toBe(0);
    expect(parseIsoInstant('9999-12-31T23:59:59.999Z')).toBe(Date.UTC(9999, 11, 31, 23, 59, 59, 999));
    // Within the range in local time, outside it in UTC (years 10000 and -1).
    expect(readIsoInstant('9999-12-31T23:59:00-12:00')).toEqual({ ok: false, message: range });
    expect(readIsoInstant('0000-01-01T00:00:00+14:00')).toEqual({ ok: false, message: range });
    expect(readIsoInstant('1970-01-01T00:59:59+01:00')).toEqual({ ok: false, message: range });
    expect(readIsoInstant('+010000-01-01T00:00:00Z')).toEqual({ ok: false, message: range });
  });

  it('bounds ingest too: a call ending in year 10000 is refused for its endedAt, not for being before startedAt', () => {
    const result = v.safeParse(CallSchema, {
      id: 'x',
      startedAt: '9999-12-31T23:00:00Z',
      endedAt: '9999-12-31T23:59:00-12:00',
      customer: { number: '+16505551234' },
      messages: [],
    });
    expect(result.success).toBe(false);
    const timeIssues = (result.issues ?? [])
      .map((issue) => [issue.path?.map((p) => p.key).join('.'), issue.message])
      .filter(([path]) => path === 'startedAt' || path === 'endedAt');
    expect(timeIssues).toEqual([['endedAt', expect.stringContaining('1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z')]]);
  });
});

describe('readIsoInstant says what is wrong (issue 12.6)', () => {
  it.each([
    ['2026-11-29', 'has no time: give e.g. 2026-11-29T00:00:00Z'],
    ['2026-11-29T00:00', 'has no time zone: add Z (UTC) or an offset, e.g. 2026-11-29T00:00Z'],
    ['2026-13-01T00:00:00Z', 'month 13 does not exist'],
    ['2026-00-01', 'month 00 does not exist'],
    ['2025-02-29T00:00:00Z', '2025-02-29 does not exist: February 2025 has 28 days'],
    ['2025-04-31T00:00:00Z', '2025-04-31 does not exist: April 2025 has 30 days'],
    ['2025-01-01T10:60:00Z', 'minute 60 does not exist (00 to 59)'],
    ['2025-01-01T10:00:60Z', 'second 60 does not exist (00 to 59)'],
    ['2025-01-01T10:00:00+24:00', 'time zone offset +24:00 does not exist'],
  ])('%s: %s', (input, message) => {
    expect(readIsoInstant(input)).toEqual({ ok: false, message });
  });

  it('accepts 29 February in a leap year', () => {
    expect(readIsoInstant('2024-02-29T00:00:00Z')).toEqual({ ok: true, ms: Date.UTC(2024, 1, 29) });
    expect(readIsoInstant('2000-02-29T00:00:00Z').ok).toBe(true);
    expect(readIsoInstant('2100-02-29T00:00:00Z').ok).toBe(false);
  });
});
