/**
 * LiveKit Agents' chat history, in every shape an app can export it at the end of a call:
 * - the session report: Python `ctx.make_session_report().to_dict()`, Node
 *   `sessionReportToJSON(report)`: `{ job_id, room_id, room, events, options, chat_history: { items } }`
 *   (a report stringified without sessionReportToJSON has `chatHistory` instead);
 * - its `chat_history` alone (`{ items }`), or the bare `items` list;
 * - Node's `ChatContext.toJSON()`: the same items in camelCase (`callId`, `args`, `isError`, `createdAt`).
 *
 * Field names are those of livekit/agents' Python models (`llm/chat_context.py`: ChatMessage,
 * FunctionCall, FunctionCallOutput, AgentHandoff, AgentConfigUpdate; `voice/report.py`:
 * SessionReport.to_dict; `voice/events.py`: the events' `created_at`) at commit
 * da6af86ac640a3bc54585764e64321d7048c1c16 (2026-08-22), and of @livekit/agents 1.9 (Node).
 *
 * Items are `message`, `function_call`, `function_call_output`; an `agent_handoff` becomes a
 * `system` note (`[agent handoff from a to b]`), so Cekura sees where the agent changed; other items
 * carry no speech (`agent_config_update`, ...) and are counted in `dropped` by type, as are
 * messages with no text and non-text content parts. An assistant message's text is LiveKit's own
 * `ChatMessage.text_content`: its string parts joined by lines, with LiveKit's expressive `<expr/>`
 * markup removed (the report keeps it, as the model wrote it). A message's turn is timed by
 * `metrics.started_speaking_at` / `stopped_speaking_at` when the session recorded them, else it
 * starts at `created_at` (when the item was committed, which for the caller is after the speech).
 * Instants are epoch seconds (Python, Node reports, metrics) or epoch milliseconds (Node's
 * ChatContext, older Node reports, Node events): told apart by size. The report's `events[]`
 * (their `created_at`, up to the session's `close`), its `started_at`, and the `created_at` of items
 * that are not messages bound the call too; the report's own `timestamp` (when the report was made,
 * possibly after the call) does not. An export without timestamps (`to_dict()` / `toJSON()`
 * default) keeps only the metrics' instants.
 */
import { type Json, jsonText, record, text } from '../read';
import { countDropped, type DroppedCounts } from '../source';
import { instantFrom, type StackFormat, type StackMessage, type StackTime, stackSource, type TranscriptReading } from './envelope';

type TextRole = 'user' | 'bot' | 'system';
const ROLES: Record<string, TextRole> = { assistant: 'bot', user: 'user', system: 'system', developer: 'system' };
const ROLE_NAMES = Object.keys(ROLES).join(', ');

const roleOf = (value: unknown): TextRole | undefined => (typeof value === 'string' && Object.hasOwn(ROLES, value) ? ROLES[value] : undefined);

/** LiveKit's item types are snake_case words; OpenAI Realtime's event types are dotted. */
const ITEM_TYPE = /^[a-z]+(?:_[a-z]+)*$/;
const CONVERSATION_TYPES = new Set(['message', 'function_call', 'function_call_output']);
/** Non-text parts of a message's content (ImageContent, AudioContent, Instructions). */
const CONTENT_PART_TYPES = new Set(['image_content', 'audio_content', 'instructions']);

type Refusal = { ok: false; path: string; message: string };
const refusal = (path: string, message: string): Refusal => ({ ok: false, path, message });
const isRefusal = (value: unknown): value is Refusal => typeof value === 'object' && value !== null && (value as { ok?: unknown }).ok === false;

const at = (prefix: string, key: string): string => (prefix === '' ? key : `${prefix}.${key}`);

const nonEmpty = (value: unknown): string | undefined => {
  const s = text(value);
  return s === undefined || s === '' ? undefined : s;
};

/** A field under its Python (report) name or its Node ChatContext name; the path names the key present. */
function field(item: Json, snake: string, camel: string): { key: string; value: unknown } {
  if (item[snake] !== undefined) return { key: snake, value: item[snake] };
  if (item[camel] !== undefined) return { key: camel, value: item[camel] };
  return { key: snake, value: undefined };
}

interface ItemList {
  items: unknown[];
  /** Where the list is in the transcript, for paths: '' for a bare list. */
  prefix: string;
  isReport: boolean;
}

function itemListOf(transcript: unknown): ItemList | undefined {
  if (Array.isArray(transcript)) return { items: transcript, prefix: '', isReport: false };
  const body = record(transcript);
  if (!body) return undefined;
  for (const key of ['chat_history', 'chatHistory']) {
    const history = record(body[key]);
    if (history && Array.isArray(history.items)) return { items: history.items, prefix: `${key}.items`, isReport: true };
  }
  return Array.isArray(body.items) ? { items: body.items, prefix: 'items', isReport: false } : undefined;
}

function looksLikeContentPart(part: unknown): boolean {
  if (typeof part === 'string') return true;
  const type = record(part)?.type;
  return typeof type === 'string' && CONTENT_PART_TYPES.has(type);
}

/**
 * A LiveKit chat item. Content parts must be LiveKit's own, so that OpenAI Realtime or Responses
 * items (`type: "message"` with `input_text` parts) are not taken for LiveKit's.
 */
function looksLikeItem(value: unknown): boolean {
  const item = record(value);
  if (!item || typeof item.type !== 'string' || !ITEM_TYPE.test(item.type)) return false;
  switch (item.type) {
    case 'message':
      return roleOf(item.role) !== undefined && Array.isArray(item.content) && item.content.every(looksLikeContentPart);
    case 'function_call':
      return typeof field(item, 'call_id', 'callId').value === 'string' && typeof item.name === 'string';
    case 'function_call_output':
      return typeof field(item, 'call_id', 'callId').value === 'string';
    default:
      return true;
  }
}

function recognisesLivekit(transcript: unknown): boolean {
  const found = itemListOf(transcript);
  if (!found) return false;
  // A report says what it is even when nobody spoke; a bare list must show a conversation item.
  if (found.items.length === 0) {
    const body = record(transcript);
    return found.isReport && body !== undefined && ['job_id', 'room_id', 'jobId', 'roomId'].some((key) => typeof body[key] === 'string');
  }
  return found.items.every(looksLikeItem) && found.items.some((item) => CONVERSATION_TYPES.has(String(record(item)?.type)));
}

const INSTANT_MESSAGE = 'must be an instant: epoch seconds or milliseconds';

function instantAt(item: Json, snake: string, camel: string, path: string): StackTime | Refusal | undefined {
  const { key, value } = field(item, snake, camel);
  if (value === undefined || value === null) return undefined;
  return instantFrom(value) ?? refusal(at(path, key), INSTANT_MESSAGE);
}

/** The turn's start and end: the speech's when recorded, else the item's creation as the start. */
function timesOf(item: Json, path: string): { start?: StackTime; end?: StackTime } | Refusal {
  const created = instantAt(item, 'created_at', 'createdAt', path);
  if (isRefusal(created)) return created;
  const metricsValue = item.metrics;
  if (metricsValue !== undefined && metricsValue !== null && !record(metricsValue)) return refusal(at(path, 'metrics'), 'must be an object');
  const metrics = record(metricsValue) ?? {};
  const started = instantAt(metrics, 'started_speaking_at', 'startedSpeakingAt', at(path, 'metrics'));
  if (isRefusal(started)) return started;
  const stopped = instantAt(metrics, 'stopped_speaking_at', 'stoppedSpeakingAt', at(path, 'metrics'));
  if (isRefusal(stopped)) return stopped;
  const start = started ?? created;
  return { ...(start ? { start } : {}), ...(stopped ? { end: stopped } : {}) };
}

// LiveKit's `strip_expr_markup` (livekit-agents tts/_provider_format.py `_split_expr`, with
// tts/markup_utils.py `LEADING_WS` / `_dedup_removal_space`): every `<expr ...>`, `<expr .../>` and
// `</expr>` tag is removed, the words a wrapping tag holds are kept, and the horizontal space before
// a removed tag goes with it when whitespace follows (so sentences keep one space between them).
const EXPR_OPEN = /(?<pre>[^\S\r\n]*)<expr\b[^>]*?\/?\s*>/g;
const EXPR_CLOSE = /(?<pre>[^\S\r\n]*)<\/expr\s*>/g;

function withoutTag(match: string, pre: string, offset: number, whole: string): string {
  if (pre === '') return '';
  const next = whole.charAt(offset + match.length);
  return next !== '' && /\s/.test(next) ? '' : pre;
}

/** An assistant message's text as LiveKit's `text_content` gives it: without `<expr/>` markup. */
export function stripExprMarkup(value: string): string {
  if (!value.includes('<expr') && !value.includes('</expr')) return value;
  return value.replace(EXPR_OPEN, withoutTag).replace(EXPR_CLOSE, withoutTag);
}

/**
 * The text parts joined by lines (as LiveKit's `text_content` does); undefined when there are none.
 * Non-text parts (images, audio frames) are counted in `dropped` by their type.
 */
function textOf(item: Json, path: string, dropped: DroppedCounts): string | undefined | Refusal {
  const content = item.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return refusal(at(path, 'content'), 'must be a list of text parts');
  const parts: string[] = [];
  for (const [index, part] of content.entries()) {
    if (typeof part === 'string') {
      parts.push(part);
      continue;
    }
    const object = record(part);
    if (!object) return refusal(`${at(path, 'content')}[${index}]`, 'must be text or a content object');
    // Instructions: the audio variant is what a voice session gives the model.
    if (object.type === 'instructions') {
      const instructions = text(object.audio) ?? text(object.text);
      if (instructions !== undefined) parts.push(instructions);
      continue;
    }
    // Images and audio frames carry no words.
    countDropped(dropped, typeof object.type === 'string' ? object.type : 'content_part');
  }
  return parts.length > 0 ? parts.join('\n') : undefined;
}

function flag(item: Json, snake: string, camel: string, path: string): boolean | Refusal {
  const { key, value } = field(item, snake, camel);
  if (value === undefined || value === null) return false;
  return typeof value === 'boolean' ? value : refusal(at(path, key), 'must be true or false');
}

function readMessage(item: Json, path: string, dropped: DroppedCounts): StackMessage | undefined | Refusal {
  const role = roleOf(item.role);
  if (role === undefined) return refusal(at(path, 'role'), `must be one of ${ROLE_NAMES}`);
  const raw = textOf(item, path, dropped);
  if (isRefusal(raw)) return raw;
  const words = raw !== undefined && item.role === 'assistant' ? stripExprMarkup(raw) : raw;
  // Nothing said (an image alone, a turn cut off before any word, markup alone): counted, not kept.
  if (words === undefined || words.trim() === '') {
    countDropped(dropped, 'message_without_text');
    return undefined;
  }
  const interrupted = flag(item, 'interrupted', 'interrupted', path);
  if (isRefusal(interrupted)) return interrupted;
  const times = timesOf(item, path);
  if (isRefusal(times)) return times;
  return { role, content: words, ...(interrupted ? { interrupted: true } : {}), ...times };
}

function readFunctionCall(item: Json, path: string): StackMessage | Refusal {
  const callId = field(item, 'call_id', 'callId');
  const id = nonEmpty(callId.value);
  if (id === undefined) return refusal(at(path, callId.key), 'is required: the id pairing the call with its output');
  const name = nonEmpty(item.name);
  if (name === undefined) return refusal(at(path, 'name'), 'is required: the name of the tool called');
  const args = field(item, 'arguments', 'args').value;
  const times = timesOf(item, path);
  if (isRefusal(times)) return times;
  return { role: 'function_call', content: '', data: { id, name, ...(args === undefined || args === null ? {} : { arguments: jsonText(args) }) }, ...times };
}

function readFunctionOutput(item: Json, path: string, callNames: Map<string, string>): StackMessage | Refusal {
  const callId = field(item, 'call_id', 'callId');
  const id = nonEmpty(callId.value);
  if (id === undefined) return refusal(at(path, callId.key), 'is required: the id of the function_call this output answers');
  // Node's FunctionCallOutput defaults its name to "": the call's own name is the one to trust.
  const name = callNames.get(id) ?? nonEmpty(item.name);
  if (name === undefined) return refusal(at(path, 'name'), 'is required: no function_call in the transcript has this call_id');
  const failed = flag(item, 'is_error', 'isError', path);
  if (isRefusal(failed)) return failed;
  const times = timesOf(item, path);
  if (isRefusal(times)) return times;
  return { role: 'function_call_result', content: '', data: { id, name, result: jsonText(item.output) }, ...(failed ? { is_error: true } : {}), ...times };
}

/** A handoff between agents (AgentHandoff: `old_agent_id` may be null), as a system note Cekura can read. */
function readHandoff(item: Json, path: string): StackMessage | Refusal {
  const next = nonEmpty(field(item, 'new_agent_id', 'newAgentId').value);
  const previous = nonEmpty(field(item, 'old_agent_id', 'oldAgentId').value);
  const created = instantAt(item, 'created_at', 'createdAt', path);
  if (isRefusal(created)) return created;
  const content =
    next === undefined ? '[agent handoff]' : previous === undefined ? `[agent handoff to ${next}]` : `[agent handoff from ${previous} to ${next}]`;
  return { role: 'system', content, ...(created ? { start: created } : {}) };
}

/**
 * The report's events' instants (up to `close`) and its session start: bounds of the call. A
 * `user_transcription_timeout` event is a caller turn whose speech got no transcript: counted.
 */
function reportInstants(transcript: unknown, dropped: DroppedCounts): number[] | Refusal {
  const report = record(transcript);
  if (!report) return [];
  const instants: number[] = [];
  const started = instantAt(report, 'started_at', 'startedAt', '');
  if (isRefusal(started)) return started;
  if (started && 'epochMs' in started) instants.push(started.epochMs);
  for (const [index, value] of (Array.isArray(report.events) ? report.events : []).entries()) {
    const event = record(value);
    if (!event) continue;
    const created = instantAt(event, 'created_at', 'createdAt', `events[${index}]`);
    if (isRefusal(created)) return created;
    if (created && 'epochMs' in created) instants.push(created.epochMs);
    if (event.type === 'user_transcription_timeout') countDropped(dropped, 'untranscribed_user_turn');
  }
  return instants;
}

function callNamesById(items: unknown[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const value of items) {
    const item = record(value);
    if (item?.type !== 'function_call') continue;
    const id = nonEmpty(field(item, 'call_id', 'callId').value);
    const name = nonEmpty(item.name);
    if (id !== undefined && name !== undefined && !names.has(id)) names.set(id, name);
  }
  return names;
}

function readLivekit(transcript: unknown): TranscriptReading {
  const found = itemListOf(transcript);
  if (!found) return refusal('', 'must be a LiveKit session report, its chat_history ({ items: [...] }), the items list, or a ChatContext JSON');
  const callNames = callNamesById(found.items);
  const messages: StackMessage[] = [];
  const dropped: DroppedCounts = {};
  const instants = found.isReport ? reportInstants(transcript, dropped) : [];
  if (isRefusal(instants)) return instants;
  for (const [index, value] of found.items.entries()) {
    const path = `${found.prefix}[${index}]`;
    const item = record(value);
    if (!item) return refusal(path, 'must be a chat item object');
    if (typeof item.type !== 'string') return refusal(at(path, 'type'), 'is required: message, function_call, function_call_output, ...');
    let message: StackMessage | undefined | Refusal;
    if (item.type === 'message') message = readMessage(item, path, dropped);
    else if (item.type === 'function_call') message = readFunctionCall(item, path);
    else if (item.type === 'function_call_output') message = readFunctionOutput(item, path, callNames);
    else if (item.type === 'agent_handoff') message = readHandoff(item, path);
    else {
      // agent_config_update, ...: no speech, but when it happened is an instant of the call.
      const created = instantAt(item, 'created_at', 'createdAt', path);
      if (isRefusal(created)) return created;
      if (created && 'epochMs' in created) instants.push(created.epochMs);
      countDropped(dropped, item.type);
      continue;
    }
    if (isRefusal(message)) return message;
    if (message) messages.push(message);
  }
  return { ok: true, messages, instants, dropped };
}

export const livekitFormat: StackFormat = {
  name: 'livekit',
  expects: 'a session report (`chat_history.items`), a ChatContext JSON (`items`) or its items: `message`, `function_call` and `function_call_output` items',
  recognises: recognisesLivekit,
  read: readLivekit,
};

export const livekit = stackSource(livekitFormat);
