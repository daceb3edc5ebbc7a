/**
 * Retell: `{ event, call }` webhooks (`call_ended`, `call_analyzed` carry the finished call), or a
 * call object as exported from Retell's API. Times: epoch ms for the call; word timings (relative s)
 * for utterances; tool entries have no time at all.
 */
import { type Normalised, type NormaliseOptions, type Source } from './source';
import { defined, type Json, jsonText, list, record, seconds, text, finite, isoFromMs } from './read';
import { fillMissingTimes, type Untimed } from './timing';

const CALL_EVENTS = new Set(['call_ended', 'call_analyzed']);

export const retell: Source = {
  name: 'retell',
  detect(payload) {
    const body = record(payload);
    // A bare exported call: call_id alone is not enough, Cekura's Observe body has one too.
    return (typeof body?.event === 'string' && record(body.call) !== undefined) || (typeof body?.call_id === 'string' && 'start_timestamp' in body);
  },
  normalise(payload, options) {
    const body = record(payload);
    if (typeof body?.event === 'string') {
      if (!CALL_EVENTS.has(body.event)) return { kind: 'ignored', reason: `Retell "${body.event}" events carry no finished call` };
      return fromCall(record(body.call) ?? {}, 'call.', options);
    }
    if (body && typeof body.call_id === 'string') return fromCall(body, '', options);
    return { kind: 'refused', path: 'event', message: 'is not a Retell webhook or call' };
  },
};

function fromCall(call: Json, at: string, options: NormaliseOptions): Normalised {
  const id = text(call.call_id);
  if (!id) return { kind: 'refused', path: `${at}call_id`, message: 'is required' };
  const start = finite(call.start_timestamp);
  if (start === undefined) return { kind: 'refused', path: `${at}start_timestamp`, message: 'is required (epoch milliseconds)' };
  const end = finite(call.end_timestamp) ?? start + (finite(call.duration_ms) ?? 0);

  const outbound = call.direction === 'outbound';
  const customerNumber = text(outbound ? call.to_number : call.from_number) ?? options.webCallNumber;
  if (!customerNumber) {
    return { kind: 'refused', path: `${at}${outbound ? 'to_number' : 'from_number'}`, message: 'is missing (a web call?): set WEB_CALL_NUMBER to accept calls without a phone number' };
  }
  const transcript = list(call.transcript_with_tool_calls).length > 0 ? call.transcript_with_tool_calls : call.transcript_object;
  return {
    kind: 'call',
    call: defined({
      id,
      startedAt: isoFromMs(start) as string,
      endedAt: isoFromMs(end) as string,
      customer: { number: customerNumber },
      messages: fillMissingTimes(toMessages(list(transcript))),
      endedReason: text(call.disconnection_reason),
      recordingUrl: text(call.recording_url) ?? text(call.recording_multi_channel_url),
      phoneNumber: text(outbound ? call.from_number : call.to_number),
      metadata: defined({
        source: 'retell',
        agentId: text(call.agent_id),
        callType: text(call.call_type),
        direction: text(call.direction),
        ...(record(call.metadata) ?? {}),
      }),
    }),
  };
}

function toMessages(entries: unknown[]): Untimed[] {
  const toolNames = new Map<string, string>();
  return entries.flatMap((raw): Untimed[] => {
    const entry = record(raw);
    if (!entry) return [];
    switch (entry.role) {
      case 'agent':
      case 'user':
      case 'transfer_target': {
        const words = list(entry.words).map(record);
        const first = finite(words[0]?.start);
        const last = finite(words[words.length - 1]?.end);
        // A transfer target is a person on the call other than the agent: Cekura only knows two sides.
        const role = entry.role === 'agent' ? 'bot' : 'user';
        return [{ role, content: text(entry.content) ?? '', start_time: first === undefined ? undefined : seconds(first), end_time: last === undefined ? undefined : seconds(last) }];
      }
      case 'tool_call_invocation': {
        const id = text(entry.tool_call_id) ?? '';
        const name = text(entry.name) ?? '';
        toolNames.set(id, name);
        return [{ role: 'function_call', content: '', data: { id, name, arguments: jsonText(entry.arguments) || '{}' } }];
      }
      case 'tool_call_result': {
        const id = text(entry.tool_call_id) ?? '';
        return [{ role: 'function_call_result', content: '', data: { id, name: toolNames.get(id) ?? '', result: jsonText(entry.content) } }];
      }
      case 'dtmf':
        return [{ role: 'user', content: `[DTMF ${text(entry.digit) ?? ''}]` }];
      default:
        // node_transition, sms, injected: not part of the spoken conversation.
        return [];
    }
  });
}
