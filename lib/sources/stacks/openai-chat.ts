/**
 * OpenAI chat-completions messages, the conversation log of Pipecat's LLMContext, OpenAI Agents
 * and most hand-written loops: an array of `{ role, content, tool_calls?, tool_call_id? }`, bare
 * or as `{ messages: [...] }`.
 *
 * The format has no times. Apps that log them add one per message: `timestamp` (an instant: ISO
 * 8601 or epoch seconds / milliseconds, as Pipecat's turn events give it) or `start_time` /
 * `end_time` (seconds from the call's start). Messages without either stay untimed. An app may
 * also mark a message it cut short with `interrupted: true`.
 */
import { type Json, jsonText, list, record, text } from '../read';
import { instantFrom, type StackFormat, type StackMessage, type StackTime, stackSource, type TranscriptReading } from './envelope';
import { withPipecatConventions } from './pipecat';

const CHAT_ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

/** Pipecat's tool message content until the tool's result replaces it. */
const IN_PROGRESS = 'IN_PROGRESS';

/** Below this a number is not an epoch time (2001-09-09 in seconds), so it cannot be a `timestamp`. */
const EPOCH_SECONDS_FLOOR = 1e9;

type Refusal = { ok: false; path: string; message: string };
const refusal = (path: string, message: string): Refusal => ({ ok: false, path, message });

function chatMessagesOf(transcript: unknown): { messages: unknown[]; prefix: string } | undefined {
  if (Array.isArray(transcript)) return { messages: transcript, prefix: '' };
  const body = record(transcript);
  return body && Array.isArray(body.messages) ? { messages: body.messages, prefix: 'messages' } : undefined;
}

/** `type` would make it a LiveKit or Responses item; Ultravox messages carry `text`, not `content`. */
function looksLikeChatMessage(value: unknown): boolean {
  const message = record(value);
  return (
    message !== undefined &&
    typeof message.role === 'string' &&
    CHAT_ROLES.has(message.role) &&
    !('type' in message) &&
    ('content' in message || 'tool_calls' in message)
  );
}

/**
 * A content string, or the text parts of a content array joined (audio and image parts carry no
 * text and are left out). Undefined when there is no text at all.
 */
function contentText(content: unknown, separator: string): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const parts = content.flatMap((part) => {
    const partText = typeof part === 'string' ? part : text(record(part)?.text);
    return partText === undefined ? [] : [partText];
  });
  return parts.length > 0 ? parts.join(separator) : undefined;
}

/** `start_time` / `end_time`: seconds from the start, or an instant when the app logged one there. */
function offsetOrInstant(value: unknown, path: string): StackTime | Refusal | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value < EPOCH_SECONDS_FLOOR) return { seconds: value };
  const instant = typeof value === 'number' && value < 0 ? undefined : instantFrom(value);
  return instant ?? refusal(path, 'must be seconds from the start of the call (>= 0), or an instant (ISO 8601 or epoch seconds / milliseconds)');
}

function instant(value: unknown, path: string): StackTime | Refusal | undefined {
  if (value === undefined || value === null) return undefined;
  const time = typeof value === 'number' && value < EPOCH_SECONDS_FLOOR ? undefined : instantFrom(value);
  return time ?? refusal(path, 'must be an instant: ISO 8601 with a time zone, or epoch seconds / milliseconds');
}

const isRefusal = (value: StackTime | Refusal | undefined): value is Refusal => value !== undefined && 'ok' in value;

type MessageTimes = { ok: true; start?: StackTime; end?: StackTime } | Refusal;

/** `timestamp` is the turn's start when both it and `start_time` are there. */
function timesOf(message: Json, at: string): MessageTimes {
  const stamped = instant(message.timestamp, `${at}.timestamp`);
  if (isRefusal(stamped)) return stamped;
  const start = offsetOrInstant(message.start_time, `${at}.start_time`);
  if (isRefusal(start)) return start;
  const end = offsetOrInstant(message.end_time, `${at}.end_time`);
  if (isRefusal(end)) return end;
  const startTime = stamped ?? start;
  return { ok: true, ...(startTime ? { start: startTime } : {}), ...(end ? { end } : {}) };
}

const nonEmpty = (value: unknown): string | undefined => {
  const s = text(value);
  return s === undefined || s === '' ? undefined : s;
};

/** The tool name of every call, by id, so each result can carry the name of its call. */
function toolNamesById(messages: unknown[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const value of messages) {
    for (const call of list(record(value)?.tool_calls)) {
      const id = nonEmpty(record(call)?.id);
      const name = nonEmpty(record(record(call)?.function)?.name);
      if (id !== undefined && name !== undefined) names.set(id, name);
    }
  }
  return names;
}

/** Index of the last tool message of each tool_call_id: Pipecat's placeholders before it are superseded. */
function lastResultIndexById(messages: unknown[]): Map<string, number> {
  const last = new Map<string, number>();
  messages.forEach((value, index) => {
    const message = record(value);
    const id = message?.role === 'tool' ? nonEmpty(message.tool_call_id) : undefined;
    if (id !== undefined) last.set(id, index);
  });
  return last;
}

function readChatMessages(transcript: unknown): TranscriptReading {
  const found = chatMessagesOf(transcript);
  if (!found) return refusal('', 'must be a list of chat messages ({ role, content }), or { messages: [...] }');
  const toolNames = toolNamesById(found.messages);
  const lastResult = lastResultIndexById(found.messages);
  const out: StackMessage[] = [];

  for (const [index, value] of found.messages.entries()) {
    const at = `${found.prefix}[${index}]`;
    const message = record(value);
    const role = text(message?.role);
    if (!message || role === undefined || !CHAT_ROLES.has(role)) continue;
    const times = timesOf(message, at);
    if (!times.ok) return times;
    const { start, end } = times;
    const timed = { ...(start ? { start } : {}), ...(end ? { end } : {}) };
    const interrupted = typeof message.interrupted === 'boolean' ? { interrupted: message.interrupted } : {};

    if (role === 'tool') {
      const id = nonEmpty(message.tool_call_id);
      if (id === undefined) return refusal(`${at}.tool_call_id`, 'is required: the id of the tool call this message answers');
      if (message.content === IN_PROGRESS && (lastResult.get(id) ?? index) > index) continue;
      const name = toolNames.get(id) ?? nonEmpty(message.name);
      if (name === undefined) return refusal(`${at}.tool_call_id`, 'matches no tool_calls[].id of an assistant message, and the message has no name');
      // Parts of one tool result are pieces of one payload (often JSON): joined as they are.
      const result = contentText(message.content, '') ?? jsonText(message.content);
      out.push({ role: 'function_call_result', content: '', data: { id, name, result }, ...timed });
      continue;
    }

    // Text parts of a spoken turn are segments of speech: joined with a space.
    const spoken = contentText(message.content, ' ');
    const speaker = role === 'assistant' ? 'bot' : role === 'user' ? 'user' : 'system';
    if (spoken !== undefined && spoken !== '') out.push({ role: speaker, content: spoken, ...timed, ...(speaker === 'system' ? {} : interrupted) });
    if (role !== 'assistant') continue;

    for (const [callIndex, callValue] of list(message.tool_calls).entries()) {
      const callAt = `${at}.tool_calls[${callIndex}]`;
      const call = record(callValue);
      const id = nonEmpty(call?.id);
      if (id === undefined) return refusal(`${callAt}.id`, 'is required: a non-empty string (the tool call id)');
      const fn = record(call?.function);
      const name = nonEmpty(fn?.name);
      if (name === undefined) return refusal(`${callAt}.function.name`, 'is required: the name of the tool called');
      const args = fn?.arguments === undefined || fn.arguments === null ? {} : { arguments: jsonText(fn.arguments) };
      // The calls were made in this message's turn: they take its start, not its end.
      out.push({ role: 'function_call', content: '', data: { id, name, ...args }, ...(start ? { start } : {}) });
    }
  }
  return { ok: true, messages: out };
}

export const openaiChatFormat: StackFormat = {
  name: 'openai-chat',
  expects: 'OpenAI chat messages (`{ role, content, tool_calls?, tool_call_id? }`), an array or `{ messages }`',
  recognises(transcript) {
    const found = chatMessagesOf(transcript);
    return found !== undefined && found.messages.length > 0 && found.messages.every(looksLikeChatMessage);
  },
  // Pipecat's LLMContext is OpenAI chat with turn markers and async-tool messages: resolved first.
  read: (transcript) => withPipecatConventions(transcript, readChatMessages),
};

export const openaiChat = stackSource(openaiChatFormat);
