/**
 * `npm run cekura -- <command>`: push calls to Cekura by hand, with the forwarder's own payload,
 * agent routing and run-id rules.
 *
 *   push    --url <adapter url> --key <read key> --from <ISO> --to <ISO> [--number <E.164>] [--dry-run]
 *           Backfill: reads the calls through the adapter's GET /calls (every page) and pushes them.
 *   redrive --queue <dead-letter queue url> --table <calls table> [--region <region>] [--dry-run]
 *           Re-pushes what the forwarder dead-lettered: each letter's call is read again from the
 *           table (the letter holds its key, and GET /calls cannot read a call by id); its message
 *           is deleted once Cekura accepted the call. Needs AWS credentials for the queue and table.
 *
 * Settings: the CEKURA_* environment variables of local mode (CEKURA_AGENT_ID, CEKURA_AGENTS,
 * CEKURA_PUSH, CEKURA_API_KEY, CEKURA_WEBHOOK_URL, CEKURA_API_BASE_URL, CEKURA_RUN_LOOKUP,
 * CEKURA_MESSAGE_TIMES, CEKURA_OBSERVE, CEKURA_REDACT_FIELDS; RECORDING_BUCKETS to sign recordings stored
 * as S3 locations), except the push window: these commands push old calls on purpose.
 * The read key may be given as ADAPTER_READ_KEY instead of --key (out of the shell history).
 * Exit code: 0 done, 1 something failed, 2 bad usage or settings.
 */

import { parseArgs } from 'node:util';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { type Call, CallSchema } from '../lib/call';
import { parseIsoInstant } from '../lib/call/timestamps';
import { sqsDeadLetterQueue } from '../lib/cekura-push/dead-letters';
import {
  type CallRoute,
  CEKURA_ENV,
  type Channel,
  cekuraConfigFromEnv,
  describeCekuraConfig,
  type ForwardOptions,
  forwardCalls,
  type PushPlan,
  planPush,
} from '../lib/cekura-push/forward';
import { type RedriveOutcome, redriveDeadLetters, type StoredCallReader } from '../lib/cekura-push/redrive';
import { whyUnrouted } from '../lib/cekura-push/routing';
import type { RunsLookup } from '../lib/cekura-push/runs';
import { logger } from '../lib/logger';
import { recordingSignerFromEnv } from '../lib/recordings/signer';
import { createDocumentClient } from '../lib/store/client';
import { decodeStoredDoc } from '../lib/store/dynamodb-call-store';
import { adapterFetch, adapterUrls, describeNetworkError, RedirectError, UnreachableError, UsageError } from './adapter-url';

const USAGE = `usage:
  ADAPTER_READ_KEY=<read key> npm run -s cekura -- push --url <ApiUrl> --from <ISO 8601> --to <ISO 8601> [--number <E.164>] [--page-size <1-1000>] [--dry-run]
      pushes the window's calls, read through the adapter's GET /calls; --url is the stack's ApiUrl output,
      with or without /calls (http://localhost:3000 for npm start); --key <read key> also works
  npm run -s cekura -- redrive --queue <CekuraDeadLetterQueueUrl> --table <CallsTableName> [--region <region>] [--dry-run]
      re-pushes what the forwarder dead-lettered (AWS credentials: sqs:ReceiveMessage, sqs:DeleteMessage, dynamodb:GetItem)
settings: CEKURA_AGENT_ID and/or CEKURA_AGENTS (or CEKURA_PUSH=on), CEKURA_API_KEY; optional CEKURA_WEBHOOK_URL,
CEKURA_API_BASE_URL, CEKURA_RUN_LOOKUP=off, CEKURA_MESSAGE_TIMES (relative-seconds, the default, or epoch-ms), CEKURA_OBSERVE=on,
CEKURA_REDACT_FIELDS, RECORDING_BUCKETS
exit code: 0 done, 1 something failed, 2 usage error or settings`;

/** Calls per POST in a backfill (each agent's share of a chunk is one POST). */
const CHUNK = 25;

export interface Output {
  out: (line: string) => void;
  /** Progress: a bar redrawn in place on a terminal, plain lines otherwise. */
  progress: (line: string, final?: boolean, fraction?: { done: number; total: number }) => void;
}

// --- reading calls through the adapter ---------------------------------------------------------------

export interface ReadOptions {
  url: string;
  key: string;
  from: string;
  to: string;
  number?: string;
  /** Calls per GET page (the API's limit, 1-1000). */
  pageSize?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  onPage?: (calls: number, pages: number) => void;
}

export interface ReadResult {
  calls: Call[];
  /** What GET /calls returned that is not a valid call (should not happen: reported, not pushed). */
  invalid: Array<{ id: string; reason: string }>;
}

const DAY_MS = 86_400_000;

/**
 * The backfill window as consecutive UTC-aligned-to-`from` windows of at most one day, bounds
 * inclusive and disjoint: the API refuses windows over its maxWindowDays (31 by default, less if
 * configured), and a day is what one of its queries reads anyway.
 */
export function backfillWindows(from: string, to: string): Array<{ from: string; to: string }> {
  const start = Date.parse(from);
  const end = Date.parse(to);
  const windows: Array<{ from: string; to: string }> = [];
  for (let at = start; at <= end; at += DAY_MS) {
    windows.push({ from: new Date(at).toISOString(), to: new Date(Math.min(end, at + DAY_MS - 1)).toISOString() });
  }
  return windows;
}

/** Every call of the window, a day at a time, following `Link: <...>; rel="next"`, oldest first, each id once. */
export async function readAdapterCalls(options: ReadOptions): Promise<ReadResult> {
  const byId = new Map<string, Call>();
  const invalid: ReadResult['invalid'] = [];
  let read = 0;
  let pages = 0;
  for (const window of backfillWindows(options.from, options.to)) {
    const result = await readWindow({ ...options, ...window, onPage: (calls, windowPages) => options.onPage?.(read + calls, pages + windowPages) });
    read += result.calls.length + result.invalid.length;
    pages += result.pages;
    // A call re-sent while the backfill runs can move to a later day: keep its latest version once.
    for (const call of result.calls) byId.set(call.id, call);
    for (const item of result.invalid) invalid.push(item);
  }
  const calls = [...byId.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
  return { calls, invalid };
}

async function readWindow(options: ReadOptions): Promise<ReadResult & { pages: number }> {
  const endpoint = adapterUrls(options.url).calls;
  endpoint.searchParams.set('from', options.from);
  endpoint.searchParams.set('to', options.to);
  endpoint.searchParams.set('limit', String(options.pageSize ?? 1000));
  if (options.number) endpoint.searchParams.set('number', options.number);
  const raw: unknown[] = [];
  let next: URL | undefined = endpoint;
  let pages = 0;
  while (next) {
    const response = await getWithRetries(next, options);
    const text = await response.text();
    if (response.status !== 200) throw new Error(`GET /calls answered HTTP ${response.status}: ${describeApiError(text)}`);
    const page: unknown = JSON.parse(text);
    if (!Array.isArray(page)) throw new Error('GET /calls did not answer a JSON array: is --url the adapter?');
    for (const item of page) raw.push(item);
    pages += 1;
    options.onPage?.(raw.length, pages);
    const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(response.headers.get('link') ?? '')?.[1];
    next = link === undefined ? undefined : new URL(link, next);
    // The read key goes with each page: never to another host than the one given.
    if (next && next.origin !== endpoint.origin) throw new Error(`GET /calls pointed its next page at another origin (${next.origin}): stopped`);
  }
  const result: ReadResult & { pages: number } = { calls: [], invalid: [], pages };
  for (const item of raw) {
    const parsed = v.safeParse(CallSchema, item);
    if (parsed.success) result.calls.push(parsed.output);
    else result.invalid.push({ id: String((item as { id?: unknown } | null)?.id ?? '(no id)'), reason: `not a valid call: ${parsed.issues[0].message}` });
  }
  return result;
}

async function getWithRetries(url: URL, options: ReadOptions): Promise<Response> {
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await adapterFetch(url, {
        headers: { authorization: options.key, accept: 'application/json' },
        timeoutMs: 30_000,
        fetch: options.fetch,
      });
      if ((response.status !== 429 && response.status < 500) || attempt >= 4) return response;
      await response.body?.cancel();
    } catch (error) {
      // Nothing there, or sent elsewhere: retrying will not change it.
      if (error instanceof RedirectError || error instanceof UnreachableError) throw new Error(`GET /calls: ${error.message}`);
      if (attempt >= 4) throw new Error(`GET /calls failed: ${describeNetworkError(error, 30_000)}`);
    }
    await sleep(500 * 2 ** attempt);
  }
}

function describeApiError(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: string; issues?: Array<{ path: string; message: string }> } };
    const issues = body.error?.issues?.map((i) => `${i.path}: ${i.message}`).join('; ');
    return issues || body.error?.message || text.slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}

// --- push ----------------------------------------------------------------------------------------------

export interface BackfillSummary {
  sent: Array<{ route: CallRoute }>;
  skipped: string[];
  unrouted: Call[];
  failed: Array<{ id: string; route: CallRoute | undefined; reason: string; channel: Channel | undefined }>;
  /** Dry run: the POSTs that would be sent. */
  planned: PushPlan['batches'];
  plannedObserve: PushPlan['observe'];
}

/** Pushes calls in chunks, each agent's runs looked up once for the whole backfill. */
export async function backfill(
  calls: readonly Call[],
  forward: ForwardOptions,
  options: { dryRun?: boolean; onProgress?: (done: number, total: number) => void } = {},
): Promise<BackfillSummary> {
  const cache = new Map<number, Promise<RunsLookup>>();
  const settings: ForwardOptions = { ...forward, ignorePushWindow: true, runLookup: forward.runLookup && { ...forward.runLookup, cache } };
  const summary: BackfillSummary = { sent: [], skipped: [], unrouted: [], failed: [], planned: [], plannedObserve: [] };
  const byId = new Map(calls.map((c) => [c.id, c]));
  for (let start = 0; start < calls.length; start += CHUNK) {
    const chunk = calls.slice(start, start + CHUNK);
    if (options.dryRun) {
      const plan = await planPush(chunk, settings);
      for (const id of plan.skipped) summary.skipped.push(id);
      for (const id of plan.unrouted) summary.unrouted.push(byId.get(id)!);
      for (const batch of plan.batches) summary.planned.push(batch);
      for (const observed of plan.observe) summary.plannedObserve.push(observed);
      for (const route of plan.undetermined)
        summary.failed.push({ id: route.id, route, reason: 'the run lookup failed: not known whether a test or a production call', channel: undefined });
    } else {
      const result = await forwardCalls(chunk, settings);
      const routes = new Map(result.routes.map((r) => [r.id, r]));
      for (const id of result.sent) summary.sent.push({ route: routes.get(id)! });
      for (const id of result.skipped) summary.skipped.push(id);
      for (const id of result.unrouted) summary.unrouted.push(byId.get(id)!);
      for (const f of result.failed)
        summary.failed.push({
          id: f.id,
          route: routes.get(f.id),
          reason: f.attempts === 0 ? f.reason : `${f.status ? `HTTP ${f.status}` : 'no answer'}: ${f.reason}`,
          channel: f.channel,
        });
    }
    options.onProgress?.(Math.min(start + CHUNK, calls.length), calls.length);
  }
  return summary;
}

/** How the call's agent was chosen (see lib/cekura-push/routing.ts). */
export function describeAgent(route: CallRoute): string {
  const how = route.agentFrom === 'call' ? "the call's agent_id" : route.agentFrom === 'number' ? 'by its agent number' : 'the default agent';
  return `agent ${route.agentId} (${how})`;
}

export function describeRun(route: CallRoute): string {
  switch (route.run) {
    case 'call':
      return `run ${route.runId} (the call's run_id)`;
    case 'metadata':
      return `run ${route.runId} (metadata.cekura_run_id)`;
    case 'lookup':
      return `run ${route.runId} (looked up)`;
    case 'no-match':
      return 'no run (no active run matches)';
    case 'ambiguous':
      return `no run (several active runs match: ${route.candidates?.join(', ')})`;
    case 'lookup-failed':
      return 'no run (run lookup failed, see the log)';
    case 'lookup-off':
      return 'no run (lookup off)';
  }
}

/** Which way the call went and why: the test-run webhook, or Observe for production calls. */
export function describeChannel(route: CallRoute, observeOn: boolean): string {
  if (route.channel === 'observe') return '-> Observe (production: no test run)';
  if (!observeOn) return '-> test-run webhook';
  return route.runId !== undefined ? '-> test-run webhook (a test call)' : '-> test-run webhook (a test call: several active runs match)';
}

const column = (label: string) => label.padEnd(9);

export function printBackfill(summary: BackfillSummary, invalid: ReadResult['invalid'], dryRun: boolean, out: Output['out'], observeOn = false): void {
  const failed = summary.failed.length + invalid.length;
  if (dryRun) {
    const wouldSend = summary.planned.reduce((n, b) => n + b.calls.length, 0) + summary.plannedObserve.length;
    out(`dry run: would send ${wouldSend}, skipped ${summary.skipped.length}, unrouted ${summary.unrouted.length}, failed ${failed}`);
    for (const batch of summary.planned) {
      out(
        `  POST agent_id=${batch.agentId}: ${batch.calls.length} call${batch.calls.length === 1 ? '' : 's'}, ${Buffer.byteLength(JSON.stringify(batch.payload))} bytes`,
      );
      for (const [i, route] of batch.routes.entries()) {
        const call = batch.payload.calls[i]!;
        out(
          `    ${column('would')} ${route.id}  ${describeAgent(route)}  ${describeRun(route)}  ${describeChannel(route, observeOn)}  from ${call.from_phone_number}${call.to_phone_number ? ` to ${call.to_phone_number}` : ''}, ${call.messages.length} messages`,
        );
      }
    }
    for (const { route, body } of summary.plannedObserve) {
      out(`  POST observe agent=${body.agent}: call_id ${body.call_id}, ${Buffer.byteLength(JSON.stringify(body))} bytes`);
      out(
        `    ${column('would')} ${route.id}  ${describeAgent(route)}  ${describeRun(route)}  ${describeChannel(route, observeOn)}  from ${body.customer_number}, ${body.transcript_json.length} messages`,
      );
    }
  } else {
    out(`sent ${summary.sent.length}, skipped ${summary.skipped.length}, unrouted ${summary.unrouted.length}, failed ${failed}`);
    for (const { route } of summary.sent)
      out(`  ${column('sent')} ${route.id}  ${describeAgent(route)}  ${describeRun(route)}  ${describeChannel(route, observeOn)}`);
  }
  for (const id of summary.skipped) out(`  ${column('skipped')} ${id}`);
  for (const call of summary.unrouted) out(`  ${column('unrouted')} ${call.id}  no agent: ${whyUnrouted(call)}`);
  for (const f of summary.failed)
    out(
      `  ${column('failed')} ${f.id}${f.route ? `  ${describeAgent(f.route)}  ${describeRun(f.route)}${f.channel ? `  ${describeChannel(f.route, observeOn)}` : ''}` : ''}  ${f.reason}`,
    );
  for (const f of invalid) out(`  ${column('failed')} ${f.id}  ${f.reason}`);
}

// --- redrive -------------------------------------------------------------------------------------------

/** A call as stored now, by its table key; undefined when it is gone or expired (never served then). */
export function storedCallReader(client: DynamoDBDocumentClient, tableName: string, now: () => number = Date.now): StoredCallReader {
  return async (pk) => {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { pk }, ConsistentRead: true }));
    if (!Item) return undefined;
    if (typeof Item.exp === 'number' && Item.exp <= Math.floor(now() / 1000)) return undefined;
    return JSON.parse(decodeStoredDoc(Item as { pk?: string; doc?: string; docz?: Uint8Array })) as Call;
  };
}

export function printRedrive(outcomes: readonly RedriveOutcome[], dryRun: boolean, out: Output['out'], observeOn = false): void {
  const count = (kind: RedriveOutcome['kind']) => outcomes.filter((o) => o.kind === kind).length;
  out(
    `${dryRun ? `dry run: would redrive ${count('would-redrive')}` : `redriven ${count('redriven')}`}, not redrivable ${count('not-redrivable')}, ` +
      `unrouted ${count('unrouted')}, failed ${count('failed')}${dryRun ? ' (nothing sent, nothing deleted)' : ''}`,
  );
  for (const o of outcomes) {
    switch (o.kind) {
      case 'redriven':
      case 'would-redrive':
        out(
          `  ${column(o.kind === 'redriven' ? 'redriven' : 'would')} ${o.callId}  ${describeAgent(o.route)}  ${describeRun(o.route)}  ${describeChannel(o.route, observeOn)}${o.kind === 'redriven' ? '  (message deleted)' : ''}`,
        );
        break;
      case 'not-redrivable':
        out(`  ${column('left')} message ${o.messageId}: ${o.why}`);
        break;
      case 'unrouted':
        out(`  ${column('unrouted')} ${o.callId}  no agent (left in the queue)`);
        break;
      case 'failed':
        out(`  ${column('failed')} ${o.callId ?? `message ${o.messageId}`}  ${o.reason} (left in the queue)`);
    }
  }
}

// --- command line --------------------------------------------------------------------------------------

function pushSettings(env: NodeJS.ProcessEnv, dryRun: boolean, out: Output['out']): ForwardOptions {
  let config: ReturnType<typeof cekuraConfigFromEnv>;
  try {
    config = cekuraConfigFromEnv(env);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (!config) throw new UsageError(`Set ${CEKURA_ENV.agentId}, ${CEKURA_ENV.agents} or ${CEKURA_ENV.push}=on: no call has an agent to be pushed to otherwise`);
  const apiKey = env[CEKURA_ENV.apiKey]?.trim() ?? '';
  if (apiKey === '' && !dryRun) throw new UsageError(`Set ${CEKURA_ENV.apiKey} (Cekura's API key)`);
  if (apiKey === '' && config.runLookup) out(`note: no ${CEKURA_ENV.apiKey}: run ids are not looked up in this dry run`);
  let signRecording: ReturnType<typeof recordingSignerFromEnv>;
  try {
    signRecording = recordingSignerFromEnv(env);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return { ...config, runLookup: apiKey === '' ? undefined : config.runLookup, apiKey, signRecording };
}

function instant(name: string, value: string | undefined): string {
  const ms = value === undefined ? undefined : parseIsoInstant(value);
  if (ms === undefined)
    throw new UsageError(`--${name} must be an ISO 8601 instant with a time zone (e.g. 2025-01-01T00:00:00Z), got ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        key: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        number: { type: 'string' },
        queue: { type: 'string' },
        table: { type: 'string' },
        region: { type: 'string' },
        'page-size': { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
  } catch (error) {
    // Unknown options and missing values: a usage error, not a failure.
    throw new UsageError((error as Error).message);
  }
}

export async function main(argv: string[], env: NodeJS.ProcessEnv, io: Output): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const [command, ...rest] = positionals;
  const dryRun = values['dry-run'] ?? false;
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);

  if (command === 'push') {
    const key = values.key ?? env.ADAPTER_READ_KEY;
    if (!values.url || !key) throw new UsageError('push needs --url and the read key (--key or ADAPTER_READ_KEY)');
    adapterUrls(values.url);
    const forward = pushSettings(env, dryRun, io.out);
    const from = instant('from', values.from);
    const to = instant('to', values.to);
    io.out(
      `Cekura: ${describeCekuraConfig({ agentId: forward.agentId, agents: forward.agents ?? {}, url: forward.url!, messageTimes: forward.messageTimes!, pushWindowMinutes: 0, runLookup: forward.runLookup, observe: forward.observe, channels: undefined })}`,
    );
    const pageSize = values['page-size'] === undefined ? undefined : Number(values['page-size']);
    if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 1000))
      throw new UsageError('--page-size must be a whole number from 1 to 1000');
    const read = await readAdapterCalls({
      url: values.url,
      key,
      from,
      to,
      number: values.number,
      pageSize,
      onPage: (n, pages) => io.progress(`read ${n} calls (${pages} page${pages === 1 ? '' : 's'})`),
    });
    io.progress(`read ${read.calls.length + read.invalid.length} calls from ${from} to ${to}`, true);
    const summary = await backfill(read.calls, forward, {
      dryRun,
      onProgress: (done, total) => io.progress(`${dryRun ? 'planned' : 'pushed'} ${done}/${total} calls`, done === total, { done, total }),
    });
    printBackfill(summary, read.invalid, dryRun, io.out, forward.observe !== undefined);
    return summary.failed.length + read.invalid.length > 0 ? 1 : 0;
  }

  if (command === 'redrive') {
    if (!values.queue || !values.table) throw new UsageError('redrive needs --queue (the dead-letter queue URL) and --table (the calls table name)');
    const forward = pushSettings(env, dryRun, io.out);
    const client = createDocumentClient({ endpoint: env.DYNAMODB_ENDPOINT || undefined, region: values.region });
    try {
      const outcomes = await redriveDeadLetters({
        queue: sqsDeadLetterQueue({ queueUrl: values.queue, region: values.region }),
        readCall: storedCallReader(client, values.table),
        forward,
        dryRun,
        onMessage: (_, handled) => io.progress(`handled ${handled} messages`),
      });
      io.progress(`handled ${outcomes.length} messages`, true);
      printRedrive(outcomes, dryRun, io.out, forward.observe !== undefined);
      return outcomes.some((o) => o.kind === 'failed') ? 1 : 0;
    } finally {
      client.destroy();
    }
  }

  throw new UsageError(command === undefined ? 'no command given' : `unknown command "${command}"`);
}

function bar(done: number, total: number): string {
  const width = 30;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** Progress on stderr: a bar redrawn in place on a terminal; on a pipe or a file, plain lines. */
export function progressWriter(stream: { isTTY?: boolean; write(text: string): unknown } = process.stderr): Output['progress'] {
  return (line, final = false, fraction) => {
    if (stream.isTTY) stream.write(`\r\x1b[K${fraction ? `${bar(fraction.done, fraction.total)} ` : ''}${line}${final ? '\n' : ''}`);
    else stream.write(`${line}\n`);
  };
}

if (require.main === module) {
  // The library logs JSON lines (Powertools): info goes to stdout, where the summary is. Keep the
  // log to warnings and errors (on stderr) unless POWERTOOLS_LOG_LEVEL asks for more.
  if (!process.env.POWERTOOLS_LOG_LEVEL) logger.setLogLevel('WARN');
  main(process.argv.slice(2), process.env, { out: (line) => console.log(line), progress: progressWriter() }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof UsageError ? `${error.message}\n${USAGE}` : error instanceof Error ? error.message : error);
      process.exit(error instanceof UsageError ? 2 : 1);
    },
  );
}
