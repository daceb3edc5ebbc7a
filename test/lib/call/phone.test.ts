import fc from 'fast-check';
import { ACCEPTED_PHONE_PATTERN, normalisePhoneNumber } from '../../../lib/call/phone';

describe('normalisePhoneNumber', () => {
  it.each([
    ['+16505551234', '+16505551234'],
    [' 16505551234', '+16505551234'], // `+` decoded as a space from a query string
    ['%2B16505551234', '+16505551234'],
    ['%2b16505551234', '+16505551234'],
    ['+1 (650) 555-1234', '+16505551234'],
    ['+1.650.555.1234', '+16505551234'],
    ['+44 20 7946 0958', '+442079460958'],
    ['+12', '+12'],
  ])('%j becomes %j', (input, expected) => {
    expect(normalisePhoneNumber(input)).toBe(expected);
  });

  it.each([
    '6505551234', // no country code: refused rather than guessed
    '+06505551234', // first digit 0
    '+1', // too short
    '+1234567890123456', // 16 digits
    '+1650555abcd',
    '',
    ' ',
    '++16505551234',
  ])('refuses %j', (input) => {
    expect(normalisePhoneNumber(input)).toBeUndefined();
  });
});

describe('ACCEPTED_PHONE_PATTERN', () => {
  it('accepts exactly what normalisePhoneNumber accepts (random strings of signs, digits and separators)', () => {
    const alphabet = fc.constantFrom('+', '%2B', '%2b', ' ', '\t', '-', '.', '(', ')', '0', '1', '4', '9', 'x');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 24 }).map((parts) => parts.join('')),
        (value) => {
          expect([value, ACCEPTED_PHONE_PATTERN.test(value)]).toEqual([value, normalisePhoneNumber(value) !== undefined]);
        },
      ),
      { seed: 20251129, numRuns: 5_000 },
    );
  });
});
