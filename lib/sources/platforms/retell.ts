/**
 * Retell: `{ event, call }` webhooks (`call_ended`, `call_analyzed` carry the finished call), or a
 * call object as exported from Retell's API. Times: epoch ms for the call; word timings (relative s)
 * for utterances; tool entries have no time at all (they follow the message before, counted in
 * untimedMessages). Words running past `end_timestamp` (a hang-up mid-word) do not refuse the call:
 * see timing-mismatch.ts. Entries that are not conversation (`node_transition`, `sms`, `injected`,
 * ...) are counted in `dropped` by role. A call that never connected (`call_status`
 * `not_connected`, no `start_timestamp`) is acknowledged, not stored.
 */

import { agentNumber, customerNumber, defined, finite, type Json, jsonText, list, record, seconds, text, withAdapterMetadata } from '../read';
import { countDropped, type DroppedCounts, type Normalised, type NormaliseOptions, type Source } from '../source';
import { fillMissingTimes, type Untimed } from '../timing';
import { reconcileTimes } from './timing-mismatch';

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

/** What a tool result without its invocation is named: Cekura needs a name, Retell gives none. */
export const UNKNOWN_TOOL_NAME = 'unknown_tool';

/** Said by the person a call was transferred to: the business's side, but not the agent under test. */
export const TRANSFER_TARGET_PREFIX = '[transfer target] ';

function fromCall(call: Json, at: string, options: NormaliseOptions): Normalised {
  const id = text(call.call_id);
  if (!id) return { kind: 'refused', path: `${at}call_id`, message: 'is required' };
  const start = finite(call.start_timestamp);
  if (start === undefined) {
    const status = text(call.call_status);
    // A call that never connected has no start: a 4xx would only make Retell retry it.
    if (status !== undefined && status !== 'ended') {
      const reason = text(call.disconnection_reason);
      return {
        kind: 'ignored',
        reason: `Retell call "${id}" never connected (call_status "${status}"${reason ? `, disconnection_reason "${reason}"` : ''}): nothing to store`,
      };
    }
    return { kind: 'refused', path: `${at}start_timestamp`, message: 'is required (epoch milliseconds)' };
  }
  const end = finite(call.end_timestamp) ?? start + (finite(call.duration_ms) ?? 0);

  const outbound = call.direction === 'outbound';
  const caller = customerNumber(text(outbound ? call.to_number : call.from_number), options.webCallNumber);
  if (!caller.ok) return { kind: 'refused', path: `${at}${outbound ? 'to_number' : 'from_number'}`, message: caller.message };
  const agent = agentNumber(text(outbound ? call.from_number : call.to_number));
  const transcript = list(call.transcript_with_tool_calls).length > 0 ? call.transcript_with_tool_calls : call.transcript_object;
  const { messages, unnamedToolResults, dropped } = toMessages(list(transcript));
  const untimed = messages.filter((message) => message.start_time === undefined).length;
  const times = reconcileTimes('Retell', start, end, fillMissingTimes(messages));
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
      endedReason: text(call.disconnection_reason),
      recordingUrl: text(call.recording_url) ?? text(call.recording_multi_channel_url),
      phoneNumber: agent.phoneNumber,
      metadata: withAdapterMetadata(record(call.metadata), {
        source: 'retell',
        agentId: text(call.agent_id),
        callType: text(call.call_type),
        direction: text(call.direction),
        agentNumber: agent.address,
        customerAddress: caller.address,
        unnamedToolResults: unnamedToolResults.length > 0 ? unnamedToolResults : undefined,
        timing: times.timing,
      }),
    }),
  };
}

function toMessages(entries: unknown[]): { messages: Untimed[]; unnamedToolResults: string[]; dropped: DroppedCounts } {
  const toolNames = new Map<string, string>();
  const unnamedToolResults: string[] = [];
  const dropped: DroppedCounts = {};
  const messages = entries.flatMap((raw): Untimed[] => {
    const entry = record(raw);
    if (!entry) {
      countDropped(dropped, 'not_an_entry');
      return [];
    }
    switch (entry.role) {
      case 'agent':
      case 'user':
      case 'transfer_target': {
        const words = list(entry.words).map(record);
        const first = finite(words[0]?.start);
        const last = finite(words[words.length - 1]?.end);
        const content = text(entry.content) ?? '';
        const times = { start_time: first === undefined ? undefined : seconds(first), end_time: last === undefined ? undefined : seconds(last) };
        if (entry.role === 'user') return [{ role: 'user', content, ...times }];
        if (entry.role === 'agent') return [{ role: 'bot', content, ...times }];
        // Cekura knows two sides; the transfer target is on the business's, marked so it is not read as the agent.
        return [{ role: 'bot', content: `${TRANSFER_TARGET_PREFIX}${content}`, ...times }];
      }
      case 'tool_call_invocation': {
        const id = text(entry.tool_call_id) ?? '';
        const name = text(entry.name) ?? '';
        toolNames.set(id, name);
        return [{ role: 'function_call', content: '', data: { id, name, arguments: jsonText(entry.arguments) || '{}' } }];
      }
      case 'tool_call_result': {
        const id = text(entry.tool_call_id) ?? '';
        let name = toolNames.get(id);
        if (!name) {
          // The invocation is missing (a truncated transcript): keep the result, say so in metadata.
          name = UNKNOWN_TOOL_NAME;
          unnamedToolResults.push(id);
        }
        const failed = entry.successful === false ? { is_error: true } : {};
        return [{ role: 'function_call_result', content: '', data: { id, name, result: jsonText(entry.content) }, ...failed }];
      }
      case 'dtmf':
        return [{ role: 'user', content: `[DTMF ${text(entry.digit) ?? ''}]` }];
      default:
        // node_transition, sms, injected: not part of the spoken conversation, counted by role.
        countDropped(dropped, typeof entry.role === 'string' ? entry.role : 'entry_without_role');
        return [];
    }
  });
  return { messages, unnamedToolResults, dropped };
}
