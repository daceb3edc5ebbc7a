/**
 * Cekura's custom-provider push webhook (its documented "Custom Integration" today): the payload
 * and request for a batch of stored calls. Pure: no I/O, no clock. The forwarder (a DynamoDB
 * Streams Lambda, and the local server after each ingest) is to send what `webhookRequest` builds.
 *
 * Payload: `{ agent_id: <int>, calls: [{ id, startedAt, endedAt, messages, to_phone_number,
 * from_phone_number, run_id, trace_id, endedReason, metadata }] }`, header `X-CEKURA-API-KEY`.
 */
import { type Call, LATENCY_KEYS } from '../call';
import { runIdFromCall } from './runs';
import { isAllowedCekuraUrl } from './urls';

export { isAllowedCekuraUrl, isLoopbackHttp } from './urls';

export const CEKURA_WEBHOOK_DEFAULT_URL = 'https://api.cekura.ai/test_framework/custom-provider-transcript-webhook/';
export const CEKURA_API_KEY_HEADER = 'X-CEKURA-API-KEY';

/**
 * Cekura's docs say message times are epoch milliseconds; Cekura's own reference code and the
 * legacy pull format use seconds from the call's start. Relative seconds is the default; the
 * switch exists until a sandbox agent settles it.
 */
export type MessageTimeUnit = 'relative-seconds' | 'epoch-ms';

export interface WebhookMessage {
  role: Call['messages'][number]['role'];
  content: string;
  start_time: number;
  end_time: number;
  data?: { id: string; name: string; arguments?: string; result?: string };
  interrupted?: boolean;
  is_error?: boolean;
  total_latency?: number;
  tts_latency?: number;
  ttt_latency?: number;
}

export interface WebhookCall {
  id: string;
  startedAt: string;
  endedAt: string;
  messages: WebhookMessage[];
  /** The agent's number (the number dialled), when the call has one. */
  to_phone_number?: string;
  /** The customer's number: in Cekura's inbound tests, its testing agent is the caller. */
  from_phone_number: string;
  /** The Cekura test run the call belongs to, when known: Cekura matches a pushed call by it first. */
  run_id?: number;
  /** Cekura's per-call trace id (at most 32 characters), when the call has one. */
  trace_id?: string;
  endedReason: string;
  metadata: Record<string, unknown>;
}

export interface WebhookPayload {
  agent_id: number;
  calls: WebhookCall[];
}

export interface PayloadOptions {
  agentId: number;
  messageTimes?: MessageTimeUnit;
  /** Run ids found for calls that carry none (by call id); a call's own run id wins. */
  runIds?: ReadonlyMap<string, number>;
}

type Latencies = Partial<Record<(typeof LATENCY_KEYS)[number], number>>;

/** The answer latencies a stack measured on an agent message (Deepgram's), passed on as they are. */
function latenciesOf(message: Call['messages'][number]): Latencies {
  const latencies: Latencies = {};
  for (const key of LATENCY_KEYS) {
    const value = (message as Record<string, unknown>)[key];
    if (typeof value === 'number') latencies[key] = value;
  }
  return latencies;
}

/** An agent id from configuration (CDK context or env, so possibly a string): a positive integer. */
export function parseAgentId(value: unknown): number {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0) {
    throw new Error(`The Cekura agent id must be a positive integer (Cekura refuses a string), got ${JSON.stringify(value)}`);
  }
  return n;
}

/** `runId`: the run to send; by default the call's own (`run_id`, else `metadata.cekura_run_id`). */
export function toWebhookCall(
  call: Call,
  messageTimes: MessageTimeUnit = 'relative-seconds',
  runId: number | undefined = runIdFromCall(call)?.runId,
): WebhookCall {
  const startMs = Date.parse(call.startedAt);
  const time = (seconds: number) => (messageTimes === 'epoch-ms' ? Math.round(startMs + seconds * 1000) : seconds);
  const metadata: Record<string, unknown> = { ...call.metadata };
  // Cekura's call has no recording field: metrics read it as {{metadata.recording_url}}.
  if (call.recordingUrl !== undefined) metadata.recording_url = call.recordingUrl;
  return {
    id: call.id,
    startedAt: call.startedAt,
    endedAt: call.endedAt,
    messages: call.messages.map((m) => ({
      role: m.role,
      content: m.content,
      start_time: time(m.start_time),
      end_time: time(m.end_time),
      ...('data' in m ? { data: { ...m.data } } : {}),
      ...('interrupted' in m && m.interrupted !== undefined ? { interrupted: m.interrupted } : {}),
      ...('is_error' in m && m.is_error !== undefined ? { is_error: m.is_error } : {}),
      ...latenciesOf(m),
    })),
    ...(call.phoneNumber !== undefined ? { to_phone_number: call.phoneNumber } : {}),
    from_phone_number: call.customer.number,
    ...(runId !== undefined ? { run_id: runId } : {}),
    ...(call.trace_id !== undefined ? { trace_id: call.trace_id } : {}),
    endedReason: call.endedReason ?? 'unknown',
    metadata,
  };
}

export function buildWebhookPayload(calls: readonly Call[], options: PayloadOptions): WebhookPayload {
  return {
    agent_id: parseAgentId(options.agentId),
    calls: calls.map((call) => toWebhookCall(call, options.messageTimes, runIdFromCall(call)?.runId ?? options.runIds?.get(call.id))),
  };
}

export interface WebhookRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

/** The HTTP request to send. Log `describeRequest(request)`, never the request itself: it holds the key. */
export function webhookRequest(payload: WebhookPayload, apiKey: string, url = CEKURA_WEBHOOK_DEFAULT_URL): WebhookRequest {
  if (!isAllowedCekuraUrl(url)) throw new Error('The Cekura webhook URL must be https');
  return { url, method: 'POST', headers: { 'Content-Type': 'application/json', [CEKURA_API_KEY_HEADER]: apiKey }, body: JSON.stringify(payload) };
}

/** What may be logged about a request: where it goes and what it carries, not the key. */
export function describeRequest(request: WebhookRequest): { url: string; calls: number; bytes: number; ids: string[] } {
  const payload = JSON.parse(request.body) as WebhookPayload;
  return { url: request.url, calls: payload.calls.length, bytes: Buffer.byteLength(request.body), ids: payload.calls.map((c) => c.id) };
}
