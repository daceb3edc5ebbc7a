/**
 * Read rules: which query parameters mean what, the time window, and the paging cursor.
 * Pure: `now` is passed in.
 */
import { createHash } from 'node:crypto';
import * as v from 'valibot';
import { E164_MESSAGE, normalisePhoneNumber } from './call/phone';
import { EARLIEST_INSTANT_MS, LATEST_INSTANT_MS, readIsoInstant, toIsoMillis } from './call/timestamps';
import { type FieldIssue, parsedString, toFieldIssues } from './validation';

export const DEFAULT_LIMIT = 100;
/**
 * Response body budget. A Lambda response may be 6 MB (6,291,456 bytes) including its JSON
 * envelope and headers; the rest stays as headroom. Every stored call fits on its own (ingest
 * refuses larger ones), so a page always holds at least one call.
 */
export const MAX_RESPONSE_BYTES = 6_000_000;
export const MAX_LIMIT = 1000;
const DEFAULT_WINDOW_MS = 24 * 3600 * 1000;

export interface ReadQuery {
  /** E.164, or undefined for every number. */
  number: string | undefined;
  /** Inclusive bounds on startedAt, ISO 8601 UTC with milliseconds. */
  from: string;
  to: string;
  limit: number;
  /** The store's position to continue after, from a cursor. */
  after: string | undefined;
  /**
   * Digest of what the request asked for (the number and the bounds it gave, not the ones filled
   * in from the clock): a cursor carries it and is refused on a request that asks for something else.
   */
  scope: string;
}

export type ReadQueryResult = { ok: true; query: ReadQuery } | { ok: false; issues: FieldIssue[] };

const NUMBER_PARAMS = ['number', 'phone_number', 'customerNumber'] as const;

/**
 * `+01:00` in a query string arrives as ` 01:00` when the client did not percent-encode the `+`
 * (the number parameters accept the same). Only an offset after a full date and time is restored,
 * so a value with a space for `T` keeps its meaning.
 */
const OFFSET_AFTER_SPACE = /^(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?) (\d{2}:?\d{2})$/;

function restorePlusInOffset(value: string): string {
  const match = OFFSET_AFTER_SPACE.exec(value.trim());
  return match ? `${match[1]}+${match[2]}` : value;
}

/** An instant parameter: epoch milliseconds, or an issue that says what is wrong with it. */
const InstantParam = v.pipe(
  v.string('must be a string'),
  v.rawTransform<string, number>(({ dataset, addIssue, NEVER }) => {
    const reading = readIsoInstant(restorePlusInOffset(dataset.value));
    if (reading.ok) return reading.ms;
    addIssue({ message: reading.message });
    return NEVER;
  }),
);
const NumberParam = parsedString(normalisePhoneNumber, E164_MESSAGE);

export const ParamsSchema = v.object({
  number: v.optional(NumberParam),
  phone_number: v.optional(NumberParam),
  customerNumber: v.optional(NumberParam),
  from: v.optional(InstantParam),
  to: v.optional(InstantParam),
  createdAtGt: v.optional(InstantParam),
  createdAtGe: v.optional(InstantParam),
  createdAtLt: v.optional(InstantParam),
  createdAtLe: v.optional(InstantParam),
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,7}$/, `must be a whole number from 1 to ${MAX_LIMIT}`),
      v.transform(Number),
      v.minValue(1, `must be a whole number from 1 to ${MAX_LIMIT}`),
      v.maxValue(MAX_LIMIT, `must be a whole number from 1 to ${MAX_LIMIT}`),
    ),
  ),
  cursor: v.optional(v.string()),
});

/**
 * A cursor comes back from the client, so it is input like any other: its bounds must be instants
 * the API accepts (a forged `1e20` would otherwise make toISOString throw, a 500 instead of a 400).
 */
const CursorInstant = v.pipe(v.number(), v.integer(), v.minValue(EARLIEST_INSTANT_MS), v.maxValue(LATEST_INSTANT_MS));
/**
 * What a cursor carries: the window it continues (fixed when the first page was asked for, as a
 * default window moves with the clock), the store's position, and the scope of the query it
 * belongs to. The number is not carried: the request names it again, and the scope covers it.
 */
const CursorSchema = v.object({
  f: CursorInstant,
  t: CursorInstant,
  a: v.pipe(v.string(), v.minLength(1)),
  q: v.pipe(v.string(), v.regex(/^[\w-]{16}$/)),
});
type Cursor = v.InferOutput<typeof CursorSchema>;

const NOT_OURS = 'is not a cursor this API issued';
const OTHER_QUERY =
  'belongs to another query (its number or time window differ from the request that issued it): ' +
  'send the parameters of that request with it, or leave the cursor out to start again';

export function encodeCursor(query: ReadQuery, after: string): string {
  const cursor: Cursor = { f: Date.parse(query.from), t: Date.parse(query.to), a: after, q: query.scope };
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(raw: string): Cursor | undefined {
  try {
    const result = v.safeParse(CursorSchema, JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
    return result.success ? result.output : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The scope a cursor is bound to: the number and the explicit bounds of the request. Not a secret
 * (the read key allows any query anyway): it catches a cursor sent with the wrong request, which
 * would otherwise page through another number's calls or another window.
 */
export function readQueryScope(number: string | undefined, lower: number | undefined, upper: number | undefined): string {
  return createHash('sha256')
    .update(JSON.stringify([number ?? null, lower ?? null, upper ?? null]))
    .digest('base64url')
    .slice(0, 16);
}

export interface ReadQueryOptions {
  now: number;
  maxWindowDays: number;
}

/**
 * @param params query string parameters, already decoded (so a `+` may have become a space)
 * @param pathNumber the `{number}` of `GET /calls/{number}`, if that route was used
 */
export function parseReadQuery(
  params: Readonly<Record<string, string | undefined>>,
  pathNumber: string | undefined,
  options: ReadQueryOptions,
): ReadQueryResult {
  const parsed = v.safeParse(ParamsSchema, params);
  const issues: FieldIssue[] = parsed.success ? [] : toFieldIssues(parsed.issues);
  let pathValue: string | undefined;
  if (pathNumber !== undefined) {
    pathValue = normalisePhoneNumber(pathNumber);
    if (pathValue === undefined) issues.push({ path: 'number', message: E164_MESSAGE });
  }
  if (!parsed.success || issues.length > 0) return { ok: false, issues };
  const p = parsed.output;
  const limit = p.limit ?? DEFAULT_LIMIT;

  const candidates = [pathValue, ...NUMBER_PARAMS.map((name) => p[name])].filter((n): n is string => n !== undefined);
  if (new Set(candidates).size > 1) {
    return { ok: false, issues: [{ path: 'number', message: 'was given more than once with different values' }] };
  }
  const number = candidates[0];
  const lowerBounds = [p.from, p.createdAtGe, p.createdAtGt === undefined ? undefined : p.createdAtGt + 1];
  const upperBounds = [p.to, p.createdAtLe, p.createdAtLt === undefined ? undefined : p.createdAtLt - 1];
  const lower = maxDefined(lowerBounds);
  const upper = minDefined(upperBounds);
  const scope = readQueryScope(number, lower, upper);

  if (p.cursor !== undefined) {
    const cursor = decodeCursor(p.cursor);
    if (!cursor) return { ok: false, issues: [{ path: 'cursor', message: NOT_OURS }] };
    if (cursor.q !== scope) return { ok: false, issues: [{ path: 'cursor', message: OTHER_QUERY }] };
    const windowIssue = checkWindow(cursor.f, cursor.t, options.maxWindowDays, 'cursor');
    if (windowIssue) return { ok: false, issues: [windowIssue] };
    return { ok: true, query: { number, from: toIsoMillis(cursor.f), to: toIsoMillis(cursor.t), limit, after: cursor.a, scope } };
  }

  // Only one bound given: the other is "now", or 24 hours before the given end.
  const path = lower === undefined ? 'to' : 'from';
  const to = upper ?? (lower === undefined ? options.now : Math.max(options.now, lower));
  const from = lower ?? to - DEFAULT_WINDOW_MS;
  // Every given bound is in the range; an exclusive one, or a default, may step just outside it.
  if (to < EARLIEST_INSTANT_MS || from > LATEST_INSTANT_MS) {
    return { ok: false, issues: [{ path, message: 'the time window is outside the accepted range, 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z' }] };
  }
  const clampedFrom = Math.max(from, EARLIEST_INSTANT_MS);
  const clampedTo = Math.min(to, LATEST_INSTANT_MS);
  const windowIssue = checkWindow(clampedFrom, clampedTo, options.maxWindowDays, path);
  if (windowIssue) return { ok: false, issues: [windowIssue] };
  return { ok: true, query: { number, from: toIsoMillis(clampedFrom), to: toIsoMillis(clampedTo), limit, after: undefined, scope } };
}

function checkWindow(from: number, to: number, maxWindowDays: number, path: string): FieldIssue | undefined {
  if (from > to) return { path, message: 'the time window is empty: from must not be after to' };
  if (to - from > maxWindowDays * 86_400_000) {
    return { path, message: `the time window must not be longer than ${maxWindowDays} days` };
  }
  return undefined;
}

function maxDefined(values: (number | undefined)[]): number | undefined {
  const defined = values.filter((x): x is number => x !== undefined);
  return defined.length === 0 ? undefined : defined.reduce((a, b) => Math.max(a, b));
}

function minDefined(values: (number | undefined)[]): number | undefined {
  const defined = values.filter((x): x is number => x !== undefined);
  return defined.length === 0 ? undefined : defined.reduce((a, b) => Math.min(a, b));
}

/** The query string of the next page: the request's own parameters, with the cursor replaced. */
export function nextPageQueryString(params: Readonly<Record<string, string | undefined>>, cursor: string): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (key !== 'cursor' && value !== undefined) search.set(key, value);
  }
  search.set('cursor', cursor);
  return search.toString();
}
