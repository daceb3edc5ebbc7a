/**
 * ElevenLabs Agents: the `post_call_transcription` webhook (`{ type, event_timestamp, data }`), or a
 * conversation as returned by GET /v1/convai/conversations/{id}. Start in epoch seconds plus a
 * duration; each turn has one relative time (`time_in_call_secs`), so end_time = start_time. A turn
 * without it follows the turn before (counted in untimedMessages); a turn outside the call does not
 * refuse it (see timing-mismatch.ts). A turn with no text and no tool call (`message: null`) is
 * counted in `dropped` as `turn_without_text`.
 */

import { agentNumber, customerNumber, defined, finite, type Json, jsonText, list, record, seconds, text, withAdapterMetadata } from '../read';
import { countDropped, type DroppedCounts, type Normalised, type NormaliseOptions, type Source } from '../source';
import { fillMissingTimes, type Untimed } from '../timing';
import { reconcileTimes } from './timing-mismatch';

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
  const dropped: DroppedCounts = {};
  const turns = list(data.transcript).flatMap((turn) => toMessages(record(turn), dropped));
  const untimed = turns.filter((message) => message.start_time === undefined).length;
  const times = reconcileTimes('ElevenLabs', startSecs * 1000, (startSecs + (finite(metadata.call_duration_secs) ?? 0)) * 1000, fillMissingTimes(turns));
  return {
    kind: 'call',
    untimedMessages: untimed,
    ...(Object.keys(dropped).length > 0 ? { dropped } : {}),
    call: defined({
      id,
      startedAt: times.startedAt,
      endedAt: times.endedAt,
      customer: { number: caller.number },
      messages: times.messages,
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
        timing: times.timing,
      }),
    }),
  };
}

/**
 * One turn: its text, then the tools it called, then their results, all at the turn's time.
 * A keypad turn (`source_medium: "dtmf"`) is written `[DTMF <digits>]`, as Retell's are.
 */
function toMessages(turn: Json | undefined, dropped: DroppedCounts): Untimed[] {
  if (!turn) {
    countDropped(dropped, 'not_a_turn');
    return [];
  }
  const given = finite(turn.time_in_call_secs);
  const at = given === undefined ? {} : { start_time: seconds(given), end_time: seconds(given) };
  const messages: Untimed[] = [];
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
  if (messages.length === 0) countDropped(dropped, 'turn_without_text');
  return messages;
}
