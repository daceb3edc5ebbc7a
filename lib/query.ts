/**
 * Read rules: which query parameters mean what, the time window, and the paging cursor.
 * Pure: `now` is passed in.
 */
import * as v from 'valibot';
import { E164_MESSAGE, normalisePhoneNumber } from './phone';
import { ISO_INSTANT_MESSAGE, parseIsoInstant, toIsoMillis } from './timestamps';
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
/** The largest epoch milliseconds a Date can hold (ECMAScript's time value limit). */
const MAX_DATE_MS = 8.64e15;

export interface ReadQuery {
  /** E.164, or undefined for every number. */
  number: string | undefined;
  /** Inclusive bounds on startedAt, ISO 8601 UTC with milliseconds. */
  from: string;
  to: string;
  limit: number;
  /** The store's position to continue after, from a cursor. */
  after: string | undefined;
}

export type ReadQueryResult = { ok: true; query: ReadQuery } | { ok: false; issues: FieldIssue[] };

const NUMBER_PARAMS = ['number', 'phone_number', 'customerNumber'] as const;

const InstantParam = parsedString(parseIsoInstant, ISO_INSTANT_MESSAGE);
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
 * A cursor comes back from the client, so it is input like any other: its bounds must be instants a
 * Date can hold (a forged `1e20` would otherwise make toISOString throw, a 500 instead of a 400).
 */
const CursorInstant = v.pipe(v.number(), v.integer(), v.minValue(-MAX_DATE_MS), v.maxValue(MAX_DATE_MS));
/** What a cursor carries: the query it continues, fixed when the first page was asked for. */
const CursorSchema = v.object({
  n: v.nullable(v.pipe(v.string(), v.regex(/^\+[1-9]\d{1,14}$/))),
  f: CursorInstant,
  t: CursorInstant,
  a: v.pipe(v.string(), v.minLength(1)),
});
type Cursor = v.InferOutput<typeof CursorSchema>;

export function encodeCursor(query: ReadQuery, after: string): string {
  const cursor: Cursor = { n: query.number ?? null, f: Date.parse(query.from), t: Date.parse(query.to), a: after };
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

  if (p.cursor !== undefined) {
    const cursor = decodeCursor(p.cursor);
    if (!cursor) return { ok: false, issues: [{ path: 'cursor', message: 'is not a cursor this API issued' }] };
    const query: ReadQuery = { number: cursor.n ?? undefined, from: toIsoMillis(cursor.f), to: toIsoMillis(cursor.t), limit, after: cursor.a };
    const windowIssue = checkWindow(cursor.f, cursor.t, options.maxWindowDays, 'cursor');
    return windowIssue ? { ok: false, issues: [windowIssue] } : { ok: true, query };
  }

  const candidates = [pathValue, ...NUMBER_PARAMS.map((name) => p[name])].filter((n): n is string => n !== undefined);
  if (new Set(candidates).size > 1) {
    return { ok: false, issues: [{ path: 'number', message: 'was given more than once with different values' }] };
  }

  const lowerBounds = [p.from, p.createdAtGe, p.createdAtGt === undefined ? undefined : p.createdAtGt + 1];
  const upperBounds = [p.to, p.createdAtLe, p.createdAtLt === undefined ? undefined : p.createdAtLt - 1];
  const lower = maxDefined(lowerBounds);
  const upper = minDefined(upperBounds);
  // Only one bound given: the other is "now", or 24 hours before the given end.
  const to = upper ?? (lower === undefined ? options.now : Math.max(options.now, lower));
  const from = lower ?? to - DEFAULT_WINDOW_MS;
  const windowIssue = checkWindow(from, to, options.maxWindowDays, lower === undefined ? 'to' : 'from');
  if (windowIssue) return { ok: false, issues: [windowIssue] };
  return { ok: true, query: { number: candidates[0], from: toIsoMillis(from), to: toIsoMillis(to), limit, after: undefined } };
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
  return defined.length === 0 ? undefined : Math.max(...defined);
}

function minDefined(values: (number | undefined)[]): number | undefined {
  const defined = values.filter((x): x is number => x !== undefined);
  return defined.length === 0 ? undefined : Math.min(...defined);
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
