/**
 * `IMPORT_API_KEY=<ingest key> npm run -s import -- [--source <name>] --url <ApiUrl> FILE...`
 * (`--key` also works, but npm echoes it in its banner unless `-s` is given).
 * Backfills exported calls through the ingest endpoint (local or deployed). Each file holds one JSON
 * payload, a JSON array of them, or JSON lines. Payloads go in batches; 429 and 5xx are retried with
 * backoff; a refused batch is re-sent one payload at a time so only the bad ones are refused. A 401
 * or 403 (the key is wrong for every payload), a redirect, or no server there stops the import at
 * once. Exits 1 when anything was refused or the import stopped, 2 on a usage error (a file that is
 * not JSON included, named with its line).
 */

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isSourceName, SOURCE_NAMES } from '../lib/sources';
import { adapterFetch, adapterUrls, describeNetworkError, payloadId, RedirectError, UnreachableError, UsageError } from './adapter-url';

export interface Payload {
  /** `file`, `file[3]` or `file:12` (JSON lines), for the summary. */
  origin: string;
  value: unknown;
}

/** A file that is neither one JSON document nor JSON lines; the message names the file and line. */
export class PayloadFileError extends UsageError {
  override name = 'PayloadFileError';
}

export function readPayloads(file: string, text: string): Payload[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  let whole: unknown;
  try {
    whole = JSON.parse(trimmed);
  } catch (error) {
    // Not one JSON document: JSON lines, if its first line is a whole document (else it is one broken document).
    const notJson = new PayloadFileError(`${file} is not JSON: ${(error as Error).message}`);
    const lines = trimmed.split('\n');
    const payloads: Payload[] = [];
    for (const [i, line] of lines.entries()) {
      if (line.trim() === '') continue;
      try {
        payloads.push({ origin: `${file}:${i + 1}`, value: JSON.parse(line) as unknown });
      } catch (lineError) {
        if (payloads.length === 0) throw notJson;
        throw new PayloadFileError(`${file}:${i + 1} is not JSON (the file is read as JSON lines, one payload per line): ${(lineError as Error).message}`);
      }
    }
    return payloads;
  }
  return Array.isArray(whole) ? whole.map((value, i) => ({ origin: `${file}[${i}]`, value })) : [{ origin: file, value: whole }];
}

/** `file[3] (call "abc")`: where a payload came from, and the call id it carries when one is found. */
export function describePayload(payload: Payload): string {
  const id = payloadId(payload.value);
  return id === undefined ? payload.origin : `${payload.origin} (call ${JSON.stringify(id)})`;
}

export function batches(payloads: Payload[], maxCount: number, maxBytes: number): Payload[][] {
  const result: Payload[][] = [];
  let current: Payload[] = [];
  let bytes = 2;
  for (const payload of payloads) {
    const size = Buffer.byteLength(JSON.stringify(payload.value)) + 1;
    if (current.length > 0 && (current.length >= maxCount || bytes + size > maxBytes)) {
      result.push(current);
      current = [];
      bytes = 2;
    }
    current.push(payload);
    bytes += size;
  }
  if (current.length > 0) result.push(current);
  return result;
}

export interface Summary {
  stored: number;
  ignored: number;
  /** Past the retention period: answered 200 but not stored. */
  expired: number;
  refused: Array<{ origin: string; reason: string }>;
  /** Set when the endpoint refused the key (401 or 403): nothing after that request was sent. */
  stopped?: { status: number; reason: string };
}

/** The key is refused: every other payload would be refused the same way. */
const refusesTheKey = (status: number) => status === 401 || status === 403;

interface Options {
  url: string;
  key: string;
  source: string | undefined;
  batchSize?: number;
  maxAttempts?: number;
  onProgress?: (done: number, total: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

type Answer = {
  status: number;
  /** The request could not reach the adapter at all (no server, a redirect): stop the import. */
  final?: boolean;
  body: { stored?: number; ignored?: string[]; expired?: unknown[]; error?: { message?: string; issues?: Array<{ path: string; message: string }> } };
};

export async function importPayloads(payloads: Payload[], options: Options): Promise<Summary> {
  const endpoint = adapterUrls(options.url).calls;
  if (options.source) endpoint.searchParams.set('source', options.source);
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const summary: Summary = { stored: 0, ignored: 0, expired: 0, refused: [] };
  let done = 0;

  const send = async (batch: Payload[]): Promise<Answer> => {
    for (let attempt = 1; ; attempt++) {
      let answer: Answer | undefined;
      try {
        const response = await adapterFetch(endpoint, {
          method: 'POST',
          headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json' },
          body: JSON.stringify(batch.map((p) => p.value)),
          timeoutMs: 60_000,
        });
        answer = { status: response.status, body: (await response.json().catch(() => ({}))) as Answer['body'] };
        if (response.status !== 429 && response.status < 500) return answer;
        const retryAfter = Number(response.headers.get('retry-after'));
        if (attempt >= (options.maxAttempts ?? 6)) return answer;
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 200 * 2 ** attempt);
      } catch (error) {
        // Nothing there, or sent elsewhere: every other payload would fail the same way.
        if (error instanceof RedirectError || error instanceof UnreachableError) return { status: 0, body: { error: { message: error.message } }, final: true };
        if (attempt >= (options.maxAttempts ?? 6)) return { status: 0, body: { error: { message: describeNetworkError(error, 60_000) } } };
        await sleep(200 * 2 ** attempt);
      }
    }
  };

  const reasonOf = (answer: Answer) => {
    const issues = answer.body.error?.issues?.map((i) => `${i.path || '(payload)'}: ${i.message}`).join('; ');
    return issues || answer.body.error?.message || 'no reason given';
  };

  const record = (batch: Payload[], answer: Answer) => {
    if (answer.status === 200) {
      summary.stored += answer.body.stored ?? 0;
      summary.ignored += answer.body.ignored?.length ?? 0;
      summary.expired += answer.body.expired?.length ?? 0;
    } else {
      const reason = `HTTP ${answer.status || 'error'}: ${reasonOf(answer)}`;
      for (const payload of batch) summary.refused.push({ origin: describePayload(payload), reason });
    }
    done += batch.length;
    options.onProgress?.(done, payloads.length);
  };

  const stop = (answer: Answer): Summary => ({ ...summary, stopped: { status: answer.status, reason: reasonOf(answer) } });

  for (const batch of batches(payloads, options.batchSize ?? 25, 4 * 1024 * 1024)) {
    const answer = await send(batch);
    if (refusesTheKey(answer.status) || answer.final) return stop(answer);
    // All or nothing per request: find the bad payloads by sending that batch one at a time.
    if ((answer.status === 400 || answer.status === 413) && batch.length > 1) {
      for (const payload of batch) {
        const single = await send([payload]);
        if (refusesTheKey(single.status) || single.final) return stop(single);
        record([payload], single);
      }
    } else {
      record(batch, answer);
    }
  }
  return summary;
}

let progressShown = false;

function progressBar(done: number, total: number): void {
  progressShown = true;
  const width = 30;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}${done === total ? '\n' : ''}`);
  else if (done === total) process.stderr.write(`${line}\n`);
}

/** The one line printed when the import stopped (the key refused, no server, a redirect); the key itself is never printed. */
export function stoppedLine(url: string, summary: Summary & { stopped: NonNullable<Summary['stopped']> }): string {
  const { status, reason } = summary.stopped;
  const before = summary.stored > 0 ? `${summary.stored} calls were stored before it` : 'nothing was stored';
  if (status === 0) return `import stopped: ${reason}; ${before}.`;
  return `import stopped: ${url} answered ${status} (${reason}): check that --key or IMPORT_API_KEY holds an ingest key; ${before}.`;
}

const USAGE = `usage: IMPORT_API_KEY=<ingest key> npm run -s import -- [--source <format>] --url <ApiUrl> FILE...
  --url         the stack's ApiUrl output, with or without /calls (http://localhost:3000 for npm start)
  --source      the format of every payload; without it, each payload's format is detected. Formats:
                ${SOURCE_NAMES.join(', ')}
  --batch-size  payloads per request (default 25)
  --key         the ingest key (IMPORT_API_KEY is better: npm prints --key in its banner unless -s is given)
  FILE          one JSON payload, a JSON array of payloads, or JSON lines (one payload per line)
exit code: 0 all stored, 1 something refused or the import stopped, 2 usage error`;

export interface ImportIo {
  out: (line: string) => void;
  err: (line: string) => void;
  onProgress?: (done: number, total: number) => void;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, io?: Partial<ImportIo>): Promise<number> {
  const out = io?.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = io?.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  const usageError = (message: string) => {
    err(`${message}\n${USAGE}`);
    return 2;
  };
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const key = values.key ?? env.IMPORT_API_KEY;
  if (!values.url || !key || positionals.length === 0) return usageError('--url, a key (--key or IMPORT_API_KEY) and at least one FILE are required');
  if (values.source !== undefined && !isSourceName(values.source))
    return usageError(`--source ${JSON.stringify(values.source)} is not a format this adapter reads: use one of ${SOURCE_NAMES.join(', ')}`);
  const batchSize = values['batch-size'] === undefined ? undefined : Number(values['batch-size']);
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 100))
    return usageError('--batch-size must be a whole number from 1 to 100');
  let payloads: Payload[];
  try {
    adapterUrls(values.url);
    payloads = positionals.flatMap((file) => readPayloads(file, readFileSync(file, 'utf8')));
  } catch (error) {
    if (error instanceof UsageError) return usageError(error.message);
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES')
      return usageError(`cannot read ${(error as { path?: string }).path ?? 'a file'}: ${String(code)}`);
    throw error;
  }
  const summary = await importPayloads(payloads, {
    url: values.url,
    key,
    source: values.source,
    batchSize,
    onProgress: io?.onProgress ?? progressBar,
  });
  if (summary.stopped) {
    if (progressShown && process.stderr.isTTY) process.stderr.write('\n');
    err(stoppedLine(values.url, { ...summary, stopped: summary.stopped }));
    return 1;
  }
  out(
    `stored ${summary.stored}, ignored ${summary.ignored} (events without a call), expired ${summary.expired} (past retention, not stored), refused ${summary.refused.length}`,
  );
  for (const { origin, reason } of summary.refused) out(`  refused ${origin}: ${reason}`);
  return summary.refused.length > 0 ? 1 : 0;
}

function parseCommandLine(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      source: { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
      'batch-size': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`import: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
