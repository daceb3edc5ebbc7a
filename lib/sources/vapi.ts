/**
 * Vapi: the `end-of-call-report` server message (`{ message: { type, call, artifact, ... } }`),
 * or a Call object as exported from Vapi's API (for backfills).
 * Message times: `secondsFromStart` (relative s), else `time` (epoch ms); `endTime` epoch ms.
 */
import { type CandidateMessage, type Normalised, type NormaliseOptions, type Source } from './source';
import { defined, type Json, jsonText, list, record, seconds, text, finite } from './read';

const CALL_TYPES = new Set(['inboundPhoneCall', 'outboundPhoneCall', 'webCall']);

function isCallObject(value: Json | undefined): value is Json {
  return value !== undefined && typeof value.id === 'string' && (CALL_TYPES.has(String(value.type)) || record(value.artifact) !== undefined) && 'startedAt' in value;
}

export const vapi: Source = {
  name: 'vapi',
  detect(payload) {
    const body = record(payload);
    return typeof record(body?.message)?.type === 'string' || isCallObject(body);
  },
  normalise(payload, options) {
    const body = record(payload);
    const message = record(body?.message);
    if (message) {
      if (message.type !== 'end-of-call-report') return { kind: 'ignored', reason: `Vapi "${String(message.type)}" messages carry no finished call` };
      return fromReport(message, record(message.call) ?? {}, 'message', options);
    }
    if (isCallObject(body)) return fromReport(body, body, '', options);
    return { kind: 'refused', path: 'message', message: 'is not a Vapi server message or call' };
  },
};

function fromReport(report: Json, call: Json, at: string, options: NormaliseOptions): Normalised {
  const id = text(call.id) ?? text(report.id);
  if (!id) return { kind: 'refused', path: `${at}${at ? '.' : ''}call.id`, message: 'is required' };
  const startedAt = text(report.startedAt) ?? text(call.startedAt);
  const startMs = startedAt === undefined ? undefined : Date.parse(startedAt);
  const artifact = record(report.artifact) ?? record(call.artifact) ?? {};
  const customer = record(report.customer) ?? record(call.customer);
  const customerNumber = text(customer?.number) ?? options.webCallNumber;
  if (!customerNumber) {
    return { kind: 'refused', path: `${at}${at ? '.' : ''}customer.number`, message: 'is missing (a web call?): set WEB_CALL_NUMBER to accept calls without a phone number' };
  }
  const rawMessages = list(artifact.messages).length > 0 ? list(artifact.messages) : list(report.messages ?? call.messages);
  return {
    kind: 'call',
    call: defined({
      id,
      startedAt: startedAt as string,
      endedAt: (text(report.endedAt) ?? text(call.endedAt)) as string,
      customer: defined({ number: customerNumber, name: text(customer?.name) }),
      messages: rawMessages.flatMap((m) => toMessages(record(m), startMs)),
      endedReason: text(report.endedReason) ?? text(call.endedReason),
      recordingUrl: text(artifact.recordingUrl) ?? text(report.recordingUrl) ?? text(call.recordingUrl) ?? text(artifact.stereoRecordingUrl),
      phoneNumber: text(record(report.phoneNumber)?.number) ?? text(record(call.phoneNumber)?.number),
      metadata: defined({ source: 'vapi', callType: text(call.type), assistantId: text(call.assistantId), ...(record(call.metadata) ?? {}) }),
    }),
  };
}

function times(m: Json, startMs: number | undefined): { start_time: number; end_time: number } {
  const time = finite(m.time);
  const relative = finite(m.secondsFromStart) ?? (time !== undefined && startMs !== undefined ? (time - startMs) / 1000 : 0);
  const endTime = finite(m.endTime);
  const duration = time !== undefined && endTime !== undefined ? (endTime - time) / 1000 : 0;
  return { start_time: seconds(relative), end_time: seconds(relative + Math.max(0, duration)) };
}

function toMessages(m: Json | undefined, startMs: number | undefined): CandidateMessage[] {
  if (!m) return [];
  const at = times(m, startMs);
  switch (m.role) {
    case 'system':
    case 'user':
    case 'bot':
      return [{ role: m.role, content: text(m.message) ?? '', ...at }];
    case 'assistant':
      return [{ role: 'bot', content: text(m.message) ?? text(m.content) ?? '', ...at }];
    case 'tool_calls':
      return list(m.toolCalls).flatMap((raw) => {
        const toolCall = record(raw);
        const fn = record(toolCall?.function);
        if (!toolCall || !fn) return [];
        return [{ role: 'function_call' as const, content: '', ...at, data: { id: text(toolCall.id) ?? '', name: text(fn.name) ?? '', arguments: jsonText(fn.arguments) || '{}' } }];
      });
    case 'tool_call_result':
      return [{ role: 'function_call_result', content: '', ...at, data: { id: text(m.toolCallId) ?? '', name: text(m.name) ?? '', result: jsonText(m.result) } }];
    default:
      return [];
  }
}
