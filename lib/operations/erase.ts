/**
 * Erasure rules: what `DELETE /calls` accepts. Pure: the handler (functions/erase-calls.ts) reads
 * the query string with this, then asks the store.
 */
import { E164_MESSAGE, normalisePhoneNumber } from '../call/phone';
import type { FieldIssue } from '../validation';

export type EraseTarget = { kind: 'id'; id: string } | { kind: 'number'; number: string };

export type EraseQueryResult = { ok: true; target: EraseTarget } | { ok: false; issues: FieldIssue[] };

export const ERASE_PARAMETERS = ['id', 'number'] as const;

/** As CallSchema's id: what a stored call's id can be. */
const MAX_ID_LENGTH = 255;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Exactly one of `id` (one call) or `number` (every call of that customer number, all time). Any
 * other parameter is refused rather than ignored: a `from` or `limit` would suggest a narrower
 * erasure than the one that would run.
 */
export function parseEraseQuery(params: Readonly<Record<string, string | undefined>>): EraseQueryResult {
  const issues: FieldIssue[] = [];
  for (const name of Object.keys(params)) {
    if (!(ERASE_PARAMETERS as readonly string[]).includes(name)) {
      issues.push({ path: name, message: 'is not a parameter of DELETE /calls: give only id (one call) or number (every call of that number, all time)' });
    }
  }
  const { id, number } = params;
  if (id !== undefined && number !== undefined) issues.push({ path: 'id', message: 'and number cannot both be given: delete by one or the other' });
  else if (id === undefined && number === undefined)
    issues.push({ path: 'id', message: 'or number is required: id=<call id> deletes one call, number=<E.164> every call of that number' });

  let target: EraseTarget | undefined;
  if (id !== undefined) {
    if (id.length === 0) issues.push({ path: 'id', message: 'must not be empty' });
    else if (id.length > MAX_ID_LENGTH) issues.push({ path: 'id', message: `must be at most ${MAX_ID_LENGTH} characters (no stored call has a longer id)` });
    else if (LONE_SURROGATE.test(id)) issues.push({ path: 'id', message: 'must be valid Unicode text (it has a lone surrogate)' });
    else target = { kind: 'id', id };
  }
  if (number !== undefined) {
    const e164 = normalisePhoneNumber(number);
    if (e164 === undefined) issues.push({ path: 'number', message: E164_MESSAGE });
    else target = { kind: 'number', number: e164 };
  }
  return issues.length > 0 || target === undefined ? { ok: false, issues } : { ok: true, target };
}
