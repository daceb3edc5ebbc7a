/**
 * Pipecat (pipecat-ai/pipecat 1.x). Two exports, both as Pipecat writes them:
 *
 * 1. The conversation of `LLMContext.get_messages()`: OpenAI chat messages with Pipecat's own
 *    conventions, read by the openai-chat reader once the conventions are resolved
 *    (`withPipecatConventions`, which openai-chat applies too, so a context sent as
 *    `?source=openai-chat` is read the same way):
 *    - turn-completion markers (turns/user_turn_completion_mixin.py): a spoken reply is written
 *      `"✓ <reply>"`; a reply of only `"○"` or `"◐"` was never spoken (the user was not done).
 *      Markers are removed as Pipecat's own transcript does (`_maybe_strip_turn_completion_markers`);
 *      a marker-only message is counted as `turn_marker`.
 *    - async tools (processors/aggregators/async_tool_messages.py, functions registered with
 *      `cancel_on_interruption=False`): the `tool` message holds `{"type":"async_tool","status":"running",...}`
 *      (no result) and the result arrives later as a `developer` message
 *      `{"type":"async_tool","status":"finished","tool_call_id":...,"result":"<json>"}` (a
 *      cancelled task settles the same way with a `CANCELLED: ...` result). The finished result is
 *      the tool's result, stored where it arrived; the placeholder is not a result, and no
 *      async-tool JSON becomes a system message. Partial results (`running` with a `result`) are
 *      counted as `async_tool_partial_result`; a task that never finished as `async_tool_unfinished`.
 *    - `LLMSpecificMessage`s dumped with `dataclasses.asdict` (`{ llm, message }`: a Gemini thought,
 *      a provider's own message) are counted as `llm_specific_message`.
 *    Synchronous tools (`IN_PROGRESS` rewritten in place to the JSON result, `COMPLETED` or
 *    `CANCELLED`) are plain chat messages: the openai-chat reader's rules apply.
 * 2. The turn events an app logs from the aggregators' handlers (processors/aggregators/
 *    llm_response_universal.py), each named by its class in `type`:
 *    `UserTurnStoppedMessage { content, timestamp, user_id }` (`content` is None in realtime mode),
 *    `UserTurnMessageAddedMessage { content, timestamp, user_id }`, `AssistantTurnStoppedMessage
 *    { content, interrupted, timestamp }`, `AssistantThoughtMessage { content, timestamp }`, and the
 *    older `TranscriptionMessage { role, content, timestamp }`. `timestamp` is the turn's start
 *    (ISO 8601, `+00:00`, milliseconds); the app's stamp (`received_at`, read by event-log.ts) is
 *    when the turn stopped, its end.
 */
import { type Json, record, text } from '../read';
import { countDropped, type DroppedCounts } from '../source';
import { instantFrom, type StackFormat, type StackMessage, type StackTime, stackSource, type TranscriptReading } from './envelope';
import { logEntries, readEventLog } from './event-log';
import { openaiChatFormat } from './openai-chat';

/** turns/user_turn_completion_mixin.py: USER_TURN_COMPLETE_MARKER, _INCOMPLETE_SHORT_, _INCOMPLETE_LONG_. */
const TURN_MARKERS = ['✓', '○', '◐'] as const;
/** async_tool_messages.py `_PAYLOAD_TYPE`, `_STATUS_RUNNING`, `_STATUS_FINISHED`. */
const ASYNC_TOOL = 'async_tool';

type Refusal = { ok: false; path: string; message: string };

// ---------------------------------------------------------------------------------------------
// The LLM context's conventions

interface AsyncToolPayload {
  toolCallId: string;
  status: 'running' | 'finished';
  result: string | undefined;
}

/** async_tool_messages.parse_message: the payload of a `tool` or `developer` message, else undefined. */
function asyncToolPayload(message: Json): AsyncToolPayload | undefined {
  if (message.role !== 'tool' && message.role !== 'developer') return undefined;
  if (typeof message.content !== 'string' || !message.content.includes(ASYNC_TOOL)) return undefined;
  let payload: Json | undefined;
  try {
    payload = record(JSON.parse(message.content));
  } catch {
    return undefined;
  }
  const toolCallId = text(payload?.tool_call_id);
  const status = payload?.status;
  if (payload?.type !== ASYNC_TOOL || toolCallId === undefined || (status !== 'running' && status !== 'finished')) return undefined;
  return { toolCallId, status, result: text(payload.result) };
}

/** `{ llm, message }`: an LLMSpecificMessage as `dataclasses.asdict` writes it. */
const isLlmSpecific = (message: Json): boolean => typeof message.llm === 'string' && 'message' in message && !('role' in message);

/** The text of a string content or of its text parts, for finding markers. */
function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const parts = content.map((part) => text(record(part)?.text)).filter((part) => part !== undefined);
  return parts.length > 0 ? parts.join('') : undefined;
}

const hasMarker = (said: string): boolean => TURN_MARKERS.some((marker) => said.includes(marker));
/** Pipecat's model writes its marker first; a check mark elsewhere in a plain chat reply is text. */
const startsWithMarker = (said: string): boolean => TURN_MARKERS.some((marker) => said.trimStart().startsWith(marker));

/** `_maybe_strip_turn_completion_markers`: every marker removed, and whitespace trimmed only when one was. */
function stripMarkers(said: string): string {
  if (!hasMarker(said)) return said;
  let stripped = said;
  for (const marker of TURN_MARKERS) stripped = stripped.split(marker).join('');
  return stripped.trim();
}

/** A content (string or text parts) with the markers stripped; parts left empty are removed. */
function withoutMarkers(content: unknown): unknown {
  if (typeof content === 'string') return stripMarkers(content);
  if (!Array.isArray(content)) return content;
  return content.flatMap((part) => {
    const partText = text(record(part)?.text);
    if (partText === undefined || !hasMarker(partText)) return [part];
    const stripped = stripMarkers(partText);
    return stripped === '' ? [] : [{ ...record(part), text: stripped }];
  });
}

/** Whether a chat list shows one of Pipecat's own conventions (what tells a Pipecat context from plain OpenAI chat). */
function showsPipecatConventions(messages: unknown[]): boolean {
  return messages.some((value) => {
    const message = record(value);
    if (!message) return false;
    if (isLlmSpecific(message) || asyncToolPayload(message) !== undefined) return true;
    const said = message.role === 'assistant' ? contentText(message.content) : undefined;
    return said !== undefined && startsWithMarker(said);
  });
}

/**
 * Pipecat's conventions resolved into plain chat messages, index for index (what is not a message
 * becomes RESOLVED_AWAY, so paths into the export stay right): markers stripped, marker-only replies and
 * async-tool placeholders removed, each finished async result turned into the `tool` message of
 * its call where it arrived. Plain chat lists come back unchanged.
 */
/** Stands where a Pipecat entry that is not a chat message was: the chat reader skips it. */
export const RESOLVED_AWAY: unique symbol = Symbol('resolved away by Pipecat conventions');

export function resolvePipecatConventions(messages: unknown[]): { messages: unknown[]; dropped: DroppedCounts } {
  const dropped: DroppedCounts = {};
  const finished = new Set<string>();
  for (const value of messages) {
    const message = record(value);
    const payload = message ? asyncToolPayload(message) : undefined;
    if (payload?.status === 'finished') finished.add(payload.toolCallId);
  }
  const resolved = messages.map((value): unknown => {
    const message = record(value);
    if (!message) return value;
    if (isLlmSpecific(message)) {
      countDropped(dropped, 'llm_specific_message');
      return RESOLVED_AWAY;
    }
    const payload = asyncToolPayload(message);
    if (payload) {
      if (payload.status === 'finished') return { role: 'tool', tool_call_id: payload.toolCallId, content: payload.result ?? '' };
      if (payload.result !== undefined) countDropped(dropped, 'async_tool_partial_result');
      else if (!finished.has(payload.toolCallId)) countDropped(dropped, 'async_tool_unfinished');
      return RESOLVED_AWAY;
    }
    if (message.role !== 'assistant') return value;
    const said = contentText(message.content);
    if (said === undefined || !startsWithMarker(said)) return value;
    const content = withoutMarkers(message.content);
    const left = contentText(content) ?? '';
    if (left === '' && !('tool_calls' in message && Array.isArray(message.tool_calls) && message.tool_calls.length > 0)) {
      countDropped(dropped, 'turn_marker');
      return RESOLVED_AWAY;
    }
    return { ...message, content };
  });
  return { messages: resolved, dropped };
}

/**
 * A chat reader with Pipecat's conventions resolved first (see resolvePipecatConventions); what
 * they leave out is added to the reading's `dropped`. openai-chat reads through this.
 */
export function withPipecatConventions(transcript: unknown, readChat: (transcript: unknown) => TranscriptReading): TranscriptReading {
  const body = record(transcript);
  const messages = Array.isArray(transcript) ? transcript : Array.isArray(body?.messages) ? (body.messages as unknown[]) : undefined;
  if (!messages) return readChat(transcript);
  const resolved = resolvePipecatConventions(messages);
  const reading = readChat(Array.isArray(transcript) ? resolved.messages : { ...body, messages: resolved.messages });
  if (!reading.ok || Object.keys(resolved.dropped).length === 0) return reading;
  const dropped = { ...reading.dropped };
  for (const [kind, count] of Object.entries(resolved.dropped)) countDropped(dropped, kind, count);
  return { ...reading, dropped };
}

function recognisesContext(transcript: unknown): boolean {
  const body = record(transcript);
  const messages = Array.isArray(transcript) ? transcript : Array.isArray(body?.messages) ? (body.messages as unknown[]) : undefined;
  if (!messages || !showsPipecatConventions(messages)) return false;
  const standard = messages.filter((value) => !isLlmSpecific(record(value) ?? {}));
  return standard.length > 0 && openaiChatFormat.recognises(Array.isArray(transcript) ? standard : { ...body, messages: standard });
}

// ---------------------------------------------------------------------------------------------
// Logged turn events

const USER_TURN_STOPPED = 'UserTurnStoppedMessage';
const USER_TURN_MESSAGE_ADDED = 'UserTurnMessageAddedMessage';
const ASSISTANT_TURN_STOPPED = 'AssistantTurnStoppedMessage';
const ASSISTANT_THOUGHT = 'AssistantThoughtMessage';
const TRANSCRIPTION = 'TranscriptionMessage';
const TURN_EVENTS = new Set([USER_TURN_STOPPED, USER_TURN_MESSAGE_ADDED, ASSISTANT_TURN_STOPPED, ASSISTANT_THOUGHT, TRANSCRIPTION]);

const TURN_EVENT_WHAT = 'a Pipecat turn event named in `type` (UserTurnStoppedMessage, AssistantTurnStoppedMessage, ...)';

function turnEventTypes(transcript: unknown): unknown[] | undefined {
  const found = logEntries(transcript);
  if (!found || found.entries.length === 0) return undefined;
  return found.entries.map((entry) => {
    const flat = record(entry);
    return flat?.type ?? record(flat?.event)?.type ?? record(flat?.message)?.type ?? record(flat?.data)?.type;
  });
}

function recognisesTurnEvents(transcript: unknown): boolean {
  const types = turnEventTypes(transcript);
  return types?.every((type) => typeof type === 'string' && TURN_EVENTS.has(type)) === true;
}

/** A caller's turn, as one or both of its events give it (they share the turn's start). */
interface UserTurn {
  message: StackMessage;
  /** The stop event's stamp is the turn's end; an added-to-context stamp stands in without it. */
  endFromStop: boolean;
}

function turnStart(event: Json, path: string): { ok: true; start?: StackTime } | Refusal {
  const value = event.timestamp;
  if (value === undefined || value === null) return { ok: true };
  const start = typeof value === 'string' ? instantFrom(value) : undefined;
  if (!start) return { ok: false, path: `${path}.timestamp`, message: "must be the turn's start: ISO 8601 with a time zone, as Pipecat writes it" };
  return { ok: true, start };
}

function readTurnEvents(transcript: unknown): TranscriptReading {
  const log = readEventLog(transcript, { what: TURN_EVENT_WHAT });
  if (!log.ok) return log;
  const messages: StackMessage[] = [];
  const dropped: DroppedCounts = {};
  const userTurns = new Map<string, UserTurn>();

  for (const { event, path, at } of log.events) {
    const type = text(event.type);
    if (type === undefined || !TURN_EVENTS.has(type)) return { ok: false, path: `${path}.type`, message: `must name ${TURN_EVENT_WHAT}` };
    const started = turnStart(event, path);
    if (!started.ok) return started;
    const { start } = started;
    const end: StackTime | undefined = at === undefined ? undefined : { epochMs: at };
    const timed = { ...(start ? { start } : {}), ...(end ? { end } : {}), path };
    const content = event.content;
    if (content !== undefined && content !== null && typeof content !== 'string') {
      return { ok: false, path: `${path}.content`, message: "must be the turn's text (a string)" };
    }
    const said = typeof content === 'string' ? content.trim() : '';
    const role = type === TRANSCRIPTION ? text(event.role) : undefined;

    if (type === ASSISTANT_THOUGHT) {
      countDropped(dropped, 'assistant_thought');
    } else if (type === ASSISTANT_TURN_STOPPED || role === 'assistant') {
      // Pipecat strips the markers from this event; older apps logged them with the text.
      const spoken = stripMarkers(said);
      if (spoken === '') countDropped(dropped, 'empty_assistant_turn');
      else messages.push({ role: 'bot', content: spoken, ...timed, ...(event.interrupted === true ? { interrupted: true } : {}) });
    } else if (type === TRANSCRIPTION && role !== 'user') {
      return { ok: false, path: `${path}.role`, message: 'must be "user" or "assistant"' };
    } else {
      // The stop event and the added-to-context event of one caller turn share its start: one message.
      const key = typeof event.timestamp === 'string' ? event.timestamp : undefined;
      const known = key === undefined ? undefined : userTurns.get(key);
      if (known) {
        if (said !== '') known.message.content = said;
        if (type === USER_TURN_STOPPED && end) {
          known.message.end = end;
          known.endFromStop = true;
        } else if (!known.endFromStop && end) known.message.end = end;
        continue;
      }
      const message: StackMessage = { role: 'user', content: said, ...timed };
      messages.push(message);
      if (key !== undefined) userTurns.set(key, { message, endFromStop: type === USER_TURN_STOPPED });
    }
  }

  const spoken = messages.filter((message) => {
    if (message.role !== 'user' || message.content !== '') return true;
    countDropped(dropped, 'user_turn_without_text');
    return false;
  });
  // Turn events are logged when a turn stops; the conversation's order is the order turns started.
  const ordered = spoken.every((message) => message.start !== undefined) ? [...spoken].sort((a, b) => startMs(a) - startMs(b)) : spoken;
  return { ok: true, messages: ordered, ...(Object.keys(dropped).length > 0 ? { dropped } : {}) };
}

const startMs = (message: StackMessage): number => (message.start && 'epochMs' in message.start ? message.start.epochMs : 0);

// ---------------------------------------------------------------------------------------------

export const pipecatFormat: StackFormat = {
  name: 'pipecat',
  expects:
    'Pipecat\'s `LLMContext.get_messages()` (OpenAI chat messages, with turn markers and async-tool messages), an array or `{ messages }`, or its logged turn events (`{ type: "UserTurnStoppedMessage" | "AssistantTurnStoppedMessage" | ..., content, timestamp }`), an array or `{ events }`',
  recognises: (transcript) => recognisesTurnEvents(transcript) || recognisesContext(transcript),
  read(transcript) {
    const types = turnEventTypes(transcript);
    const isTurnLog = types?.some((type) => typeof type === 'string' && TURN_EVENTS.has(type)) === true;
    // openai-chat's reader resolves Pipecat's conventions itself (withPipecatConventions).
    return isTurnLog ? readTurnEvents(transcript) : openaiChatFormat.read(transcript);
  },
};

export const pipecat = stackSource(pipecatFormat);
