/**
 * OpenAI chat-completions messages, the conversation log of Pipecat's LLMContext, OpenAI Agents
 * and most hand-written loops: an array of `{ role, content, tool_calls?, tool_call_id? }`, bare
 * or as `{ messages: [...] }`. Read as the `openai` package defines `ChatCompletionMessageParam`:
 * - `system` / `developer` → system; `user` → the caller; `assistant` → the agent, its `refusal`
 *   (top-level or a `refusal` content part) included: a refusal is what the agent said;
 * - `tool_calls[]` of `type: "function"` (`function.name` / `function.arguments`) and of
 *   `type: "custom"` (`custom.name` / `custom.input`, free text stored as it is) → tool calls;
 *   `tool` messages → their results, named after their call;
 * - the legacy `function_call: { name, arguments }` and the `role: "function"` message after it
 *   → one call and its result. The format gives them no id: both take `function_call@<path of the
 *   call>` so they pair (a result with no call before it takes its own path).
 *
 * The Responses API's input items (what OpenAI Agents' `to_input_list()` gives) are read too, alone
 * or mixed with chat messages: `message` (`input_text` / `output_text` / `refusal` parts),
 * `function_call` / `function_call_output`, `custom_tool_call` / `custom_tool_call_output` and
 * `mcp_call` (a call and its output). Items that carry no conversation (`reasoning`, web or file
 * searches, ...) are counted in `dropped` by their type, never half-read.
 *
 * Nothing is left out silently: content parts that are not text (`image_url`, `input_audio`,
 * `file`, ...) are counted in `dropped` as `<type>_part`, a turn with nothing said as
 * `empty_message` (`audio_only_turn` when the agent's turn is only an `audio: { id }` reference), Pipecat's `"IN_PROGRESS"` placeholder once its tool's result arrived as
 * `in_progress_placeholder`.
 *
 * The format has no times. Apps that log them add one per message: `timestamp` (an instant: ISO
 * 8601 or epoch seconds / milliseconds, as Pipecat's turn events give it) or `start_time` /
 * `end_time` (seconds from the call's start). Messages without either stay untimed. An app may
 * also mark a message it cut short with `interrupted: true`.
 */

import { type Json, jsonText, list, record, text } from '../read';
import { countDropped, type DroppedCounts } from '../source';
import { instantFrom, type StackFormat, type StackMessage, type StackTime, stackSource, type TranscriptReading } from './envelope';
import { RESOLVED_AWAY, withPipecatConventions } from './pipecat';

const CHAT_ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);
const SPEAKER_ROLES = new Set(['system', 'developer', 'user', 'assistant']);

/** Content parts that carry what was said, and the field that holds it. */
const TEXT_PARTS: Record<string, 'text' | 'refusal'> = { text: 'text', input_text: 'text', output_text: 'text', refusal: 'refusal' };

/** Responses API items read as tool calls and results. */
const RESPONSES_TOOL_ITEMS = new Set(['function_call', 'function_call_output', 'custom_tool_call', 'custom_tool_call_output', 'mcp_call']);
/** Responses API items that carry no conversation: counted as dropped, by type. */
const RESPONSES_OTHER_ITEMS = new Set([
  'reasoning',
  'file_search_call',
  'web_search_call',
  'computer_call',
  'computer_call_output',
  'image_generation_call',
  'code_interpreter_call',
  'local_shell_call',
  'local_shell_call_output',
  'shell_call',
  'shell_call_output',
  'apply_patch_call',
  'apply_patch_call_output',
  'mcp_list_tools',
  'mcp_approval_request',
  'mcp_approval_response',
  'item_reference',
  'compaction',
]);

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
function looksLikeChatMessage(message: Json): boolean {
  return (
    typeof message.role === 'string' &&
    CHAT_ROLES.has(message.role) &&
    !('type' in message) &&
    ('content' in message || 'tool_calls' in message || 'function_call' in message || 'refusal' in message)
  );
}

/**
 * A Responses API input item. A `message` must hold Responses content (a string, or parts typed
 * `input_text`, `output_text`, ...), so that LiveKit's items (content of bare strings) are not taken.
 */
function looksLikeResponsesItem(item: Json): boolean {
  const type = text(item.type);
  if (type === 'message') {
    if (typeof item.role !== 'string' || !SPEAKER_ROLES.has(item.role)) return false;
    if (typeof item.content === 'string') return true;
    return Array.isArray(item.content) && item.content.every((part) => /^(input|output)_|^refusal$/.test(text(record(part)?.type) ?? ''));
  }
  if (type === undefined || !(RESPONSES_TOOL_ITEMS.has(type) || RESPONSES_OTHER_ITEMS.has(type))) return false;
  return type === 'mcp_call' || RESPONSES_OTHER_ITEMS.has(type) || typeof item.call_id === 'string';
}

function looksLikeEntry(value: unknown): boolean {
  const entry = record(value);
  return entry !== undefined && (looksLikeChatMessage(entry) || looksLikeResponsesItem(entry));
}

/** What a message's content says: its text and refusal parts; every other part is counted as dropped. */
function spokenText(content: unknown, dropped: DroppedCounts): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const said = content.flatMap((part) => {
    if (typeof part === 'string') return [part];
    const type = text(record(part)?.type) ?? 'unknown';
    const field = TEXT_PARTS[type];
    const partText = field === undefined ? undefined : text(record(part)?.[field]);
    if (partText === undefined) {
      countDropped(dropped, `${type}_part`);
      return [];
    }
    return [partText];
  });
  return said.length > 0 ? said.join(' ') : undefined;
}

/**
 * A tool's result as JSON text: a string as it is; one text part as its text; several text parts
 * joined when together they are one JSON payload (a result streamed in pieces), else the list of
 * their texts as JSON, so separate payloads are never glued into text that is no JSON at all.
 */
function resultText(content: unknown, dropped: DroppedCounts): string {
  if (!Array.isArray(content)) return jsonText(content);
  const texts = content.flatMap((part) => {
    if (typeof part === 'string') return [part];
    const type = text(record(part)?.type) ?? 'unknown';
    const partText = TEXT_PARTS[type] === 'text' ? text(record(part)?.text) : undefined;
    if (partText === undefined) countDropped(dropped, `${type}_part`);
    return partText === undefined ? [] : [partText];
  });
  if (texts.length <= 1) return texts[0] ?? '';
  const joined = texts.join('');
  return isJsonText(joined) ? joined : JSON.stringify(texts);
}

function isJsonText(value: string): boolean {
  try {
    JSON.parse(value);
    return true;
  } catch {
    return false;
  }
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

/** The id the legacy `function_call` at `path` and its `role: "function"` answer share. */
const legacyCallId = (path: string) => `function_call@${path}`;

/** The tool name of every call, by id (chat `tool_calls`, Responses calls), so each result can carry it. */
function toolNamesById(messages: readonly unknown[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const value of messages) {
    const message = record(value);
    for (const call of list(message?.tool_calls)) {
      const id = nonEmpty(record(call)?.id);
      const name = nonEmpty(record(record(call)?.function)?.name) ?? nonEmpty(record(record(call)?.custom)?.name);
      if (id !== undefined && name !== undefined) names.set(id, name);
    }
    if (message?.type === 'function_call' || message?.type === 'custom_tool_call') {
      const id = nonEmpty(message.call_id);
      const name = nonEmpty(message.name);
      if (id !== undefined && name !== undefined) names.set(id, name);
    }
  }
  return names;
}

/** Index of the last tool message of each tool_call_id: Pipecat's placeholders before it are superseded. */
function lastResultIndexById(messages: readonly unknown[]): Map<string, number> {
  const last = new Map<string, number>();
  messages.forEach((value, index) => {
    const message = record(value);
    const id = message?.role === 'tool' ? nonEmpty(message.tool_call_id) : undefined;
    if (id !== undefined) last.set(id, index);
  });
  return last;
}

/** Reads one list of chat messages and Responses items, in order, into the call's messages. */
class ChatListReader {
  readonly out: StackMessage[] = [];
  readonly dropped: DroppedCounts = {};
  private readonly toolNames: Map<string, string>;
  private readonly lastResult: Map<string, number>;
  /** Legacy function calls not answered yet, by name: the id each answer takes. */
  private readonly openLegacyCalls = new Map<string, string[]>();

  constructor(private readonly messages: readonly unknown[]) {
    this.toolNames = toolNamesById(messages);
    this.lastResult = lastResultIndexById(messages);
  }

  read(index: number, at: string): Refusal | undefined {
    // An entry Pipecat's conventions resolved into nothing (a marker-only reply, an async-tool placeholder).
    if (this.messages[index] === RESOLVED_AWAY) return undefined;
    const message = record(this.messages[index]);
    if (!message) return refusal(at, 'must be a chat message: an object with a role');
    const times = timesOf(message, at);
    if (!times.ok) return times;
    const type = text(message.type);
    if (type !== undefined && type !== 'message') return this.readResponsesItem(message, type, at, times);
    const role = text(message.role);
    if (role === undefined || !CHAT_ROLES.has(role)) {
      return refusal(`${at}.role`, `must be one of ${[...CHAT_ROLES].join(', ')} (a chat message), or the item a Responses API type`);
    }
    if (role === 'tool') return this.readToolMessage(message, index, at, times);
    if (role === 'function') return this.readFunctionMessage(message, at, times);
    return this.readSpokenMessage(message, role, at, times);
  }

  private push(message: StackMessage, times: { start?: StackTime; end?: StackTime }, withEnd = true): void {
    this.out.push({ ...message, ...(times.start ? { start: times.start } : {}), ...(withEnd && times.end ? { end: times.end } : {}) });
  }

  private readSpokenMessage(message: Json, role: string, at: string, times: { start?: StackTime; end?: StackTime }): Refusal | undefined {
    const speaker = role === 'assistant' ? 'bot' : role === 'user' ? 'user' : 'system';
    const parts = [spokenText(message.content, this.dropped), nonEmpty(message.refusal)].filter((part): part is string => part !== undefined && part !== '');
    const interrupted = speaker !== 'system' && typeof message.interrupted === 'boolean' ? { interrupted: message.interrupted } : {};
    if (parts.length > 0) this.push({ role: speaker, content: parts.join(' '), path: at, ...interrupted }, times);
    const calls = speaker === 'bot' ? this.readToolCalls(message, at, times) : [];
    if (!Array.isArray(calls)) return calls;
    const nothingElse = parts.length === 0 && calls.length === 0 && (!Array.isArray(message.content) || message.content.length === 0);
    // An assistant turn given only as `audio: { id }` was spoken, but its words are not in the log.
    if (nothingElse) countDropped(this.dropped, record(message.audio) ? 'audio_only_turn' : 'empty_message');
    return undefined;
  }

  /** The calls an assistant message made, in its turn: they take its start, not its end. */
  private readToolCalls(message: Json, at: string, times: { start?: StackTime }): StackMessage[] | Refusal {
    const made: StackMessage[] = [];
    for (const [callIndex, callValue] of list(message.tool_calls).entries()) {
      const callAt = `${at}.tool_calls[${callIndex}]`;
      const call = record(callValue);
      const id = nonEmpty(call?.id);
      if (id === undefined) return refusal(`${callAt}.id`, 'is required: a non-empty string (the tool call id)');
      const custom = call?.type === 'custom';
      const spec = record(custom ? call?.custom : call?.function);
      const name = nonEmpty(spec?.name);
      if (name === undefined) return refusal(`${callAt}.${custom ? 'custom' : 'function'}.name`, 'is required: the name of the tool called');
      const given = custom ? spec?.input : spec?.arguments;
      made.push({ role: 'function_call', content: '', data: { id, name, ...(given === undefined || given === null ? {} : { arguments: jsonText(given) }) } });
    }
    const legacy = record(message.function_call);
    if (legacy) {
      const name = nonEmpty(legacy.name);
      if (name === undefined) return refusal(`${at}.function_call.name`, 'is required: the name of the function called');
      const id = legacyCallId(at);
      this.openLegacyCalls.set(name, [...(this.openLegacyCalls.get(name) ?? []), id]);
      const args = legacy.arguments === undefined || legacy.arguments === null ? {} : { arguments: jsonText(legacy.arguments) };
      made.push({ role: 'function_call', content: '', data: { id, name, ...args } });
    }
    for (const call of made) this.push({ ...call, path: at }, times, false);
    return made;
  }

  private readToolMessage(message: Json, index: number, at: string, times: { start?: StackTime; end?: StackTime }): Refusal | undefined {
    const id = nonEmpty(message.tool_call_id);
    if (id === undefined) return refusal(`${at}.tool_call_id`, 'is required: the id of the tool call this message answers');
    if (message.content === IN_PROGRESS && (this.lastResult.get(id) ?? index) > index) {
      countDropped(this.dropped, 'in_progress_placeholder');
      return undefined;
    }
    const name = this.toolNames.get(id) ?? nonEmpty(message.name);
    if (name === undefined) return refusal(`${at}.tool_call_id`, 'matches no tool_calls[].id of an assistant message, and the message has no name');
    this.push({ role: 'function_call_result', content: '', path: at, data: { id, name, result: resultText(message.content, this.dropped) } }, times);
    return undefined;
  }

  /** The legacy answer to a `function_call`: it names the function, and answers the oldest open call of that name. */
  private readFunctionMessage(message: Json, at: string, times: { start?: StackTime; end?: StackTime }): Refusal | undefined {
    const name = nonEmpty(message.name);
    if (name === undefined) return refusal(`${at}.name`, 'is required: the name of the function whose result this is');
    const open = this.openLegacyCalls.get(name);
    const id = open?.shift() ?? legacyCallId(at);
    this.push({ role: 'function_call_result', content: '', path: at, data: { id, name, result: resultText(message.content, this.dropped) } }, times);
    return undefined;
  }

  private readResponsesItem(item: Json, type: string, at: string, times: { start?: StackTime; end?: StackTime }): Refusal | undefined {
    if (RESPONSES_OTHER_ITEMS.has(type)) {
      countDropped(this.dropped, type);
      return undefined;
    }
    if (type === 'mcp_call') {
      const id = nonEmpty(item.id);
      if (id === undefined) return refusal(`${at}.id`, 'is required: the id of the MCP tool call');
      const name = nonEmpty(item.name);
      if (name === undefined) return refusal(`${at}.name`, 'is required: the name of the MCP tool called');
      this.push({ role: 'function_call', content: '', path: at, data: { id, name, arguments: jsonText(item.arguments) || '{}' } }, times, false);
      const error = item.error ?? undefined;
      if (item.output !== undefined && item.output !== null) {
        this.push({ role: 'function_call_result', content: '', path: at, data: { id, name, result: jsonText(item.output) } }, times);
      } else if (error !== undefined) {
        this.push({ role: 'function_call_result', content: '', path: at, data: { id, name, result: jsonText(error) }, is_error: true }, times);
      }
      return undefined;
    }
    if (!RESPONSES_TOOL_ITEMS.has(type)) return refusal(`${at}.type`, `is not an item type this source reads: ${type}`);
    const callId = nonEmpty(item.call_id);
    if (callId === undefined) return refusal(`${at}.call_id`, 'is required: the id that pairs a tool call with its output');
    if (type === 'function_call' || type === 'custom_tool_call') {
      const name = nonEmpty(item.name);
      if (name === undefined) return refusal(`${at}.name`, 'is required: the name of the tool called');
      const given = type === 'custom_tool_call' ? item.input : item.arguments;
      this.push(
        {
          role: 'function_call',
          content: '',
          path: at,
          data: { id: callId, name, ...(given === undefined || given === null ? {} : { arguments: jsonText(given) }) },
        },
        times,
        false,
      );
      return undefined;
    }
    const name = this.toolNames.get(callId) ?? nonEmpty(item.name);
    if (name === undefined) return refusal(`${at}.call_id`, 'matches no function_call or custom_tool_call item, and the item has no name');
    this.push({ role: 'function_call_result', content: '', path: at, data: { id: callId, name, result: resultText(item.output, this.dropped) } }, times);
    return undefined;
  }
}

/**
 * Reads a list of OpenAI chat messages into the call's messages. `prefix` is the list's path
 * within the export (`''` for a bare array, `messages`, `context.messages`): refusals and each
 * message's `path` start with it (`messages[3].tool_calls[0].id`). Other readers of chat-shaped
 * logs (Pipecat's LLMContext) call this on the messages they keep.
 */
export function readChatMessageList(messages: readonly unknown[], prefix: string): TranscriptReading {
  const reader = new ChatListReader(messages);
  for (const index of messages.keys()) {
    const refused = reader.read(index, `${prefix}[${index}]`);
    if (refused) return refused;
  }
  return { ok: true, messages: reader.out, ...(Object.keys(reader.dropped).length > 0 ? { dropped: reader.dropped } : {}) };
}

function readChatMessages(transcript: unknown): TranscriptReading {
  const found = chatMessagesOf(transcript);
  if (!found) return refusal('', 'must be a list of chat messages ({ role, content }), or { messages: [...] }');
  return readChatMessageList(found.messages, found.prefix);
}

export const openaiChatFormat: StackFormat = {
  name: 'openai-chat',
  expects:
    'OpenAI chat messages (`{ role, content, tool_calls?, tool_call_id? }`) or Responses API input items (`{ type: "message" | "function_call" | "function_call_output", ... }`), an array or `{ messages }`',
  recognises(transcript) {
    const found = chatMessagesOf(transcript);
    return found !== undefined && found.messages.length > 0 && found.messages.every(looksLikeEntry);
  },
  // Pipecat's LLMContext is OpenAI chat with turn markers and async-tool messages: resolved first.
  read: (transcript) => withPipecatConventions(transcript, readChatMessages),
};

export const openaiChat = stackSource(openaiChatFormat);
