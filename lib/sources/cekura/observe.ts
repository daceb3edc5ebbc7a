/**
 * Cekura's Observe API body (`transcript_type: "cekura"`): `call_id`, `customer_number`,
 * `timestamp` (start, ISO), `transcript_json` with roles "Testing Agent" (the caller),
 * "Main Agent" (the agent), "Function Call", "Function Call Result"; times relative seconds.
 */

import { defined, finite, jsonText, record, seconds, text, withAdapterMetadata } from '../read';
import type { CandidateMessage, Source } from '../source';

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
    let transcript: unknown = body.transcript_json;
    if (typeof transcript === 'string') {
      try {
        transcript = JSON.parse(transcript);
      } catch {
        return { kind: 'refused', path: 'transcript_json', message: 'is not valid JSON' };
      }
    }
    if (!Array.isArray(transcript)) return { kind: 'refused', path: 'transcript_json', message: 'must be an array of messages' };
    const customerNumber = text(body.customer_number) ?? options.webCallNumber;
    if (!customerNumber) return { kind: 'refused', path: 'customer_number', message: 'is required' };

    const messages = transcript.flatMap((raw): CandidateMessage[] => {
      const entry = record(raw);
      const role = ROLES[String(entry?.role)];
      if (!entry || !role) return [];
      const start = seconds(finite(entry.start_time) ?? 0);
      const at = { start_time: start, end_time: Math.max(start, seconds(finite(entry.end_time) ?? start)) };
      const data = record(entry.data) ?? {};
      if (role === 'function_call')
        return [
          {
            role,
            content: text(entry.content) ?? '',
            ...at,
            data: { id: text(data.id) ?? '', name: text(data.name) ?? '', arguments: jsonText(data.arguments) || '{}' },
          },
        ];
      if (role === 'function_call_result')
        return [
          { role, content: text(entry.content) ?? '', ...at, data: { id: text(data.id) ?? '', name: text(data.name) ?? '', result: jsonText(data.result) } },
        ];
      return [{ role, content: text(entry.content) ?? '', ...at }];
    });
    const durationMs = Math.max(0, ...messages.map((m) => m.end_time)) * 1000;
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
    };
  },
};
