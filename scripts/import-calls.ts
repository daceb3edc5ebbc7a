/**
 * `npm run import -- --source <name> --url <endpoint> --key <ingest key> FILE...`
 * (or the key in IMPORT_API_KEY, so that npm does not echo it: `IMPORT_API_KEY=… npm run -s import -- …`).
 * Backfills exported calls through the ingest endpoint (local or deployed). Each file holds one JSON
 * payload, a JSON array of them, or JSON lines. Payloads go in batches; 429 and 5xx are retried with
 * backoff; a refused batch is re-sent one payload at a time so only the bad ones are refused. A 401
 * or 403 stops the import at once (the key is wrong for every payload). Exits 1 when anything was
 * refused or the import stopped.
 */

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { callsUrl } from './adapter-url';

export interface Payload {
  /** `file`, `file[3]` or `file:12` (JSON lines), for the summary. */
  origin: string;
  value: unknown;
}

export function readPayloads(file: string, text: string): Payload[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return Array.isArray(parsed) ? parsed.map((value, i) => ({ origin: `${file}[${i}]`, value })) : [{ origin: file, value: parsed }];
  } catch {
    // Not one JSON document: JSON lines.
    return trimmed.split('\n').flatMap((line, i) => (line.trim() === '' ? [] : [{ origin: `${file}:${i + 1}`, value: JSON.parse(line) as unknown }]));
  }
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
  body: { stored?: number; ignored?: string[]; expired?: unknown[]; error?: { message?: string; issues?: Array<{ path: string; message: string }> } };
};

export async function importPayloads(payloads: Payload[], options: Options): Promise<Summary> {
  const endpoint = callsUrl(options.url);
  if (options.source) endpoint.searchParams.set('source', options.source);
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const summary: Summary = { stored: 0, ignored: 0, expired: 0, refused: [] };
  let done = 0;

  const send = async (batch: Payload[]): Promise<Answer> => {
    for (let attempt = 1; ; attempt++) {
      let answer: Answer | undefined;
      try {
        const response = await fetch(endpoint, {
          method: 'POST',
          headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json' },
          body: JSON.stringify(batch.map((p) => p.value)),
        });
        answer = { status: response.status, body: (await response.json().catch(() => ({}))) as Answer['body'] };
        if (response.status !== 429 && response.status < 500) return answer;
        const retryAfter = Number(response.headers.get('retry-after'));
        if (attempt >= (options.maxAttempts ?? 6)) return answer;
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 200 * 2 ** attempt);
      } catch (error) {
        if (attempt >= (options.maxAttempts ?? 6)) return { status: 0, body: { error: { message: error instanceof Error ? error.message : String(error) } } };
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
      for (const payload of batch) summary.refused.push({ origin: payload.origin, reason });
    }
    done += batch.length;
    options.onProgress?.(done, payloads.length);
  };

  const stop = (answer: Answer): Summary => ({ ...summary, stopped: { status: answer.status, reason: reasonOf(answer) } });

  for (const batch of batches(payloads, options.batchSize ?? 25, 4 * 1024 * 1024)) {
    const answer = await send(batch);
    if (refusesTheKey(answer.status)) return stop(answer);
    // All or nothing per request: find the bad payloads by sending that batch one at a time.
    if ((answer.status === 400 || answer.status === 413) && batch.length > 1) {
      for (const payload of batch) {
        const single = await send([payload]);
        if (refusesTheKey(single.status)) return stop(single);
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

/** The one line printed when the endpoint refused the key; the key itself is never printed. */
export function stoppedLine(url: string, summary: Summary & { stopped: NonNullable<Summary['stopped']> }): string {
  const { status, reason } = summary.stopped;
  const before = summary.stored > 0 ? `${summary.stored} calls were stored before it` : 'nothing was stored';
  return `import stopped: ${url} answered ${status} (${reason}): check that --key or IMPORT_API_KEY holds an ingest key; ${before}.`;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { source: { type: 'string' }, url: { type: 'string' }, key: { type: 'string' }, 'batch-size': { type: 'string' } },
  });
  const key = values.key ?? process.env.IMPORT_API_KEY;
  if (!values.url || !key || positionals.length === 0) {
    console.error(
      'usage: [IMPORT_API_KEY=<ingest key>] npm run -s import -- [--source custom|vapi|retell|elevenlabs|cekura] --url <endpoint> [--key <ingest key>] FILE...',
    );
    return 2;
  }
  const payloads = positionals.flatMap((file) => readPayloads(file, readFileSync(file, 'utf8')));
  const summary = await importPayloads(payloads, {
    url: values.url,
    key,
    source: values.source,
    batchSize: values['batch-size'] ? Number(values['batch-size']) : undefined,
    onProgress: progressBar,
  });
  if (summary.stopped) {
    if (progressShown && process.stderr.isTTY) process.stderr.write('\n');
    console.error(stoppedLine(values.url, { ...summary, stopped: summary.stopped }));
    return 1;
  }
  console.log(
    `stored ${summary.stored}, ignored ${summary.ignored} (events without a call), expired ${summary.expired} (past retention, not stored), refused ${summary.refused.length}`,
  );
  for (const { origin, reason } of summary.refused) console.log(`  refused ${origin}: ${reason}`);
  return summary.refused.length > 0 ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(2);
    },
  );
}
