/**
 * Cekura's Observe API body (`transcript_type: "cekura"`): `call_id`, `customer_number`,
 * `timestamp` (start, ISO), `transcript_json` with roles "Testing Agent" (the caller),
 * "Main Agent" (the agent), "Function Call", "Function Call Result"; times relative seconds.
 *
 * `transcript_json` may be the array or its JSON text (as a form field must be). The text gets the
 * rules every JSON body gets (lib/json-shape.ts, applied to bodies by lib/http/middleware.ts):
 * nesting past the shape limit, reserved keys (`__proto__`, ...) and numbers JSON would change
 * (`1e400`) are refused with their path inside `transcript_json`, never stored or answered 500.
 * A role Cekura's Observe API does not take for this type (it refuses `agent` / `user`) is refused;
 * a message without `start_time` follows the end of the one before (counted in untimedMessages).
 */

import { inexactNumberIssues, jsonShapeIssues, MAX_JSON_DEPTH, mayHoldInexactNumbers } from '../../json-shape';
import { defined, finite, jsonText, record, seconds, text, withAdapterMetadata } from '../read';
import type { CandidateMessage, Normalised, Source } from '../source';

const ROLES: Record<string, CandidateMessage['role']> = {
  'Testing Agent': 'user',
  'Main Agent': 'bot',
  'Function Call': 'function_call',
  'Function Call Result': 'function_call_result',
  System: 'system',
};

export const cekura: Source = {
  name: 'cekura',
  detect(payload) {
    const body = record(payload);
    return typeof body?.call_id === 'string' && 'transcript_json' in body;
  },
  normalise(payload, options) {
    const body = record(payload) ?? {};
    const id = text(body.call_id);
    if (!id) return { kind: 'refused', path: 'call_id', message: 'is required' };
    const startedAt = text(body.timestamp);
    if (!startedAt || Number.isNaN(Date.parse(startedAt))) return { kind: 'refused', path: 'timestamp', message: 'is required: the call start, ISO 8601' };
    const parsed = transcriptOf(body.transcript_json);
    if ('refused' in parsed) return parsed.refused;
    const transcript = parsed.value;
    if (!Array.isArray(transcript)) return { kind: 'refused', path: 'transcript_json', message: 'must be an array of messages' };
    const customerNumber = text(body.customer_number) ?? options.webCallNumber;
    if (!customerNumber) return { kind: 'refused', path: 'customer_number', message: 'is required' };

    for (const [index, raw] of transcript.entries()) {
      const entry = record(raw);
      if (!entry) return { kind: 'refused', path: `transcript_json[${index}]`, message: 'must be a message object' };
      if (typeof entry.role !== 'string' || !Object.hasOwn(ROLES, entry.role)) {
        return { kind: 'refused', path: `transcript_json[${index}].role`, message: `must be one of ${Object.keys(ROLES).join(', ')}` };
      }
      for (const key of ['start_time', 'end_time']) {
        if (entry[key] !== undefined && entry[key] !== null && finite(entry[key]) === undefined) {
          return { kind: 'refused', path: `transcript_json[${index}].${key}`, message: 'must be a number of seconds from the start of the call' };
        }
      }
    }
    let untimed = 0;
    let previousEnd = 0;
    const messages = transcript.map((raw): CandidateMessage => {
      const entry = record(raw) ?? {};
      const role = ROLES[entry.role as string]!;
      const given = finite(entry.start_time);
      // Never invent a time: a message without one follows the end of the one before.
      if (given === undefined) untimed++;
      const start = given === undefined ? previousEnd : seconds(given);
      const at = { start_time: start, end_time: Math.max(start, seconds(finite(entry.end_time) ?? start)) };
      previousEnd = Math.max(previousEnd, at.end_time);
      const data = record(entry.data) ?? {};
      if (role === 'function_call')
        return {
          role,
          content: text(entry.content) ?? '',
          ...at,
          data: { id: text(data.id) ?? '', name: text(data.name) ?? '', arguments: jsonText(data.arguments) || '{}' },
        };
      if (role === 'function_call_result')
        return {
          role,
          content: text(entry.content) ?? '',
          ...at,
          data: { id: text(data.id) ?? '', name: text(data.name) ?? '', result: jsonText(data.result) },
        };
      return { role, content: text(entry.content) ?? '', ...at };
    });
    const durationMs = messages.reduce((latest, m) => Math.max(latest, m.end_time), 0) * 1000;
    return {
      kind: 'call',
      call: defined({
        id,
        startedAt,
        endedAt: new Date(Date.parse(startedAt) + durationMs).toISOString(),
        customer: { number: customerNumber },
        messages,
        endedReason: text(body.call_ended_reason),
        recordingUrl: text(body.voice_recording_url),
        // Checked by CallSchema: a trace id that is not one is refused, not dropped.
        trace_id: (body.trace_id ?? undefined) as string | undefined,
        metadata: withAdapterMetadata(record(body.metadata), { source: 'cekura' }),
      }),
      untimedMessages: untimed,
    };
  },
};

/** `transcript_json` inside the body: one level below it, so its own nesting allowance is one less. */
const TRANSCRIPT_MAX_DEPTH = MAX_JSON_DEPTH - 1;

/** The transcript itself, or its JSON text parsed under the body rules; a refusal names the path inside it. */
function transcriptOf(value: unknown): { value: unknown } | { refused: Normalised } {
  if (typeof value !== 'string') return { value };
  const refuse = (path: string, message: string) => ({
    refused: {
      kind: 'refused' as const,
      path: path === '' ? 'transcript_json' : path.startsWith('[') ? `transcript_json${path}` : `transcript_json.${path}`,
      message,
    },
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return refuse('', 'is not valid JSON');
  }
  const [shapeIssue] = jsonShapeIssues(parsed, TRANSCRIPT_MAX_DEPTH);
  if (shapeIssue) return refuse(shapeIssue.path, shapeIssue.message);
  if (mayHoldInexactNumbers(parsed, value)) {
    const [numberIssue] = inexactNumberIssues(value);
    if (numberIssue) return refuse(numberIssue.path, numberIssue.message);
  }
  return { value: parsed };
}
