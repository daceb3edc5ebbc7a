/**
 * Pushes stored calls to Cekura's custom-provider webhook: the delivery logic shared by the
 * DynamoDB Streams forwarder Lambda, the local server and `npm run cekura`. No AWS here; the clock,
 * the sleep and fetch are injectable.
 *
 * - Calls that ended longer ago than the push window are skipped (and logged): Cekura only matches
 *   calls sent shortly after they end. A backfill or a redrive turns the window off.
 * - Each call goes to its agent (routing.ts): one POST per agent, `agent_id` at the top. A call
 *   no agent takes is not pushed: it is logged and reported as `unrouted` for the caller to count.
 * - Each call goes with its run id: its own, else the one active run that matches it (runs.ts),
 *   looked up once per agent per push. A failed lookup is logged and the call pushed without one.
 * - A timeout, a network error, 408, 429 and 5xx are retried with exponential backoff (full jitter,
 *   Retry-After honoured up to the cap); any other 4xx is permanent: retrying the same body cannot
 *   fix it. A permanent failure of a batch of several calls is retried call by call, so only the
 *   calls Cekura refuses fail.
 * - The API key is never logged: only `describeRequest` output and Cekura's (redacted) answer are.
 * - With Observe on (`observe`), a call that belongs to no test run (no run id given, and the
 *   lookup found none or is off) is production traffic: it goes to Cekura Observe (observe.ts), one
 *   POST per call, with the same retries; test calls keep going to the webhook. A call whose run
 *   could not be looked up is not guessed at: it fails (retryable) until the lookup answers.
 * - Recordings stored as S3 locations are sent as signed links (`signRecording`); a link that
 *   cannot be made leaves the recording out of the push (logged), never the call.
 */
import type { Call } from '../call';
import { logger } from '../logger';
import { parseS3Location } from '../recordings/location';
import type { RecordingSigner } from '../recordings/signer';
import { readCappedText } from './capped-body';
import { buildObserveBody, isObserveAccepted, type ObserveBody, type ObserveOptions, observeRequest } from './observe';
import { buildWebhookPayload, describeRequest, type MessageTimeUnit, parseAgentId, type WebhookPayload, webhookRequest } from './payload';
import { type AgentSource, groupByAgent, whyUnrouted } from './routing';
import { matchRun, RunLookupCache, type RunsLookup, runIdFromCall } from './runs';
import { FORWARD_DEFAULTS } from './settings';

export { parseAgentMap } from './routing';
export {
  CEKURA_ENV,
  CEKURA_KEY_PLACEHOLDER,
  type CekuraEnvConfig,
  cekuraConfigFromEnv,
  describeCekuraConfig,
  FORWARD_DEFAULTS,
  parseMessageTimes,
  parsePushWindow,
} from './settings';

/** Longest piece of Cekura's answer kept in a log line or a dead-letter message. */
const MAX_LOGGED_BODY = 1_000;
/** Bytes of the webhook's answer read at most (only its start is kept): the rest is not downloaded. */
const MAX_READ_BODY_BYTES = 64 * 1024;
/** Without a cache of the caller's, lookups are not reused, but still at most a few at a time in this process. */
const UNCACHED_LOOKUPS = new RunLookupCache({ ttlMs: 0 });

export interface RunLookupOptions {
  apiBaseUrl: string;
  /** Per request, and for all pages of one agent. */
  timeoutMs?: number;
  totalTimeoutMs?: number;
  maxPages?: number;
  /**
   * Lookups kept across pushes, by agent (a backfill pushes many batches and needs each agent's
   * runs once). Without it, each push looks up again: runs start and end between pushes.
   */
  cache?: Map<number, Promise<RunsLookup>>;
  /**
   * Lookups reused for a short time across pushes, and bounded in number at once (the forwarder
   * Lambda and local mode keep one for their lifetime). Without it: no reuse, the same bound.
   */
  lookups?: RunLookupCache;
}

export interface ForwardOptions {
  /** The default agent (CEKURA_AGENT_ID). */
  agentId?: number | undefined;
  /** Agent number (E.164) → agent id (CEKURA_AGENTS). */
  agents?: Readonly<Record<string, number>> | undefined;
  /** The key, or how to get it (a secret read per batch, cached by the caller). */
  apiKey: string | (() => Promise<string>);
  url?: string;
  messageTimes?: MessageTimeUnit;
  pushWindowMinutes?: number;
  /** Push every call whatever its age: backfills and redrives send old calls on purpose. */
  ignorePushWindow?: boolean;
  /** Where to look run ids up; undefined: no lookup (calls go with their own run id only). */
  runLookup?: RunLookupOptions | undefined;
  timeoutMs?: number;
  /** Attempts per request, the first included. */
  maxAttempts?: number;
  backoffBaseMs?: number;
  maxBackoffMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  fetch?: typeof fetch;
  /** Stops retrying (local server shutdown); an aborted push counts as retryable. */
  signal?: AbortSignal;
  /** Signs recordings stored as S3 locations (RECORDING_BUCKETS). */
  signRecording?: RecordingSigner | undefined;
  /** Cekura Observe: production calls (no test run) go there instead of the webhook. Undefined: every call goes to the webhook. */
  observe?: ObserveOptions | undefined;
  /**
   * The ways this forwarder sends (both by default). Deployed, one Lambda sends each, so one failing
   * never holds the other back; the calls of the other way are reported as `elsewhere`.
   */
  channels?: readonly Channel[] | undefined;
}

/** Where a call goes: Cekura's test-run webhook, or Observe (production monitoring). */
export type Channel = 'webhook' | 'observe';
export const CHANNELS: readonly Channel[] = ['webhook', 'observe'];

export interface FailedCall {
  id: string;
  /** true: Cekura refused it (a 4xx other than 408/429), resending the same call will not help. */
  permanent: boolean;
  /** Cekura's status, or undefined for a timeout or network error. */
  status: number | undefined;
  /** Why, safe to log: Cekura's answer (truncated, key redacted) or the error message. */
  reason: string;
  attempts: number;
  /** Where it was to go; undefined when its run could not be told (the run lookup failed, Observe on). */
  channel: Channel | undefined;
}

/** Where a run id came from, or why a call has none. */
export type RunResolution = 'call' | 'metadata' | 'lookup' | 'no-match' | 'ambiguous' | 'lookup-failed' | 'lookup-off';

/** Where a routed call goes: its agent and run. */
export interface CallRoute {
  id: string;
  agentId: number;
  agentFrom: AgentSource;
  runId: number | undefined;
  run: RunResolution;
  /** The runs that matched, when several did. */
  candidates?: number[];
  /** Where it goes: the webhook (a test call, or Observe off), or Observe (no test run). */
  channel: Channel;
}

export interface ForwardResult {
  sent: string[];
  /** Ended before the push window: not sent, logged. */
  skipped: string[];
  /** No agent (no agent_id, number not mapped, no default): not sent, logged; count them. */
  unrouted: string[];
  failed: FailedCall[];
  /** Each call that was sent or failed, with its agent, run and channel. */
  routes: CallRoute[];
  /** Calls of a channel this forwarder does not send (`channels`): another forwarder sends them. */
  elsewhere: string[];
}

/** One POST: an agent's calls and what they are sent with. */
export interface PlannedBatch {
  agentId: number;
  calls: Call[];
  routes: CallRoute[];
  payload: WebhookPayload;
}

/** One Observe POST: a production call. */
export interface PlannedObserve {
  call: Call;
  route: CallRoute;
  body: ObserveBody;
}

export interface PushPlan {
  skipped: string[];
  unrouted: string[];
  /** Test calls: one webhook POST per agent. */
  batches: PlannedBatch[];
  /** Production calls (Observe on): one Observe POST each. */
  observe: PlannedObserve[];
  /** Calls whose run could not be looked up, with Observe on: neither way can be chosen yet. */
  undetermined: CallRoute[];
  /** Calls of a channel this forwarder does not send. */
  elsewhere: CallRoute[];
}

type Attempt = { ok: true } | { ok: false; retryable: boolean; status: number | undefined; reason: string; retryAfterMs: number | undefined };

/** Whether a status is worth retrying: the request was fine, Cekura (or the way there) was not. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * What a push would send, without sending it: the window, the routing and the run lookups (read-only
 * GETs). Reads the key only when some call is routed and run ids are to be looked up.
 */
export async function planPush(calls: readonly Call[], options: ForwardOptions): Promise<PushPlan> {
  return (await preparePush(calls, options)).plan;
}

async function preparePush(calls: readonly Call[], options: ForwardOptions): Promise<{ plan: PushPlan; apiKey: string | undefined }> {
  if (options.agentId !== undefined) parseAgentId(options.agentId);
  const now = (options.now ?? Date.now)();
  const windowMs = (options.pushWindowMinutes ?? FORWARD_DEFAULTS.pushWindowMinutes) * 60_000;
  const skipped: string[] = [];
  const fresh: Call[] = [];
  for (const call of calls) {
    if (!options.ignorePushWindow && now - Date.parse(call.endedAt) > windowMs) skipped.push(call.id);
    else fresh.push(call);
  }
  if (skipped.length > 0) {
    logger.info('cekura push skipped: calls ended before the push window', { ids: skipped, pushWindowMinutes: windowMs / 60_000 });
  }

  const { groups, unrouted } = groupByAgent(fresh, { agentId: options.agentId, agents: options.agents });
  if (unrouted.length > 0) {
    logger.warn('cekura push: calls without an agent are not pushed', {
      count: unrouted.length,
      calls: unrouted.map((call) => ({ id: call.id, agentNumber: call.phoneNumber, why: whyUnrouted(call) })),
    });
  }
  const plan: PushPlan = { skipped, unrouted: unrouted.map((call) => call.id), batches: [], observe: [], undetermined: [], elsewhere: [] };
  if (groups.length === 0) return { plan, apiKey: undefined };

  const apiKey = typeof options.apiKey === 'string' ? options.apiKey : await options.apiKey();
  const channels = new Set(options.channels ?? CHANNELS);
  const resolved = await Promise.all(groups.map(async (group) => ({ group, routes: await resolveRuns(group.agentId, group.items, options, apiKey) })));
  for (const { group, routes } of resolved) {
    const webhookCalls: Call[] = [];
    const webhookRoutes: CallRoute[] = [];
    for (const [i, route] of routes.entries()) {
      const call = group.items[i]!.item;
      if (options.observe && route.run === 'lookup-failed') plan.undetermined.push(route);
      else if (!channels.has(route.channel)) plan.elsewhere.push(route);
      else if (route.channel === 'observe') plan.observe.push({ call, route, body: buildObserveBody(call, route.agentId, options.observe) });
      else {
        webhookCalls.push(call);
        webhookRoutes.push(route);
      }
    }
    if (webhookCalls.length === 0) continue;
    const runIds = new Map(webhookRoutes.flatMap((r) => (r.runId === undefined ? [] : [[r.id, r.runId] as const])));
    plan.batches.push({
      agentId: group.agentId,
      calls: webhookCalls,
      routes: webhookRoutes,
      payload: buildWebhookPayload(webhookCalls, { agentId: group.agentId, messageTimes: options.messageTimes, runIds }),
    });
  }
  return { plan, apiKey };
}

/**
 * Which way a call goes. Without Observe, every call to the webhook (as before). With it, a call
 * with a run (its own, or the one the lookup found) or several candidate runs is a test call, for
 * the webhook (Cekura matches it by run, or by number and time); a call the lookup matched to no
 * active run, or with the lookup off, is production traffic, for Observe.
 */
function channelOf(run: RunResolution, runId: number | undefined, observe: boolean): Channel {
  if (!observe || runId !== undefined || run === 'ambiguous' || run === 'lookup-failed') return 'webhook';
  return 'observe';
}

/** Each call's run: its own, else one lookup of the agent's runs for all the calls that need it. */
async function resolveRuns(
  agentId: number,
  items: ReadonlyArray<{ item: Call; agentFrom: AgentSource }>,
  options: ForwardOptions,
  apiKey: string,
): Promise<CallRoute[]> {
  const needLookup = items.filter(({ item }) => runIdFromCall(item) === undefined);
  const latestStart = needLookup.reduce((latest, { item }) => Math.max(latest, Date.parse(item.startedAt)), Number.NEGATIVE_INFINITY);
  const lookup =
    needLookup.length > 0 && options.runLookup && apiKey.trim() !== '' ? await lookupRuns(agentId, options.runLookup, options, apiKey, latestStart) : undefined;
  const observe = options.observe !== undefined;
  return items.map(({ item: call, agentFrom }): CallRoute => {
    const route = resolveRun(call, agentFrom);
    return { ...route, channel: channelOf(route.run, route.runId, observe) };
  });

  function resolveRun(call: Call, agentFrom: AgentSource): Omit<CallRoute, 'channel'> {
    const base = { id: call.id, agentId, agentFrom };
    const own = runIdFromCall(call);
    if (own) return { ...base, runId: own.runId, run: own.from };
    if (call.metadata?.cekura_run_id !== undefined) {
      logger.warn('cekura push: metadata.cekura_run_id is not a positive integer, ignored', { id: call.id });
    }
    if (!lookup) return { ...base, runId: undefined, run: 'lookup-off' };
    if (!lookup.ok) return { ...base, runId: undefined, run: 'lookup-failed' };
    const match = matchRun(lookup.runs, agentId, call);
    if (match.kind === 'one') return { ...base, runId: match.runId, run: 'lookup' };
    if (match.kind === 'several') {
      logger.info('cekura run lookup: several active runs match the call, pushing it without run_id', { id: call.id, agentId, runIds: match.runIds });
      return { ...base, runId: undefined, run: 'ambiguous', candidates: match.runIds };
    }
    return { ...base, runId: undefined, run: 'no-match' };
  }
}

async function lookupRuns(agentId: number, lookup: RunLookupOptions, options: ForwardOptions, apiKey: string, callsStartedAtMs: number): Promise<RunsLookup> {
  const cached = lookup.cache?.get(agentId);
  if (cached) return cached;
  const fetchOptions = {
    apiBaseUrl: lookup.apiBaseUrl,
    apiKey,
    timeoutMs: lookup.timeoutMs,
    totalTimeoutMs: lookup.totalTimeoutMs,
    maxPages: lookup.maxPages,
    fetch: options.fetch,
    signal: options.signal,
  };
  const pending = (lookup.lookups ?? UNCACHED_LOOKUPS).lookup(agentId, fetchOptions, callsStartedAtMs).then((result) => {
    if (result.ok) logger.info('cekura run lookup', { agentId, runs: result.runs.length, pages: result.pages, truncated: result.truncated });
    else logger.warn('cekura run lookup failed: pushing without run_id', { agentId, status: result.status, reason: result.reason });
    return result;
  });
  lookup.cache?.set(agentId, pending);
  return pending;
}

export async function forwardCalls(calls: readonly Call[], options: ForwardOptions): Promise<ForwardResult> {
  const signed = options.signRecording ? await Promise.all(calls.map((call) => withRecordingLink(call, options.signRecording!))) : calls;
  const { plan, apiKey } = await preparePush(signed, options);
  const result: ForwardResult = {
    sent: [],
    skipped: plan.skipped,
    unrouted: plan.unrouted,
    failed: [],
    routes: [],
    elsewhere: plan.elsewhere.map((route) => route.id),
  };
  for (const route of plan.undetermined) {
    result.routes.push(route);
    result.failed.push({
      id: route.id,
      permanent: false,
      status: undefined,
      reason: 'the run lookup failed, so whether this is a test call (webhook) or production (Observe) is not known: retried',
      attempts: 0,
      channel: undefined,
    });
  }
  if ((plan.batches.length === 0 && plan.observe.length === 0) || apiKey === undefined) return result;
  if (apiKey.trim() === '') throw new Error('The Cekura API key is empty');

  // Agents are independent, and so are the webhook and Observe: one's retries do not hold the other back.
  const [outcomes, observed] = await Promise.all([
    Promise.all(plan.batches.map((batch) => sendBatch(batch, options, apiKey))),
    sendObserved(plan.observe, options, apiKey),
  ]);
  for (const [i, outcome] of outcomes.entries()) {
    result.sent = result.sent.concat(outcome.sent);
    result.failed = result.failed.concat(outcome.failed);
    result.routes = result.routes.concat(plan.batches[i]!.routes);
  }
  result.sent = result.sent.concat(observed.sent);
  result.failed = result.failed.concat(observed.failed);
  result.routes = result.routes.concat(plan.observe.map((item) => item.route));
  return result;
}

/** The call as sent: its S3 recording as a signed link; without the recording (logged) when no link can be made. */
async function withRecordingLink(call: Call, sign: RecordingSigner): Promise<Call> {
  if (call.recordingUrl === undefined || parseS3Location(call.recordingUrl) === undefined) return call;
  try {
    return { ...call, recordingUrl: await sign(call.recordingUrl) };
  } catch (error) {
    logger.error('cekura push: could not sign the recording link, the call is pushed without its recording', {
      id: call.id,
      error: error instanceof Error ? error.message : String(error),
    });
    const { recordingUrl: _unsigned, ...rest } = call;
    return rest;
  }
}

/** Observe POSTs per push at once: enough to keep a batch quick, few enough not to flood Cekura in a backfill. */
const OBSERVE_CONCURRENCY = 4;

async function sendObserved(items: readonly PlannedObserve[], options: ForwardOptions, apiKey: string): Promise<Pick<ForwardResult, 'sent' | 'failed'>> {
  const result: Pick<ForwardResult, 'sent' | 'failed'> = { sent: [], failed: [] };
  const url = options.observe?.url;
  if (items.length === 0 || url === undefined) return result;
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const { call, route, body } = items[next++]!;
      const request = observeRequest(body, apiKey, url);
      const described = { url, callId: body.call_id, agentId: route.agentId, bytes: Buffer.byteLength(request.body) };
      const outcome = await sendWithRetries(request, apiKey, options, isObserveAccepted);
      if (outcome.ok) {
        logger.info('cekura observe sent', { ...described, attempts: outcome.attempts });
        result.sent.push(call.id);
        continue;
      }
      const log = outcome.retryable ? logger.warn.bind(logger) : logger.error.bind(logger);
      log(outcome.retryable ? 'cekura observe failed after retries' : 'cekura refused the observe call', {
        ...described,
        status: outcome.status,
        response: outcome.reason,
        attempts: outcome.attempts,
      });
      result.failed.push({
        id: call.id,
        permanent: !outcome.retryable,
        status: outcome.status,
        reason: outcome.reason,
        attempts: outcome.attempts,
        channel: 'observe',
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(OBSERVE_CONCURRENCY, items.length) }, worker));
  return result;
}

async function sendBatch(planned: PlannedBatch, options: ForwardOptions, apiKey: string): Promise<Pick<ForwardResult, 'sent' | 'failed'>> {
  const result: Pick<ForwardResult, 'sent' | 'failed'> = { sent: [], failed: [] };
  const runIds = new Map(planned.routes.flatMap((r) => (r.runId === undefined ? [] : [[r.id, r.runId] as const])));
  const send = async (batch: Call[]): Promise<void> => {
    const payload =
      batch.length === planned.calls.length
        ? planned.payload
        : buildWebhookPayload(batch, { agentId: planned.agentId, messageTimes: options.messageTimes, runIds });
    const request = webhookRequest(payload, apiKey, options.url ?? FORWARD_DEFAULTS.url);
    const described = { ...describeRequest(request), agentId: planned.agentId };
    const outcome = await sendWithRetries(request, apiKey, options);
    if (outcome.ok) {
      logger.info('cekura push sent', {
        ...described,
        attempts: outcome.attempts,
        runIds: Object.fromEntries(batch.flatMap((c) => (runIds.has(c.id) ? [[c.id, runIds.get(c.id)]] : []))),
      });
      for (const call of batch) result.sent.push(call.id);
      return;
    }
    if (!outcome.retryable && batch.length > 1) {
      logger.warn('cekura refused a batch: sending its calls one by one', { ...described, status: outcome.status, response: outcome.reason });
      for (const call of batch) await send([call]);
      return;
    }
    const log = outcome.retryable ? logger.warn.bind(logger) : logger.error.bind(logger);
    log(outcome.retryable ? 'cekura push failed after retries' : 'cekura refused the push', {
      ...described,
      status: outcome.status,
      response: outcome.reason,
      attempts: outcome.attempts,
    });
    for (const c of batch)
      result.failed.push({
        id: c.id,
        permanent: !outcome.retryable,
        status: outcome.status,
        reason: outcome.reason,
        attempts: outcome.attempts,
        channel: 'webhook' as const,
      });
  };
  await send(planned.calls);
  return result;
}

async function sendWithRetries(
  request: ReturnType<typeof webhookRequest>,
  apiKey: string,
  options: ForwardOptions,
  accepted: (status: number) => boolean = is2xx,
): Promise<({ ok: true } | Extract<Attempt, { ok: false }>) & { attempts: number }> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? FORWARD_DEFAULTS.maxAttempts);
  const base = options.backoffBaseMs ?? FORWARD_DEFAULTS.backoffBaseMs;
  const cap = options.maxBackoffMs ?? FORWARD_DEFAULTS.maxBackoffMs;
  const sleep = options.sleep ?? defaultSleep(options.signal);
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptOnce(request, apiKey, options, accepted);
    if (outcome.ok || !outcome.retryable || attempt >= maxAttempts || options.signal?.aborted) return { ...outcome, attempts: attempt };
    const backoff = Math.min(cap, random() * base * 2 ** (attempt - 1));
    await sleep(Math.max(backoff, Math.min(cap, outcome.retryAfterMs ?? 0)));
    if (options.signal?.aborted) return { ...outcome, attempts: attempt };
  }
}

const is2xx = (status: number) => status >= 200 && status < 300;

async function attemptOnce(
  request: ReturnType<typeof webhookRequest>,
  apiKey: string,
  options: ForwardOptions,
  accepted: (status: number) => boolean,
): Promise<Attempt> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? FORWARD_DEFAULTS.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  try {
    const response = await (options.fetch ?? fetch)(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal,
      redirect: 'manual',
    });
    const text = redact(
      await readCappedText(response, MAX_READ_BODY_BYTES).then(
        ({ text: start }) => start,
        () => '',
      ),
      apiKey,
    );
    if (accepted(response.status)) return { ok: true };
    return {
      ok: false,
      // A redirect is refused too: it would carry the key somewhere we did not choose.
      retryable: isRetryableStatus(response.status),
      status: response.status,
      reason: text.slice(0, MAX_LOGGED_BODY),
      retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
    };
  } catch (error) {
    const reason = timeout.aborted
      ? `no answer within ${options.timeoutMs ?? FORWARD_DEFAULTS.timeoutMs} ms`
      : redact(error instanceof Error ? `${error.name}: ${error.message}` : String(error), apiKey);
    return { ok: false, retryable: true, status: undefined, reason, retryAfterMs: undefined };
  }
}

function redact(text: string, apiKey: string): string {
  return apiKey === '' ? text : text.split(apiKey).join('[redacted]');
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function defaultSleep(signal: AbortSignal | undefined): (ms: number) => Promise<void> {
  return (ms) =>
    new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
}
