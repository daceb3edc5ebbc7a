/**
 * ElevenLabs Agents: the `post_call_transcription` webhook (`{ type, event_timestamp, data }`), or a
 * conversation as returned by GET /v1/convai/conversations/{id}. Start in epoch seconds plus a
 * duration; each turn has one relative time (`time_in_call_secs`), so end_time = start_time.
 */

import { agentNumber, customerNumber, defined, finite, isoFromMs, type Json, jsonText, list, record, seconds, text, withAdapterMetadata } from '../read';
import type { CandidateMessage, Normalised, NormaliseOptions, Source } from '../source';

export const elevenlabs: Source = {
  name: 'elevenlabs',
  detect(payload) {
    const body = record(payload);
    return (typeof body?.type === 'string' && record(body.data) !== undefined) || (typeof body?.conversation_id === 'string' && Array.isArray(body.transcript));
  },
  normalise(payload, options) {
    const body = record(payload);
    if (typeof body?.type === 'string') {
      if (body.type !== 'post_call_transcription') return { kind: 'ignored', reason: `ElevenLabs "${body.type}" events carry no transcript` };
      return fromConversation(record(body.data) ?? {}, 'data.', options);
    }
    if (body && typeof body.conversation_id === 'string') return fromConversation(body, '', options);
    return { kind: 'refused', path: 'type', message: 'is not an ElevenLabs webhook or conversation' };
  },
};

function fromConversation(data: Json, at: string, options: NormaliseOptions): Normalised {
  const id = text(data.conversation_id);
  if (!id) return { kind: 'refused', path: `${at}conversation_id`, message: 'is required' };
  const metadata = record(data.metadata) ?? {};
  const startSecs = finite(metadata.start_time_unix_secs);
  if (startSecs === undefined) return { kind: 'refused', path: `${at}metadata.start_time_unix_secs`, message: 'is required (epoch seconds)' };
  const phoneCall = record(metadata.phone_call);
  const caller = customerNumber(text(phoneCall?.external_number), options.webCallNumber);
  if (!caller.ok) return { kind: 'refused', path: `${at}metadata.phone_call.external_number`, message: caller.message };
  const agent = agentNumber(text(phoneCall?.agent_number));
  return {
    kind: 'call',
    call: defined({
      id,
      startedAt: isoFromMs(startSecs * 1000) as string,
      endedAt: isoFromMs((startSecs + (finite(metadata.call_duration_secs) ?? 0)) * 1000) as string,
      customer: { number: caller.number },
      messages: list(data.transcript).flatMap((turn) => toMessages(record(turn))),
      endedReason: text(metadata.termination_reason),
      phoneNumber: agent.phoneNumber,
      // ElevenLabs' `metadata` is the conversation's (timing, costs), not the caller's: not copied.
      metadata: withAdapterMetadata(undefined, {
        source: 'elevenlabs',
        agentId: text(data.agent_id),
        status: text(data.status),
        direction: text(phoneCall?.direction),
        agentNumber: agent.address,
        customerAddress: caller.address,
      }),
    }),
  };
}

/**
 * One turn: its text, then the tools it called, then their results, all at the turn's time.
 * A keypad turn (`source_medium: "dtmf"`) is written `[DTMF <digits>]`, as Retell's are.
 */
function toMessages(turn: Json | undefined): CandidateMessage[] {
  if (!turn) return [];
  const time = seconds(finite(turn.time_in_call_secs) ?? 0);
  const at = { start_time: time, end_time: time };
  const messages: CandidateMessage[] = [];
  const role = turn.role === 'agent' ? 'bot' : 'user';
  const spoken = text(turn.message);
  const content = turn.source_medium === 'dtmf' ? `[DTMF ${spoken?.trim() ?? ''}]`.replace(' ]', ']') : spoken;
  if (content !== undefined && content !== '') messages.push({ role, content, ...at, ...(turn.interrupted === true ? { interrupted: true } : {}) });
  for (const raw of list(turn.tool_calls)) {
    const call = record(raw);
    if (call)
      messages.push({
        role: 'function_call',
        content: '',
        ...at,
        data: { id: text(call.request_id) ?? '', name: text(call.tool_name) ?? '', arguments: jsonText(call.params_as_json) || '{}' },
      });
  }
  for (const raw of list(turn.tool_results)) {
    const result = record(raw);
    if (result) {
      const failed = result.is_error === true ? { is_error: true } : {};
      messages.push({
        role: 'function_call_result',
        content: '',
        ...at,
        data: { id: text(result.request_id) ?? '', name: text(result.tool_name) ?? '', result: jsonText(result.result_value) },
        ...failed,
      });
    }
  }
  return messages;
}
