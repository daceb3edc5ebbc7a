/**
 * Calls an endpoint as Cekura does (GET of the configured URL, the key in `Authorization`), then
 * with the key as Bearer, with a wrong key and without one, and judges what came back with the
 * pure checks of `checks.ts`. The key is only ever sent, never returned in the report.
 */
import { randomBytes } from 'node:crypto';
import { describeNetworkError } from '../network-errors';
import {
  type AuthObservations,
  type CheckResult,
  checkAuth,
  checkCallSchema,
  checkClock,
  checkNumber,
  checkReachable,
  checkResponseShape,
  checkTimes,
  checkToolPairs,
  checkTransport,
  isRedirect,
  type Observed,
  skipped,
} from './checks';

export interface VerifyOptions {
  url: string;
  key: string;
  number?: string;
  /** Per request; Cekura-friendly answers take far less. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

export interface VerifyReport {
  url: string;
  number: string | undefined;
  ok: boolean;
  counts: Record<CheckResult['status'], number>;
  checks: CheckResult[];
}

async function observe(fetcher: typeof fetch, url: string, authorization: string | undefined, timeoutMs: number, now: () => number): Promise<Observed> {
  const started = now();
  const response = await fetcher(url, {
    method: 'GET',
    headers: { accept: 'application/json', ...(authorization === undefined ? {} : { authorization }) },
    redirect: 'manual', // Cekura does not follow redirects.
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? undefined,
    body,
    date: response.headers.get('date') ?? undefined,
    location: response.headers.get('location') ?? undefined,
    elapsedMs: now() - started,
  };
}

export async function verifyEndpoint(options: VerifyOptions): Promise<VerifyReport> {
  const fetcher = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const checks: CheckResult[] = [checkTransport(options.url)];
  const attempt = (authorization: string | undefined) =>
    observe(fetcher, options.url, authorization, timeoutMs, now).then(
      (observed) => ({ observed, error: undefined }),
      (error: unknown) => ({ observed: undefined, error: describeNetworkError(error, timeoutMs) }),
    );

  if (checks[0]!.status === 'fail' && !/^https?:/i.test(options.url)) return report(options, checks);

  // Exactly what Cekura sends: the configured URL, the key raw in Authorization.
  const primary = await attempt(options.key);
  checks.push(checkReachable(primary.observed, primary.error, options.url));
  if (!primary.observed || isRedirect(primary.observed.status)) return report(options, checks);

  const wrongKey = `verify-wrong-${randomBytes(12).toString('hex')}`;
  const [bearer, wrong, missing] = await Promise.all([attempt(`Bearer ${options.key}`), attempt(wrongKey), attempt(undefined)]);
  const auth: AuthObservations = {
    raw: primary.observed.status,
    bearer: bearer.observed?.status,
    wrong: wrong.observed?.status,
    missing: missing.observed?.status,
  };
  checks.push(checkAuth(auth));

  const shape = checkResponseShape(primary.observed);
  const { calls, ...shapeCheck } = shape;
  checks.push(shapeCheck);
  const serverNow = primary.observed.date ? Date.parse(primary.observed.date) : undefined;
  if (calls) {
    checks.push(checkCallSchema(calls));
    if (options.number !== undefined) checks.push(checkNumber(calls, options.number));
    checks.push(checkTimes(calls, Number.isNaN(serverNow) ? undefined : serverNow));
    checks.push(checkToolPairs(calls));
  } else {
    const because = 'the answer is not a bare JSON array';
    checks.push(skipped('schema', 'every call matches the call schema', because));
    if (options.number !== undefined) checks.push(skipped('number', `calls for ${options.number}`, because));
    checks.push(skipped('times', 'timestamps: ISO 8601, relative message times, in order', because));
    checks.push(skipped('tools', 'tool calls paired with their results', because));
  }
  checks.push(checkClock(primary.observed.date, now()));
  return report(options, checks);
}

function report(options: VerifyOptions, checks: CheckResult[]): VerifyReport {
  const counts = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const check of checks) counts[check.status] += 1;
  return { url: options.url, number: options.number, ok: counts.fail === 0, counts, checks };
}

const MARK: Record<CheckResult['status'], string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

/** A table for people: one row per check, its problems indented under it. */
export function formatReport(result: VerifyReport): string {
  const width = result.checks.reduce((widest, c) => Math.max(widest, c.title.length), 0);
  const lines = [`Verifying ${result.url}${result.number ? ` for ${result.number}` : ''}`, ''];
  for (const check of result.checks) {
    lines.push(
      `${MARK[check.status]}  ${check.title.padEnd(width)}  ${check.status === 'pass' || check.status === 'skip' ? (check.details[0] ?? '') : ''}`.trimEnd(),
    );
    if (check.status === 'warn' || check.status === 'fail') for (const detail of check.details) lines.push(`      - ${detail}`);
  }
  const { pass, warn, fail, skip } = result.counts;
  lines.push('', `${pass} passed, ${warn} warned, ${fail} failed, ${skip} skipped: ${result.ok ? 'OK' : 'NOT READY for Cekura'}`);
  return lines.join('\n');
}
