/**
 * Cekura's push webhook body (`POST /test_framework/custom-provider-transcript-webhook`), one call
 * of `{ agent_id?, calls: [...] }`, as Cekura's reference agents send it:
 * `{ id, startedAt, endedAt, messages?, from_phone_number?, to_phone_number?, run_id?, trace_id?, endedReason?, metadata? }`.
 * The caller is `from_phone_number` (Cekura's testing agent dials in); the other number, when both
 * are given, is the agent's. Message times are seconds from the start or epoch milliseconds (as
 * Cekura's docs show): CallSchema's shared rule converts the latter. Extra message keys are dropped.
 * A tool result that is JSON `null`, a number or a boolean (Cekura's Gemini Live reference agent
 * sends the mock tool's JSON answer as it is, `null` included) is kept as its JSON text (`"null"`).
 */
import { isS3Location } from '../../recordings/location';
import { defined, record, text } from '../read';
import type { Source } from '../source';

/** Keys only a push-body call has (Cekura's pull format puts the caller in `customer` instead). */
export const PUSH_ONLY_KEYS = ['from_phone_number', 'to_phone_number', 'run_id'] as const;

/** The push body's call: an id, no `customer` (that is Cekura's pull format), and a push-only key. */
export function looksLikePushCall(payload: unknown): boolean {
  const body = record(payload);
  return body !== undefined && 'id' in body && !('customer' in body) && !('transcript' in body) && PUSH_ONLY_KEYS.some((key) => key in body);
}

export const cekuraPush: Source = {
  name: 'cekura-push',
  detect: looksLikePushCall,
  normalise(payload, options) {
    const body = record(payload);
    if (!body) return { kind: 'refused', path: '', message: 'must be a call object' };
    const from = text(body.from_phone_number);
    const to = text(body.to_phone_number);
    const customerNumber = from ?? to ?? options.webCallNumber;
    if (customerNumber === undefined) {
      return {
        kind: 'refused',
        path: 'from_phone_number',
        message: 'is required (the caller), or to_phone_number: neither was given; set WEB_CALL_NUMBER to accept calls without a phone number',
      };
    }
    const metadata = record(body.metadata);
    const recordingUrl = text(metadata?.recording_url);
    return {
      kind: 'call',
      call: defined({
        id: body.id,
        startedAt: body.startedAt,
        endedAt: body.endedAt,
        customer: { number: customerNumber },
        // Both numbers given: the caller is the customer, the other number is the agent's.
        phoneNumber: from !== undefined && to !== undefined ? to : undefined,
        messages: Array.isArray(body.messages) ? body.messages.map(withScalarResultAsText) : (body.messages ?? []),
        endedReason: body.endedReason ?? undefined,
        // Cekura's push body has no recording field: it travels as metadata.recording_url.
        recordingUrl: recordingUrl !== undefined && (URL.canParse(recordingUrl) || isS3Location(recordingUrl)) ? recordingUrl : undefined,
        metadata: body.metadata ?? undefined,
        agent_id: body.agent_id ?? options.envelopeAgentId,
        run_id: body.run_id ?? undefined,
        // Cekura's per-call trace id (added to the webhook 2026-06).
        trace_id: body.trace_id ?? undefined,
      }) as never,
    };
  },
};

/**
 * A function_call_result whose `data.result` is a JSON scalar other than a string, with that
 * result as its JSON text; every other message as sent (a copy only when something changes, so the
 * paths of CallSchema's issues still point into the body).
 */
function withScalarResultAsText(message: unknown): unknown {
  const entry = record(message);
  const data = record(entry?.data);
  if (!entry || !data || entry.role !== 'function_call_result') return message;
  const result = data.result;
  if (result !== null && typeof result !== 'number' && typeof result !== 'boolean') return message;
  return { ...entry, data: { ...data, result: JSON.stringify(result) } };
}
