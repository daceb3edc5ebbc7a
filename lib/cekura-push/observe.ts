/**
 * Cekura Observe (production monitoring): `POST {api base}/observability/v1/observe/`, header
 * `X-CEKURA-API-KEY`, one call per request, flat (no `calls` wrapper), as Cekura's API reference and
 * its `observability` skill describe it:
 *
 *   { call_id (required, at most 100 characters), agent, transcript_type: "cekura",
 *     transcript_json: [{ role, content, start_time, end_time, data? }], timestamp (ISO, the start),
 *     customer_number, call_ended_reason, voice_recording_url?, metadata, trace_id?, redact_fields? }
 *
 * Roles are Title Case: "Main Agent" (the agent), "Testing Agent" (the caller, Cekura's name for
 * that side), "Function Call" / "Function Call Result" with `data` pairing a call with its result.
 * Times are seconds from the call's start, as stored. Optional keys are left out when empty, never
 * sent as "". Success is 201, and 409 when Cekura already has the call (a re-delivery). Pure.
 */
import { createHash } from 'node:crypto';
import type { Call, MessageRole } from '../call';
import type { WebhookRequest } from './payload';
import { CEKURA_API_KEY_HEADER } from './payload';
import { isAllowedCekuraUrl } from './urls';

export const OBSERVE_PATH = '/observability/v1/observe/';
export const OBSERVE_CALL_ID_MAX_LENGTH = 100;

/**
 * The four roles of Cekura's `cekura` transcript type. It has none for a system note (a handoff, a
 * key press): those are left out of the transcript and counted in `metadata.system_messages_not_sent`.
 */
export const OBSERVE_ROLES = {
  bot: 'Main Agent',
  user: 'Testing Agent',
  function_call: 'Function Call',
  function_call_result: 'Function Call Result',
} as const satisfies Record<Exclude<MessageRole, 'system'>, string>;

export interface ObserveMessage {
  role: (typeof OBSERVE_ROLES)[keyof typeof OBSERVE_ROLES];
  content: string;
  start_time: number;
  end_time: number;
  data?: { id: string; name: string; arguments?: string; result?: string };
}

export interface ObserveBody {
  call_id: string;
  agent: number;
  transcript_type: 'cekura';
  transcript_json: ObserveMessage[];
  timestamp: string;
  customer_number: string;
  call_ended_reason?: string;
  voice_recording_url?: string;
  metadata: Record<string, unknown>;
  trace_id?: string;
  redact_fields?: string[];
}

export interface ObserveOptions {
  /** `{api base}/observability/v1/observe/`. */
  url: string;
  /** Cekura's PII redaction for these calls (e.g. phone_number, email_address); unset: the agent's own setting applies. */
  redactFields?: readonly string[] | undefined;
}

export function observeUrl(apiBaseUrl: string): string {
  return `${apiBaseUrl.replace(/\/+$/, '')}${OBSERVE_PATH}`;
}

/**
 * The call id Cekura Observe takes: the call's own id when it fits in 100 characters; a longer id
 * keeps its first 83 characters and a digest of the whole id (`~` and 16 hex digits), so the same
 * call always gets the same id. The full id then travels as `metadata.adapter_call_id`.
 */
export function observeCallId(id: string): string {
  // Characters as Cekura's backend (Python) counts them: code points, not UTF-16 units.
  const characters = [...id];
  if (characters.length <= OBSERVE_CALL_ID_MAX_LENGTH) return id;
  const digest = createHash('sha256').update(id).digest('hex').slice(0, 16);
  return `${characters.slice(0, OBSERVE_CALL_ID_MAX_LENGTH - 17).join('')}~${digest}`;
}

/**
 * The Observe body of a stored call (its recording already signed by the caller, if it has one).
 * Messages keep their stored order (sorted by start time, ties as given).
 */
export function buildObserveBody(call: Call, agentId: number, options: Pick<ObserveOptions, 'redactFields'> = {}): ObserveBody {
  const callId = observeCallId(call.id);
  const metadata: Record<string, unknown> = { ...call.metadata };
  if (callId !== call.id) metadata.adapter_call_id = call.id;
  if (call.phoneNumber !== undefined) metadata.agent_number ??= call.phoneNumber;
  const systemNotes = call.messages.filter((m) => m.role === 'system').length;
  if (systemNotes > 0) metadata.system_messages_not_sent = systemNotes;
  return {
    call_id: callId,
    agent: agentId,
    transcript_type: 'cekura',
    transcript_json: call.messages.flatMap((m): ObserveMessage[] =>
      m.role === 'system'
        ? []
        : [
            {
              role: OBSERVE_ROLES[m.role],
              content: m.content,
              start_time: m.start_time,
              end_time: m.end_time,
              ...('data' in m ? { data: { ...m.data } } : {}),
            },
          ],
    ),
    timestamp: call.startedAt,
    customer_number: call.customer.number,
    ...(call.endedReason ? { call_ended_reason: call.endedReason } : {}),
    ...(call.recordingUrl ? { voice_recording_url: call.recordingUrl } : {}),
    metadata,
    ...(call.trace_id ? { trace_id: call.trace_id } : {}),
    ...(options.redactFields && options.redactFields.length > 0 ? { redact_fields: [...options.redactFields] } : {}),
  };
}

/** The HTTP request to send. Log its url and call_id, never the request itself: it holds the key. */
export function observeRequest(body: ObserveBody, apiKey: string, url: string): WebhookRequest {
  if (!isAllowedCekuraUrl(url)) throw new Error('The Cekura Observe URL must be https');
  return { url, method: 'POST', headers: { 'Content-Type': 'application/json', [CEKURA_API_KEY_HEADER]: apiKey }, body: JSON.stringify(body) };
}

/** Observe answers 201 for a new call and 409 for one it already has: both mean Cekura has the call. */
export function isObserveAccepted(status: number): boolean {
  return (status >= 200 && status < 300) || status === 409;
}

/**
 * CEKURA_REDACT_FIELDS / context cekuraRedactFields: names of Cekura's PII entities, comma-separated
 * (or a JSON array from cdk.json).
 */
export function parseRedactFields(value: unknown, name = 'CEKURA_REDACT_FIELDS'): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
  if (!list) throw new Error(`${name} must be a comma-separated list of field names (e.g. phone_number,email_address), got ${JSON.stringify(value)}`);
  const fields = list.map((item) => (typeof item === 'string' ? item.trim() : item));
  for (const field of fields) {
    if (typeof field !== 'string' || !/^[a-z][a-z0-9_]*$/i.test(field)) {
      throw new Error(`${name}: ${JSON.stringify(field)} is not a field name (letters, digits and _, e.g. phone_number)`);
    }
  }
  return fields as string[];
}
