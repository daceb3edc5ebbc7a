/** E.164: `+`, then 2 to 15 digits, the first not 0. */
export const E164_PATTERN = /^\+[1-9]\d{1,14}$/;
export const E164_MESSAGE = 'must be an E.164 phone number: + then 2-15 digits, the first not 0 (e.g. +16505551234)';

const SEPARATORS = /[\s\-.()]/g;

/**
 * What `normalisePhoneNumber` accepts, as one regular expression (for the OpenAPI description and
 * clients that validate before sending). Its three ways in: `%2B` first; a `+` (after separators,
 * or after whitespace); or leading whitespace without a `+` (a `+` that arrived as a space). Then
 * 2-15 digits, the first not 0, with separators anywhere.
 */
export const ACCEPTED_PHONE_PATTERN =
  /^(?:%2[Bb][\s.()-]*[1-9](?:[\s.()-]*\d){1,14}[\s.()-]*|(?:\s+|[-.()][\s.()-]*)?\+[\s.()-]*[1-9](?:[\s.()-]*\d){1,14}[\s.()-]*|\s+(?:[-.()][\s.()-]*)?[1-9](?:[\s.()-]*\d){1,14}[\s.()-]*)$/;

/**
 * Turns the ways a number reaches us into E.164, or undefined when it cannot be one.
 * - `%2B` left encoded by a client that double-encodes;
 * - a leading space: in a query string `+` means space, so `?number=+1650…` arrives as ` 1650…`;
 * - spaces, dashes, dots and parentheses used for readability.
 * A number without any `+` is refused rather than guessed: `6505551234` has no country code.
 */
export function normalisePhoneNumber(raw: string): string | undefined {
  let value = raw.replace(/^%2B/i, '+');
  if (/^\s/.test(value) && !value.trimStart().startsWith('+')) value = `+${value.trimStart()}`;
  value = value.replace(SEPARATORS, '');
  return E164_PATTERN.test(value) ? value : undefined;
}
