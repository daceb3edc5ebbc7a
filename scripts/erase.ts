/**
 * `npm run -s erase -- --url <ApiUrl> (--id <call id> | --number <E.164>) [--yes]`, with the ingest
 * key in ERASE_API_KEY (or `--key`, which npm echoes in its banner unless `-s` is given).
 *
 * Erases one call, or every call of a customer number (all time), through `DELETE /calls` on a
 * deployed or local adapter. Erasing a number asks first (type the number back) unless `--yes`;
 * with no terminal to ask on, it refuses and says to pass `--yes`. An erasure the adapter could not
 * finish (503, with what it deleted) or a throttled or failed request is repeated, with backoff,
 * until it finishes; deleting is safe to repeat. A refusal that repeating cannot fix (a wrong key,
 * a bad number, a wrong URL, a redirect, no server there) stops at once and says so. Prints one
 * line; exit 0 when everything is erased, 1 when it could not be, 2 on a usage error. The key is
 * never printed.
 */

import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { adapterFetch, adapterUrls, describeNetworkError, RedirectError, UnreachableError, UsageError } from './adapter-url';

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
  | {
      ok: false;
      deleted: number;
      attempts: number;
      status: number | undefined;
      reason: string;
      /** Repeating the same command will fail the same way (a wrong key, a bad request, no server). */
      permanent: boolean;
    };

/** `DELETE <base>/calls`: the URL may be the API's base URL or already end in `/calls`. */
export function eraseUrl(url: string, target: EraseOptions['target']): URL {
  const endpoint = adapterUrls(url).calls;
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
      const response = await adapterFetch(endpoint, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${options.key}` },
        timeoutMs: options.timeoutMs ?? 35_000,
      });
      const body = (await response.json().catch(() => ({}))) as Answer;
      // A 503 of an erasure that stopped says what it deleted before stopping: those are gone.
      if (typeof body.deleted === 'number') deleted += body.deleted;
      if (response.ok) return { ok: true, deleted, attempts: attempt };
      const issues = body.error?.issues?.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
      last = { status: response.status, reason: issues || body.error?.message || response.statusText || 'no reason given' };
      if (!retryable(response.status)) return { ok: false, deleted, attempts: attempt, ...last, permanent: true };
      const retryAfter = Number(response.headers.get('retry-after'));
      if (Number.isFinite(retryAfter) && retryAfter > 0) retryAfterMs = Math.max(retryAfterMs, retryAfter * 1000);
    } catch (error) {
      last = { status: undefined, reason: describeNetworkError(error, options.timeoutMs ?? 35_000) };
      if (error instanceof RedirectError || error instanceof UnreachableError) return { ok: false, deleted, attempts: attempt, ...last, permanent: true };
    }
    if (attempt < maxAttempts) await sleep(Math.min(retryAfterMs, 10_000));
  }
  return { ok: false, deleted, attempts: maxAttempts, ...last, permanent: false };
}

/** What to do about a refusal that repeating cannot fix. */
function permanentHint(status: number | undefined): string {
  if (status === 401 || status === 403) return 'the key was refused: check that --key or ERASE_API_KEY holds an ingest key (a read key cannot erase)';
  if (status === 400) return 'the request was refused as it is: correct it (the reason is above)';
  if (status === 404 || status === 405) return "no erasure endpoint there: check that --url is the adapter (the stack's ApiUrl output)";
  return 'fix that first';
}

/** The one line printed for an outcome: what was deleted, or why not; never the key. */
export function outcomeLine(outcome: EraseOutcome, target: EraseOptions['target']): string {
  const what = 'id' in target ? `call ${JSON.stringify(target.id)}` : `calls of ${target.number}`;
  const count = `${outcome.deleted} ${outcome.deleted === 1 ? 'call' : 'calls'} deleted`;
  if (outcome.ok) return `erased ${what}: ${count}${outcome.deleted === 0 ? ' (nothing was stored)' : ''}.`;
  const status = outcome.status === undefined ? 'no answer' : `HTTP ${outcome.status}`;
  if (outcome.permanent)
    return `erase of ${what} failed: ${count}; ${status} (${outcome.reason}). Running it again will not help: ${permanentHint(outcome.status)}.`;
  return `erase of ${what} not finished: ${count}; ${status} (${outcome.reason}): run the same command again to finish (it is safe to repeat).`;
}

const USAGE =
  'usage: ERASE_API_KEY=<ingest key> npm run -s erase -- --url <ApiUrl> (--id <call id> | --number <E.164 number> [--yes])\n' +
  "  --url     the stack's ApiUrl output, with or without /calls (http://localhost:3000 for npm start)\n" +
  '  --id      erase one call\n' +
  '  --number  erase every call of that customer number, all time; asks first unless --yes\n' +
  '  --yes     erase a number without asking (needed when there is no terminal to ask on)\n' +
  '  --key     the ingest key (ERASE_API_KEY is better: npm prints --key in its banner unless -s is given)\n' +
  'exit code: 0 erased, 1 not (the line says why, and whether running it again helps), 2 usage error';

/** Asks on the terminal; resolves to what was typed. */
export type Ask = (question: string) => Promise<string>;

export interface EraseIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Undefined when there is no terminal to ask on (a pipe, CI). */
  ask?: Ask | undefined;
}

function terminalAsk(): Ask | undefined {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  };
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, io?: Partial<EraseIo>): Promise<number> {
  const out = io?.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = io?.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  const ask = io && 'ask' in io ? io.ask : terminalAsk();
  const parsed = (() => {
    try {
      return parseArgs({
        args: argv,
        options: {
          url: { type: 'string' },
          key: { type: 'string' },
          id: { type: 'string' },
          number: { type: 'string' },
          yes: { type: 'boolean', short: 'y', default: false },
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
  let base: string;
  try {
    base = adapterUrls(values.url).base;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`${error.message}\n${USAGE}`);
    return 2;
  }
  const target = values.id !== undefined ? { id: values.id } : { number: values.number! };
  if ('number' in target && !values.yes) {
    if (!ask) {
      err(`erasing every call of ${target.number} needs a confirmation, and there is no terminal to ask on: pass --yes to erase them. Nothing was erased.`);
      return 2;
    }
    const typed = await ask(`Erase every call of ${target.number} at ${base}, all time? This cannot be undone. Type the number to confirm: `);
    if (typed.trim() !== target.number) {
      err(`not confirmed (${JSON.stringify(typed.trim())} is not ${target.number}): nothing was erased.`);
      return 1;
    }
  }
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
