/**
 * What `npm run verify` judges about an endpoint, as pure functions of what was observed (URLs,
 * statuses, headers, bodies, timings). No I/O here: `lib/verify/run.ts` does the requests.
 * Each check names every problem it finds, with the JSON path of the value at fault.
 */

import * as v from 'valibot';
import { CallSchema } from '../call';
import { epochUnitOf, MESSAGE_TIME_RULE } from '../call/message-times';
import { parseIsoInstant } from '../call/timestamps';
import { toFieldIssues } from '../validation';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  /** One line per problem (or a short note when it passed). */
  details: string[];
}

export interface Observed {
  status: number;
  contentType: string | undefined;
  body: string;
  /** The `Date` response header, if any. */
  date: string | undefined;
  /** The `Location` header of a redirect, if any. */
  location?: string | undefined;
  elapsedMs: number;
}

export const THRESHOLDS = {
  /** Answers slower than this are flagged; past `slowFailMs` Cekura may give up on them. */
  slowWarnMs: 3_000,
  slowFailMs: 10_000,
  /** Server clock vs ours. */
  clockSkewWarnMs: 60_000,
} as const;

/** Pass with the `ok` note when there is no problem, else fail listing them. */
const passOrFail = (id: string, title: string, problems: string[], ok: string): CheckResult => ({
  id,
  title,
  status: problems.length === 0 ? 'pass' : 'fail',
  details: problems.length === 0 ? [ok] : problems,
});

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** HTTPS, or HTTP only for this machine. */
export function checkTransport(url: string): CheckResult {
  const title = 'HTTPS';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { id: 'https', title, status: 'fail', details: [`"${url}" is not a URL`] };
  }
  if (parsed.protocol === 'https:') return { id: 'https', title, status: 'pass', details: ['served over HTTPS'] };
  if (parsed.protocol === 'http:' && LOCAL_HOSTS.has(parsed.hostname)) {
    return { id: 'https', title, status: 'warn', details: ['plain HTTP, accepted for localhost only: Cekura needs a public HTTPS URL'] };
  }
  return { id: 'https', title, status: 'fail', details: [`${parsed.protocol.replace(':', '').toUpperCase()} is not HTTPS: Cekura needs a public HTTPS URL`] };
}

export const isRedirect = (status: number) => status >= 300 && status < 400;

/**
 * Reached at all, without a redirect, and fast enough. `error` is the network error when there was
 * no answer; `url` the URL asked, to resolve a relative `Location`.
 */
export function checkReachable(observed: Observed | undefined, error?: string, url?: string): CheckResult {
  if (!observed) return { id: 'reachable', title: 'reachable', status: 'fail', details: [`no answer: ${error ?? 'unknown error'}`] };
  if (isRedirect(observed.status)) {
    let target = observed.location ?? '(no Location header)';
    try {
      if (observed.location && url) target = new URL(observed.location, url).href;
    } catch {
      // Shown as sent.
    }
    return {
      id: 'reachable',
      title: 'reachable, no redirect',
      status: 'fail',
      details: [
        `answered ${observed.status}, a redirect to ${target}: Cekura does not follow redirects (and verify does not either); give the address it points to`,
      ],
    };
  }
  const ms = Math.round(observed.elapsedMs);
  if (observed.elapsedMs > THRESHOLDS.slowFailMs)
    return {
      id: 'reachable',
      title: 'reachable, fast',
      status: 'fail',
      details: [`answered in ${ms} ms: over ${THRESHOLDS.slowFailMs} ms, Cekura may time out`],
    };
  if (observed.elapsedMs > THRESHOLDS.slowWarnMs)
    return { id: 'reachable', title: 'reachable, fast', status: 'warn', details: [`answered in ${ms} ms: slower than ${THRESHOLDS.slowWarnMs} ms`] };
  return { id: 'reachable', title: 'reachable, fast', status: 'pass', details: [`answered in ${ms} ms`] };
}

export interface AuthObservations {
  /** Status with `Authorization: <key>`. */
  raw: number | undefined;
  /** Status with `Authorization: Bearer <key>`. */
  bearer: number | undefined;
  /** Status with a key that cannot be valid. */
  wrong: number | undefined;
  /** Status without any Authorization header. */
  missing: number | undefined;
}

export function checkAuth(auth: AuthObservations): CheckResult {
  const problems: string[] = [];
  const refused = (status: number | undefined) => status === 401 || status === 403;
  if (auth.raw !== 200) problems.push(`the key sent raw (Authorization: <key>, as Cekura sends it) got ${auth.raw ?? 'no answer'}, not 200`);
  if (auth.bearer !== 200) problems.push(`the key sent as Bearer (Authorization: Bearer <key>) got ${auth.bearer ?? 'no answer'}, not 200`);
  if (auth.wrong !== undefined && !refused(auth.wrong)) {
    problems.push(
      auth.wrong >= 200 && auth.wrong < 300
        ? `a wrong key was served (${auth.wrong}): anyone can read these calls`
        : `a wrong key got ${auth.wrong}, not 401 or 403`,
    );
  }
  if (auth.missing !== undefined && !refused(auth.missing)) {
    problems.push(
      auth.missing >= 200 && auth.missing < 300
        ? `a request without a key was served (${auth.missing})`
        : `a request without a key got ${auth.missing}, not 401 or 403`,
    );
  }
  return passOrFail('auth', 'auth: raw and Bearer key work, wrong key refused', problems, 'raw and Bearer accepted; wrong and missing keys refused');
}

export type ShapeResult = CheckResult & { calls?: unknown[] };

/** 200, application/json, a bare JSON array. On success the parsed array is returned as `calls`. */
export function checkResponseShape(observed: Observed): ShapeResult {
  const id = 'shape';
  const title = '200, application/json, a bare array';
  const fail = (details: string[]): ShapeResult => ({ id, title, status: 'fail', details });
  const problems: string[] = [];
  if (observed.status !== 200) problems.push(`status ${observed.status}, not 200`);
  const mediaType = observed.contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json')
    problems.push(`Content-Type is ${observed.contentType ? `"${observed.contentType}"` : 'missing'}, not application/json`);
  let body: unknown;
  try {
    body = JSON.parse(observed.body);
  } catch {
    return fail([...problems, `the body is not JSON: ${JSON.stringify(observed.body.slice(0, 80))}`]);
  }
  if (!Array.isArray(body)) {
    if (typeof body === 'object' && body !== null) {
      const arrays = Object.entries(body)
        .filter(([, value]) => Array.isArray(value))
        .map(([key]) => key);
      const envelope = arrays.length > 0 ? `an envelope object (calls under ${arrays.map((k) => `"${k}"`).join(', ')})` : 'an object';
      return fail([...problems, `the body is ${envelope}: Cekura needs a bare JSON array of calls`]);
    }
    return fail([...problems, `the body is ${body === null ? 'null' : typeof body}, not a JSON array`]);
  }
  if (problems.length > 0) return fail(problems);
  return { id, title, status: 'pass', details: [`a bare array of ${body.length} call(s)`], calls: body };
}

/**
 * A path under the prefix `at`: `[3].endedAt` for the fourth call of an answer, `endedAt` for a
 * call looked at on its own (the viewer), so one rule words its problems the same in both.
 */
const under = (at: string, path: string): string => (at === '' ? path : `${at}.${path}`);

/** One call against the call schema, each problem with its path under `at`. */
export function callSchemaProblems(call: unknown, at: string): string[] {
  const parsed = v.safeParse(CallSchema, call);
  if (parsed.success) return [];
  return toFieldIssues(parsed.issues, at).map((issue) => (issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`));
}

/**
 * A call's problems as verify lists them: each line names the call by its id, then the JSON path
 * in the answer (`call "c1": [2].messages[0].role …`), so a warning can be found in a long answer.
 */
export function namedByCall(call: unknown, lines: readonly string[]): string[] {
  const id = (call as { id?: unknown } | null)?.id;
  if (typeof id !== 'string' || id === '') return [...lines];
  return lines.map((line) => `call ${JSON.stringify(id)}: ${line}`);
}

/** Every call valid against the call schema, each problem with its JSON path (`[2].messages[0].role`). */
export function checkCallSchema(calls: readonly unknown[]): CheckResult {
  const problems = calls.flatMap((call, index) => namedByCall(call, callSchemaProblems(call, `[${index}]`)));
  return passOrFail('schema', 'every call matches the call schema', problems, `${calls.length} call(s) valid`);
}

type ToolMessage = { role?: unknown; data?: { id?: unknown; name?: unknown } };

/**
 * Every function_call has a function_call_result with the same `data.id`, and every result a
 * call. Cekura's evaluators read a tool call and its result as a pair: one alone usually means
 * the transcript was cut, or the ids were not carried through.
 */
export function toolPairProblems(raw: unknown, at: string): string[] {
  const messages = (raw as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(messages)) return [];
  const tools = messages
    .map((m: unknown, index) => ({ index, message: (m ?? {}) as ToolMessage }))
    .filter(({ message }) => (message.role === 'function_call' || message.role === 'function_call_result') && typeof message.data?.id === 'string');
  const idsOf = (role: string) => new Set(tools.filter(({ message }) => message.role === role).map(({ message }) => message.data!.id));
  const calledIds = idsOf('function_call');
  const resultIds = idsOf('function_call_result');
  return tools.flatMap(({ index, message }) => {
    const id = JSON.stringify(message.data!.id);
    const name = typeof message.data?.name === 'string' ? ` ${JSON.stringify(message.data.name)}` : '';
    if (message.role === 'function_call' && !resultIds.has(message.data!.id)) {
      return [`${under(at, `messages[${index}]`)} calls tool${name} (id ${id}) but no function_call_result has that id`];
    }
    if (message.role === 'function_call_result' && !calledIds.has(message.data!.id)) {
      return [`${under(at, `messages[${index}]`)} is a result of tool${name} (id ${id}) but no function_call has that id`];
    }
    return [];
  });
}

/** Tool calls paired with their results by id; a warning only, Cekura takes the call either way. */
export function checkToolPairs(calls: readonly unknown[]): CheckResult {
  const problems = calls.flatMap((call, index) => namedByCall(call, toolPairProblems(call, `[${index}]`)));
  const title = 'tool calls paired with their results';
  if (problems.length > 0) return { id: 'tools', title, status: 'warn', details: problems };
  return { id: 'tools', title, status: 'pass', details: ['every tool call has its result'] };
}

const customerNumber = (call: unknown): unknown => (call as { customer?: { number?: unknown } } | null)?.customer?.number;
const digits = (value: unknown) => (typeof value === 'string' ? value.replace(/\D/g, '') : '');

/** Calls for `number` exist in the answer and carry exactly that number. */
export function checkNumber(calls: readonly unknown[], number: string): CheckResult {
  const id = 'number';
  const title = `calls for ${number}`;
  const exact = calls.filter((call) => customerNumber(call) === number);
  const lookalikes = calls
    .map((call, index) => ({ index, value: customerNumber(call) }))
    .filter(({ value }) => value !== number && digits(value) !== '' && digits(value) === digits(number));
  const problems = lookalikes.flatMap(({ index, value }) =>
    namedByCall(calls[index], [`[${index}].customer.number is ${JSON.stringify(value)}: Cekura matches "${number}" exactly`]),
  );
  if (exact.length === 0 && lookalikes.length === 0) {
    problems.push(
      `none of the ${calls.length} call(s) answered has customer.number "${number}" (wrong number, or no call in the window the endpoint serves by default)`,
    );
  }
  if (problems.length > 0) return { id, title, status: 'fail', details: problems };
  return { id, title, status: 'pass', details: [`${exact.length} call(s) with customer.number "${number}"`] };
}

type Row = { startedAt?: unknown; endedAt?: unknown; messages?: unknown };

/** Times are served to the millisecond: anything past the end by more than that is after it. */
const AFTER_END_SLACK_S = 0.0005;
type MessageRow = { start_time?: unknown; end_time?: unknown };

/** Message times are judged by ingest's own rule (lib/call/message-times.ts): what is epoch-sized, and how far past the end. */
function epochHint(value: number): string | undefined {
  const unit = epochUnitOf(value);
  if (unit === 'epoch-ms') return 'looks like epoch milliseconds';
  if (unit === 'epoch-s') return 'looks like epoch seconds';
  return undefined;
}

/**
 * Timestamps ISO 8601, endedAt >= startedAt, message times relative to the start (epoch values
 * are named), within the call's duration and in order, and no call starting in the future by the
 * server's clock. Fails on what breaks Cekura's matching, warns on what only looks wrong.
 */
export function checkTimes(calls: readonly unknown[], serverNowMs: number | undefined): CheckResult {
  const failures: string[] = [];
  const warnings: string[] = [];
  calls.forEach((raw, index) => {
    const problems = callTimeProblems(raw, `[${index}]`, serverNowMs);
    for (const failure of namedByCall(raw, problems.failures)) failures.push(failure);
    for (const warning of namedByCall(raw, problems.warnings)) warnings.push(warning);
  });
  const title = 'timestamps: ISO 8601, relative message times, in order';
  if (failures.length > 0) return { id: 'times', title, status: 'fail', details: [...failures, ...warnings] };
  if (warnings.length > 0) return { id: 'times', title, status: 'warn', details: warnings };
  return { id: 'times', title, status: 'pass', details: ['timestamps consistent'] };
}

export interface CallProblems {
  /** What breaks Cekura's matching. */
  failures: string[];
  /** What only looks wrong. */
  warnings: string[];
}

/** The time problems of one call (see checkTimes), each with its path under `at`. */
export function callTimeProblems(raw: unknown, at: string, serverNowMs: number | undefined): CallProblems {
  const failures: string[] = [];
  const warnings: string[] = [];
  const call = (raw ?? {}) as Row;
  const instant = (field: 'startedAt' | 'endedAt') => {
    const value = call[field];
    const ms = typeof value === 'string' ? parseIsoInstant(value) : undefined;
    if (ms === undefined) {
      const hint = typeof value === 'number' ? ` (${epochHint(value) ?? 'a number'})` : '';
      failures.push(`${under(at, field)}: ${JSON.stringify(value)} is not an ISO 8601 timestamp with a zone${hint}`);
    }
    return ms;
  };
  const started = instant('startedAt');
  const ended = instant('endedAt');
  if (started !== undefined && ended !== undefined && ended < started) failures.push(`${under(at, 'endedAt')} is before startedAt`);
  if (started !== undefined && serverNowMs !== undefined && started > serverNowMs + THRESHOLDS.clockSkewWarnMs) {
    warnings.push(
      `${under(at, 'startedAt')} is ${Math.round((started - serverNowMs) / 1000)} s in the future by the server's clock (a time zone written as UTC?)`,
    );
  }
  const duration = started !== undefined && ended !== undefined && ended >= started ? (ended - started) / 1000 : undefined;
  if (!Array.isArray(call.messages)) return { failures, warnings };
  let previousStart = -Infinity;
  // One line per call for problems that repeat on every message.
  let epochReported = false;
  let orderReported = false;
  call.messages.forEach((m: unknown, j: number) => {
    const message = (m ?? {}) as MessageRow;
    for (const field of ['start_time', 'end_time'] as const) {
      const value = message[field];
      if (typeof value !== 'number') continue;
      const hint = epochHint(value);
      if (hint && !epochReported) {
        failures.push(`${under(at, `messages[${j}].${field}`)} is ${value}: ${hint}; message times are seconds from the start of the call`);
        epochReported = true;
      } else if (!hint && duration !== undefined && value > duration + AFTER_END_SLACK_S) {
        // Within ingest's tolerance the call is stored, but Cekura reads a message after the end it gave.
        const accepted = value <= duration + MESSAGE_TIME_RULE.toleranceS ? ' (ingest accepts up to 1 s over; check endedAt)' : '';
        warnings.push(`${under(at, `messages[${j}].${field}`)} is ${value} s, after the call's ${duration} s duration${accepted}`);
      }
    }
    if (typeof message.start_time === 'number') {
      if (message.start_time < previousStart && !orderReported) {
        orderReported = true;
        warnings.push(`${under(at, `messages[${j}]`)} starts before the message before it: messages should be ordered by start_time`);
      }
      previousStart = message.start_time;
    }
  });
  return { failures, warnings };
}

/** The server's clock (its Date header) against ours. */
export function checkClock(dateHeader: string | undefined, localNowMs: number): CheckResult {
  const id = 'clock';
  const title = 'server clock';
  if (!dateHeader) return { id, title, status: 'skip', details: ['no Date header'] };
  const serverMs = Date.parse(dateHeader);
  if (Number.isNaN(serverMs)) return { id, title, status: 'warn', details: [`Date header "${dateHeader}" is not a date`] };
  const skew = Math.round((serverMs - localNowMs) / 1000);
  // The Date header has 1 s resolution.
  if (Math.abs(serverMs - localNowMs) > THRESHOLDS.clockSkewWarnMs) {
    return {
      id,
      title,
      status: 'warn',
      details: [`server clock is ${skew} s ${skew > 0 ? 'ahead of' : 'behind'} this machine's (over ${THRESHOLDS.clockSkewWarnMs / 1000} s)`],
    };
  }
  return { id, title, status: 'pass', details: [`within ${Math.max(1, Math.abs(skew))} s of this machine's`] };
}

/** Marks a check as not run, because an earlier one failed. */
export function skipped(id: string, title: string, because: string): CheckResult {
  return { id, title, status: 'skip', details: [`not checked: ${because}`] };
}
