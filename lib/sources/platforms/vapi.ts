/**
 * Vapi: the `end-of-call-report` server message (`{ message: { type, call, artifact, ... } }`),
 * or a Call object as exported from Vapi's API (for backfills).
 * Message times: `secondsFromStart` (relative s), else `time` (epoch ms); `endTime` epoch ms. A
 * message with neither follows the message before (counted in untimedMessages). A message before
 * `startedAt` or after `endedAt` does not refuse the call: see timing-mismatch.ts. Messages whose
 * role is not conversation are counted in `dropped` by role. A report without `startedAt` is a call
 * that never connected: acknowledged, not stored.
 */

import { agentNumber, customerNumber, defined, finite, type Json, jsonText, list, record, seconds, text, withAdapterMetadata } from '../read';
import { countDropped, type DroppedCounts, type Normalised, type NormaliseOptions, type Source } from '../source';
import { fillMissingTimes, type Untimed } from '../timing';
import { reconcileTimes } from './timing-mismatch';

const CALL_TYPES = new Set(['inboundPhoneCall', 'outboundPhoneCall', 'webCall']);

/** A Call object; `startedAt` is only required to detect one unnamed (a call that never started has none). */
function isCallObject(value: Json | undefined, requireStart = true): value is Json {
  return (
    value !== undefined &&
    typeof value.id === 'string' &&
    (CALL_TYPES.has(String(value.type)) || record(value.artifact) !== undefined) &&
    (!requireStart || 'startedAt' in value)
  );
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
    if (isCallObject(body, false)) return fromReport(body, body, '', options);
    return { kind: 'refused', path: 'message', message: 'is not a Vapi server message or call' };
  },
};

function fromReport(report: Json, call: Json, at: string, options: NormaliseOptions): Normalised {
  const path = (field: string) => `${at}${at ? '.' : ''}${field}`;
  const id = text(call.id) ?? text(report.id);
  if (!id) return { kind: 'refused', path: path('call.id'), message: 'is required' };
  const endedReason = text(report.endedReason) ?? text(call.endedReason);
  const startedAt = text(report.startedAt) ?? text(call.startedAt);
  if (startedAt === undefined) {
    // Vapi sends a report for calls that never connected (no answer, busy, failed to dial): there is
    // no conversation to store, and a 4xx would only make Vapi retry.
    return {
      kind: 'ignored',
      reason: `Vapi call "${id}" never started (no startedAt${endedReason ? `, endedReason "${endedReason}"` : ''}): nothing to store`,
    };
  }
  const startMs = Date.parse(startedAt);
  const artifact = record(report.artifact) ?? record(call.artifact) ?? {};
  const customer = record(report.customer) ?? record(call.customer);
  const customerSipUri = text(customer?.sipUri);
  // A SIP customer may have only a sipUri: its number is used when it holds one.
  const customerField = text(customer?.number) === undefined && customerSipUri !== undefined ? 'customer.sipUri' : 'customer.number';
  const caller = customerNumber(text(customer?.number) ?? customerSipUri, options.webCallNumber);
  if (!caller.ok) return { kind: 'refused', path: path(customerField), message: caller.message };
  const phoneNumber = record(report.phoneNumber) ?? record(call.phoneNumber);
  const agent = agentNumber(text(phoneNumber?.number) ?? text(phoneNumber?.sipUri));
  const recording = record(artifact.recording);
  const rawMessages = list(artifact.messages).length > 0 ? list(artifact.messages) : list(report.messages ?? call.messages);
  const dropped: DroppedCounts = {};
  const untimedMessages = rawMessages.flatMap((m) => toMessages(record(m), startMs, dropped));
  const untimed = untimedMessages.filter((m) => m.start_time === undefined).length;
  const endedAt = text(report.endedAt) ?? text(call.endedAt);
  const messages = fillMissingTimes(untimedMessages);
  // Both instants readable: reconcile them with the messages; otherwise CallSchema names the field.
  const times =
    endedAt !== undefined && Number.isFinite(startMs) && Number.isFinite(Date.parse(endedAt))
      ? reconcileTimes('Vapi', startMs, Date.parse(endedAt), messages)
      : { startedAt, endedAt: endedAt as string, messages, timing: undefined };
  return {
    kind: 'call',
    untimedMessages: untimed,
    ...(Object.keys(dropped).length > 0 ? { dropped } : {}),
    call: defined({
      id,
      startedAt: times.startedAt,
      endedAt: times.endedAt,
      customer: defined({ number: caller.number, name: text(customer?.name) }),
      messages: times.messages,
      endedReason,
      recordingUrl:
        text(artifact.recordingUrl) ??
        text(report.recordingUrl) ??
        text(call.recordingUrl) ??
        // Newer reports carry their recordings only under artifact.recording.
        text(record(recording?.mono)?.combinedUrl) ??
        text(artifact.stereoRecordingUrl) ??
        text(recording?.stereoUrl),
      phoneNumber: agent.phoneNumber,
      metadata: withAdapterMetadata(record(call.metadata), {
        source: 'vapi',
        callType: text(call.type),
        assistantId: text(call.assistantId),
        agentNumber: agent.address,
        customerAddress: caller.address,
        timing: times.timing,
      }),
    }),
  };
}

/** Seconds from the start; none when the message gives no time (never 0 by default). */
function times(m: Json, startMs: number): { start_time?: number; end_time?: number } {
  const time = finite(m.time);
  const relative = finite(m.secondsFromStart) ?? (time !== undefined && Number.isFinite(startMs) ? (time - startMs) / 1000 : undefined);
  if (relative === undefined) return {};
  const endTime = finite(m.endTime);
  const duration = time !== undefined && endTime !== undefined ? (endTime - time) / 1000 : 0;
  return { start_time: seconds(relative), end_time: seconds(relative + Math.max(0, duration)) };
}

function toMessages(m: Json | undefined, startMs: number, dropped: DroppedCounts): Untimed[] {
  if (!m) {
    countDropped(dropped, 'not_a_message');
    return [];
  }
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
        return [
          {
            role: 'function_call' as const,
            content: '',
            ...at,
            data: { id: text(toolCall.id) ?? '', name: text(fn.name) ?? '', arguments: jsonText(fn.arguments) || '{}' },
          },
        ];
      });
    case 'tool_call_result':
      return [
        { role: 'function_call_result', content: '', ...at, data: { id: text(m.toolCallId) ?? '', name: text(m.name) ?? '', result: jsonText(m.result) } },
      ];
    default:
      countDropped(dropped, typeof m.role === 'string' ? m.role : 'message_without_role');
      return [];
  }
}
