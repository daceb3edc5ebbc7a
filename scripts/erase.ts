/**
 * `npm run -s erase -- --url <ApiUrl> (--id <call id> | --number <E.164>)`, with the ingest key in
 * ERASE_API_KEY (or `--key`, which npm echoes in its banner unless `-s` is given).
 *
 * Erases one call, or every call of a customer number (all time), through `DELETE /calls` on a
 * deployed or local adapter. An erasure the adapter could not finish (503, with what it deleted) or
 * a throttled or failed request is repeated, with backoff, until it finishes; deleting is safe to
 * repeat. Prints one line; exit 0 when everything is erased, 1 when it could not be, 2 on a usage
 * error. The key is never printed.
 */

import { parseArgs } from 'node:util';
import { callsUrl } from './adapter-url';

export interface EraseOptions {
  url: string;
  key: string;
  target: { id: string } | { number: string };
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
  timeoutMs?: number;
}

export type EraseOutcome =
  | { ok: true; deleted: number; attempts: number }
  | { ok: false; deleted: number; attempts: number; status: number | undefined; reason: string };

/** `DELETE <base>/calls`: the URL may be the API's base URL or already end in `/calls`. */
export function eraseUrl(url: string, target: EraseOptions['target']): URL {
  const endpoint = callsUrl(url);
  if ('id' in target) endpoint.searchParams.set('id', target.id);
  else endpoint.searchParams.set('number', target.number);
  return endpoint;
}

interface Answer {
  deleted?: number;
  error?: { message?: string; issues?: Array<{ path: string; message: string }> };
}

const retryable = (status: number) => status === 429 || status >= 500;

export async function eraseCalls(options: EraseOptions): Promise<EraseOutcome> {
  const endpoint = eraseUrl(options.url, options.target);
  const maxAttempts = options.maxAttempts ?? 8;
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  let deleted = 0;
  let last: { status: number | undefined; reason: string } = { status: undefined, reason: 'not sent' };
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let retryAfterMs = 250 * 2 ** (attempt - 1);
    try {
      const response = await fetch(endpoint, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${options.key}` },
        signal: AbortSignal.timeout(options.timeoutMs ?? 35_000),
      });
      const body = (await response.json().catch(() => ({}))) as Answer;
      // A 503 of an erasure that stopped says what it deleted before stopping: those are gone.
      if (typeof body.deleted === 'number') deleted += body.deleted;
      if (response.ok) return { ok: true, deleted, attempts: attempt };
      const issues = body.error?.issues?.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
      last = { status: response.status, reason: issues || body.error?.message || response.statusText || 'no reason given' };
      if (!retryable(response.status)) return { ok: false, deleted, attempts: attempt, ...last };
      const retryAfter = Number(response.headers.get('retry-after'));
      if (Number.isFinite(retryAfter) && retryAfter > 0) retryAfterMs = Math.max(retryAfterMs, retryAfter * 1000);
    } catch (error) {
      last = { status: undefined, reason: error instanceof Error ? error.message : String(error) };
    }
    if (attempt < maxAttempts) await sleep(Math.min(retryAfterMs, 10_000));
  }
  return { ok: false, deleted, attempts: maxAttempts, ...last };
}

/** The one line printed for an outcome: what was deleted, or why not; never the key. */
export function outcomeLine(outcome: EraseOutcome, target: EraseOptions['target']): string {
  const what = 'id' in target ? `call ${JSON.stringify(target.id)}` : `calls of ${target.number}`;
  const count = `${outcome.deleted} ${outcome.deleted === 1 ? 'call' : 'calls'} deleted`;
  if (outcome.ok) return `erased ${what}: ${count}${outcome.deleted === 0 ? ' (nothing was stored)' : ''}.`;
  const status = outcome.status === undefined ? 'no answer' : `HTTP ${outcome.status}`;
  const hint =
    outcome.status === 401 || outcome.status === 403
      ? ': check that --key or ERASE_API_KEY holds an ingest key'
      : outcome.status === 400
        ? ''
        : ': run the same command again to finish (it is safe to repeat)';
  return `erase of ${what} not finished: ${count}; ${status} (${outcome.reason})${hint}.`;
}

const USAGE =
  'usage: ERASE_API_KEY=<ingest key> npm run -s erase -- --url <ApiUrl> (--id <call id> | --number <E.164 number>)\n' +
  '       (--key <ingest key> also works, but npm prints it in its banner unless -s is given)';

export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  err: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<number> {
  const parsed = (() => {
    try {
      return parseArgs({
        args: argv,
        options: {
          url: { type: 'string' },
          key: { type: 'string' },
          id: { type: 'string' },
          number: { type: 'string' },
          help: { type: 'boolean', short: 'h', default: false },
        },
        strict: true,
      });
    } catch (error) {
      return error as Error;
    }
  })();
  if (parsed instanceof Error) {
    err(`${parsed.message}\n${USAGE}`);
    return 2;
  }
  const { values } = parsed;
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const key = values.key ?? env.ERASE_API_KEY;
  if (!values.url || !key || (values.id === undefined) === (values.number === undefined)) {
    err(`--url, a key (--key or ERASE_API_KEY) and exactly one of --id or --number are required\n${USAGE}`);
    return 2;
  }
  const target = values.id !== undefined ? { id: values.id } : { number: values.number! };
  const outcome = await eraseCalls({ url: values.url, key, target });
  (outcome.ok ? out : err)(outcomeLine(outcome, target));
  return outcome.ok ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`erase: ${(error as Error).message}\n`);
      process.exitCode = 2;
    },
  );
}
