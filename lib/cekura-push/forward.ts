/**
 * Pushes stored calls to Cekura's custom-provider webhook: the delivery logic shared by the
 * DynamoDB Streams forwarder Lambda and the local server. No AWS here; the clock, the sleep and
 * fetch are injectable.
 *
 * - Calls that ended longer ago than the push window are skipped (and logged): Cekura only matches
 *   calls sent shortly after they end.
 * - One POST per batch. A timeout, a network error, 408, 429 and 5xx are retried with exponential
 *   backoff (full jitter, Retry-After honoured up to the cap); any other 4xx is permanent: retrying
 *   the same body cannot fix it. A permanent failure of a batch of several calls is retried call by
 *   call, so only the calls Cekura refuses fail.
 * - The API key is never logged: only `describeRequest` output and Cekura's (redacted) answer are.
 */
import type { Call } from '../call';
import { logger } from '../logger';
import { buildWebhookPayload, CEKURA_WEBHOOK_DEFAULT_URL, describeRequest, type MessageTimeUnit, parseAgentId, webhookRequest } from './payload';

export const FORWARD_DEFAULTS = {
  url: CEKURA_WEBHOOK_DEFAULT_URL,
  messageTimes: 'relative-seconds' as MessageTimeUnit,
  /** Cekura asks for 5 minutes after the call ends; 10 leaves room for a retry or a late ingest. */
  pushWindowMinutes: 10,
  timeoutMs: 10_000,
  maxAttempts: 4,
  backoffBaseMs: 500,
  maxBackoffMs: 8_000,
} as const;

/** Longest piece of Cekura's answer kept in a log line or a dead-letter message. */
const MAX_LOGGED_BODY = 1_000;

export interface ForwardOptions {
  agentId: number;
  /** The key, or how to get it (a secret read per batch, cached by the caller). */
  apiKey: string | (() => Promise<string>);
  url?: string;
  messageTimes?: MessageTimeUnit;
  pushWindowMinutes?: number;
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
}

export interface FailedCall {
  id: string;
  /** true: Cekura refused it (a 4xx other than 408/429), resending the same call will not help. */
  permanent: boolean;
  /** Cekura's status, or undefined for a timeout or network error. */
  status: number | undefined;
  /** Why, safe to log: Cekura's answer (truncated, key redacted) or the error message. */
  reason: string;
  attempts: number;
}

export interface ForwardResult {
  sent: string[];
  /** Ended before the push window: not sent, logged. */
  skipped: string[];
  failed: FailedCall[];
}

type Attempt = { ok: true } | { ok: false; retryable: boolean; status: number | undefined; reason: string; retryAfterMs: number | undefined };

/** Whether a status is worth retrying: the request was fine, Cekura (or the way there) was not. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export async function forwardCalls(calls: readonly Call[], options: ForwardOptions): Promise<ForwardResult> {
  const now = (options.now ?? Date.now)();
  const windowMs = (options.pushWindowMinutes ?? FORWARD_DEFAULTS.pushWindowMinutes) * 60_000;
  const result: ForwardResult = { sent: [], skipped: [], failed: [] };
  const fresh: Call[] = [];
  for (const call of calls) {
    if (now - Date.parse(call.endedAt) > windowMs) result.skipped.push(call.id);
    else fresh.push(call);
  }
  if (result.skipped.length > 0) {
    logger.info('cekura push skipped: calls ended before the push window', { ids: result.skipped, pushWindowMinutes: windowMs / 60_000 });
  }
  if (fresh.length === 0) return result;

  parseAgentId(options.agentId);
  const apiKey = typeof options.apiKey === 'string' ? options.apiKey : await options.apiKey();
  if (apiKey.trim() === '') throw new Error('The Cekura API key is empty');

  const send = async (batch: Call[]): Promise<void> => {
    const request = webhookRequest(buildWebhookPayload(batch, { agentId: options.agentId, messageTimes: options.messageTimes }), apiKey, options.url ?? FORWARD_DEFAULTS.url);
    const described = describeRequest(request);
    const outcome = await sendWithRetries(request, apiKey, options);
    if (outcome.ok) {
      logger.info('cekura push sent', { ...described, attempts: outcome.attempts });
      result.sent.push(...batch.map((c) => c.id));
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
    result.failed.push(...batch.map((c) => ({ id: c.id, permanent: !outcome.retryable, status: outcome.status, reason: outcome.reason, attempts: outcome.attempts })));
  };
  await send(fresh);
  return result;
}

async function sendWithRetries(
  request: ReturnType<typeof webhookRequest>,
  apiKey: string,
  options: ForwardOptions,
): Promise<({ ok: true } | Extract<Attempt, { ok: false }>) & { attempts: number }> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? FORWARD_DEFAULTS.maxAttempts);
  const base = options.backoffBaseMs ?? FORWARD_DEFAULTS.backoffBaseMs;
  const cap = options.maxBackoffMs ?? FORWARD_DEFAULTS.maxBackoffMs;
  const sleep = options.sleep ?? defaultSleep(options.signal);
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptOnce(request, apiKey, options);
    if (outcome.ok || !outcome.retryable || attempt >= maxAttempts || options.signal?.aborted) return { ...outcome, attempts: attempt };
    const backoff = Math.min(cap, random() * base * 2 ** (attempt - 1));
    await sleep(Math.max(backoff, Math.min(cap, outcome.retryAfterMs ?? 0)));
    if (options.signal?.aborted) return { ...outcome, attempts: attempt };
  }
}

async function attemptOnce(request: ReturnType<typeof webhookRequest>, apiKey: string, options: ForwardOptions): Promise<Attempt> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? FORWARD_DEFAULTS.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  try {
    const response = await (options.fetch ?? fetch)(request.url, { method: request.method, headers: request.headers, body: request.body, signal, redirect: 'manual' });
    const text = redact(await response.text().catch(() => ''), apiKey);
    if (response.status >= 200 && response.status < 300) return { ok: true };
    return {
      ok: false,
      // A redirect is refused too: it would carry the key somewhere we did not choose.
      retryable: isRetryableStatus(response.status),
      status: response.status,
      reason: text.slice(0, MAX_LOGGED_BODY),
      retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
    };
  } catch (error) {
    const reason = timeout.aborted ? `no answer within ${options.timeoutMs ?? FORWARD_DEFAULTS.timeoutMs} ms` : redact(error instanceof Error ? `${error.name}: ${error.message}` : String(error), apiKey);
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

// ---------------------------------------------------------------------------------------------------

/** Environment variables of the forwarder (Lambda) and of the local server. */
export const CEKURA_ENV = {
  agentId: 'CEKURA_AGENT_ID',
  /** The key itself: local mode. */
  apiKey: 'CEKURA_API_KEY',
  /** Secrets Manager secret holding the key: deployed. */
  apiKeySecretId: 'CEKURA_API_KEY_SECRET_ID',
  webhookUrl: 'CEKURA_WEBHOOK_URL',
  messageTimes: 'CEKURA_MESSAGE_TIMES',
  pushWindowMinutes: 'CEKURA_PUSH_WINDOW_MINUTES',
  /** SQS queue URL that refused calls are sent to (deployed). */
  dlqUrl: 'CEKURA_DLQ_URL',
} as const;

/** The value the deployed key secret is created with, until the user pastes Cekura's key in. */
export const CEKURA_KEY_PLACEHOLDER = 'paste-the-cekura-api-key-here';

export interface CekuraEnvConfig {
  agentId: number;
  url: string;
  messageTimes: MessageTimeUnit;
  pushWindowMinutes: number;
}

/** The push settings from env, or undefined when CEKURA_AGENT_ID is unset (pushing is off). */
export function cekuraConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CekuraEnvConfig | undefined {
  const rawAgent = env[CEKURA_ENV.agentId];
  if (rawAgent === undefined || rawAgent.trim() === '') return undefined;
  return {
    agentId: parseAgentId(rawAgent),
    url: env[CEKURA_ENV.webhookUrl] || FORWARD_DEFAULTS.url,
    messageTimes: parseMessageTimes(env[CEKURA_ENV.messageTimes] || FORWARD_DEFAULTS.messageTimes),
    pushWindowMinutes: parsePushWindow(env[CEKURA_ENV.pushWindowMinutes] || FORWARD_DEFAULTS.pushWindowMinutes),
  };
}

export function parseMessageTimes(value: unknown): MessageTimeUnit {
  if (value === 'relative-seconds' || value === 'epoch-ms') return value;
  throw new Error(`Cekura message times must be "relative-seconds" or "epoch-ms", got ${JSON.stringify(value)}`);
}

export function parsePushWindow(value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) throw new Error(`The Cekura push window must be a positive number of minutes, got ${JSON.stringify(value)}`);
  return n;
}
