import { parseIsoInstant } from '../../lib/timestamps';

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
