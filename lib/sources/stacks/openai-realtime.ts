/**
 * OpenAI Realtime API: the API has no transcript export, so an app logs the session's events (server
 * events, and the client events it sent) and posts them: an array, or `{ events: [...] }`, read by
 * the shared event-log reader (event-log.ts). Each event may carry the app's receipt time
 * `received_at` (or `sent_at` for what it sent), ISO or epoch, beside its fields or as a wrapper
 * (`{ received_at, event }`). `input_audio_buffer.dtmf_event_received` has a `received_at` of its
 * own, the server's clock in epoch seconds: it is never taken for the app's stamp (only a wrapper's
 * stamp times that event). GA and beta event names are both read.
 *
 * - caller turns: `conversation.item.input_audio_transcription.completed` (or its deltas when no
 *   completed one exists) matched to the item by `item_id`, placed by the audio of
 *   `input_audio_buffer.speech_started/stopped` (`audio_start_ms`/`audio_end_ms` from the start of
 *   the session's audio), never by when the transcription arrived (often after the agent's reply);
 * - agent turns and function calls: `response.done` outputs. An agent turn is timed by its playback
 *   (`output_audio_buffer.started` / `stopped`, WebRTC and SIP sessions) when the log has it, else by
 *   its generation (`response.created` / `response.done`); a cancelled response, a truncated item or
 *   a playback cleared before its end was interrupted;
 * - MCP tool calls (`mcp_call` items): a call with its arguments and its output (or error);
 * - DTMF key presses (`input_audio_buffer.dtmf_event_received`): the caller's `[DTMF 5]`;
 * - a caller turn whose transcription failed
 *   (`conversation.item.input_audio_transcription.failed`) is kept, its content
 *   `[transcription failed]`: the caller spoke, the words are lost;
 * - tool results: the client's `conversation.item.create` of a `function_call_output` (or the
 *   server's echo of it), paired with its call by `call_id`;
 * - text the client put in the conversation (`conversation.item.create` of a message).
 *
 * With receipt times, audio times are placed on the same clock from the session's start
 * (`session.created`'s receipt, else the earliest); without any, they stay seconds from the start.
 * Every stamped event bounds the call (its default startedAt / endedAt), not only the messages'.
 *
 * Counted in `dropped`, never left out silently: turns with no words at all (`audio_only_turn`:
 * audio never transcribed, a response cancelled before it said anything), function calls cut off
 * with their response (`cancelled_function_call`), and items that carry no conversation, by type
 * (`mcp_list_tools`, `mcp_approval_request`, ...). Events that carry no conversation (audio deltas,
 * rate limits, session updates) are not items and are not counted.
 */
import { finite, type Json, jsonText, list, record, text } from '../read';
import { countDropped, type DroppedCounts } from '../source';
import { type StackFormat, type StackMessage, type StackTime, stackSource, type TranscriptReading } from './envelope';
import { type LoggedEvent, logEntries, readEventLog } from './event-log';

const SESSION_CREATED = 'session.created';
const SPEECH_STARTED = 'input_audio_buffer.speech_started';
const SPEECH_STOPPED = 'input_audio_buffer.speech_stopped';
const INPUT_TRANSCRIPTION_COMPLETED = 'conversation.item.input_audio_transcription.completed';
const INPUT_TRANSCRIPTION_DELTA = 'conversation.item.input_audio_transcription.delta';
const INPUT_TRANSCRIPTION_FAILED = 'conversation.item.input_audio_transcription.failed';
const DTMF_RECEIVED = 'input_audio_buffer.dtmf_event_received';
const PLAYBACK_STARTED = 'output_audio_buffer.started';
const PLAYBACK_STOPPED = 'output_audio_buffer.stopped';
const PLAYBACK_CLEARED = 'output_audio_buffer.cleared';
const MCP_ARGUMENTS_DONE = 'response.mcp_call_arguments.done';
const MCP_CALL_ENDED = new Set(['response.mcp_call.completed', 'response.mcp_call.failed']);
/** The server's view of a conversation item (GA `added`/`done`/`retrieved`, beta `created`). */
const SERVER_ITEM_EVENTS = new Set(['conversation.item.added', 'conversation.item.created', 'conversation.item.done', 'conversation.item.retrieved']);
const CLIENT_ITEM_CREATE = 'conversation.item.create';
const ITEM_TRUNCATED = 'conversation.item.truncated';
const RESPONSE_CREATED = 'response.created';
const RESPONSE_DONE = 'response.done';
const OUTPUT_ITEM_ADDED = 'response.output_item.added';
const OUTPUT_ITEM_DONE = 'response.output_item.done';
const ARGUMENTS_DONE = 'response.function_call_arguments.done';
/** GA and beta names of the finished transcript / text of one output part. */
const OUTPUT_TEXT_DONE = new Set([
  'response.output_audio_transcript.done',
  'response.audio_transcript.done',
  'response.output_text.done',
  'response.text.done',
]);

/** Event names that carry the conversation: a log holding none of them is not a Realtime session's. */
const CONVERSATION_EVENTS = new Set([
  SPEECH_STARTED,
  SPEECH_STOPPED,
  INPUT_TRANSCRIPTION_COMPLETED,
  INPUT_TRANSCRIPTION_DELTA,
  INPUT_TRANSCRIPTION_FAILED,
  DTMF_RECEIVED,
  PLAYBACK_STARTED,
  PLAYBACK_STOPPED,
  PLAYBACK_CLEARED,
  MCP_ARGUMENTS_DONE,
  ...MCP_CALL_ENDED,
  ...SERVER_ITEM_EVENTS,
  CLIENT_ITEM_CREATE,
  ITEM_TRUNCATED,
  RESPONSE_CREATED,
  RESPONSE_DONE,
  OUTPUT_ITEM_DONE,
  ...OUTPUT_TEXT_DONE,
]);

/** Reasons a `response.done` gives for a response cut short by the caller or the app. */
const INTERRUPTION_REASONS = new Set(['turn_detected', 'client_cancelled']);

/** What a caller turn whose transcription failed says: the caller spoke, the words are lost. */
export const TRANSCRIPTION_FAILED_TEXT = '[transcription failed]';

/** Items that carry no conversation: counted as dropped, by type. */
const NON_CONVERSATION_ITEMS = new Set(['mcp_list_tools', 'mcp_approval_request', 'mcp_approval_response']);

type TextRole = 'user' | 'bot' | 'system';
const ROLES: Record<string, TextRole> = { user: 'user', assistant: 'bot', system: 'system', developer: 'system' };

/** Thrown while reading to stop at the first part of the log that cannot be read; caught in `read`. */
class Unreadable {
  constructor(
    readonly path: string,
    readonly message: string,
  ) {}
}

/** What the log says about one conversation item (or one tool result), gathered over all events. */
interface ItemNotes {
  role?: TextRole;
  /** Finished transcriptions of the caller's audio, by content_index. */
  transcripts: Map<number, string>;
  transcriptDeltas: string[];
  transcriptionFailed: boolean;
  /** A DTMF key press: the key. */
  dtmf?: string;
  audioStartMs?: number;
  audioEndMs?: number;
  speechStartedAt?: number;
  speechStoppedAt?: number;
  /** Text the item itself carries (typed text, a transcript already filled in). */
  itemText?: string;
  /** Receipt (or sending) time of the first event that showed the item. */
  itemAt?: number;
  responseId?: string;
  responseText?: string;
  outputDoneText?: string;
  outputAddedAt?: number;
  outputDoneAt?: number;
  argumentsDoneAt?: number;
  truncated: boolean;
  call?: { callId: string; name: string; arguments: unknown; incomplete: boolean };
  result?: { callId: string; output: unknown; at?: number; path: string };
  /** An MCP tool call, run by the server: its call and its outcome in one item. */
  mcp?: { name: string; arguments: unknown; output?: unknown; error?: unknown; endedAt?: number };
  mcpId?: string;
  /** Content parts that are neither text nor speech (`input_image`), by index: counted as dropped. */
  otherParts: Map<number, string>;
}

interface ResponseNotes {
  createdAt?: number;
  doneAt?: number;
  cancelled: boolean;
  /** Playback of the response's audio to the caller (WebRTC / SIP). */
  playbackStartedAt?: number;
  playbackStoppedAt?: number;
  playbackClearedAt?: number;
}

type ItemOrigin = 'server-item' | 'client-create' | 'output-added' | 'output-done' | 'response-done';

/** `error` is the one server event whose name has no dot. */
const isEventName = (type: unknown): type is string => typeof type === 'string' && (type.includes('.') || type === 'error');

const EVENT_LOG = { what: 'a Realtime API event', vendorStamp: (event: Json) => event.type === DTMF_RECEIVED };

function recognises(transcript: unknown): boolean {
  const reading = readEventLog(transcript, EVENT_LOG);
  // A stamp that is no instant is this format's to refuse by path: the entries as they are decide.
  const events = reading.ok ? reading.events.map((logged) => logged.event) : (logEntries(transcript)?.entries ?? []);
  if (events.length === 0) return false;
  const types = events.map((event) => record(event)?.type);
  return types.every(isEventName) && types.some((type) => CONVERSATION_EVENTS.has(type as string));
}

/** The text of an item's content parts: typed text, or the transcript of audio when it has one. */
/** Content parts that hold what was said: typed text, or speech (with its transcript when it has one). */
const SPOKEN_PARTS = new Set(['input_text', 'text', 'output_text', 'input_audio', 'audio', 'output_audio']);

function contentText(content: unknown): string | undefined {
  const parts = list(content).flatMap((value) => {
    const part = record(value);
    if (!part) return [];
    const type = text(part.type) ?? '';
    const said = type === 'input_audio' || type === 'audio' || type === 'output_audio' ? text(part.transcript) : text(part.text);
    const trimmed = said?.trim();
    return trimmed ? [trimmed] : [];
  });
  return parts.length > 0 ? parts.join(' ') : undefined;
}

function isCancelled(response: Json): boolean {
  const details = record(response.status_details);
  return response.status === 'cancelled' || INTERRUPTION_REASONS.has(text(details?.reason) ?? '');
}

class SessionLog {
  /** Insertion order is the order the conversation showed each item in. */
  readonly items = new Map<string, ItemNotes>();
  readonly responses = new Map<string, ResponseNotes>();
  /** Keys of call items by call_id, to pair results with their call. */
  readonly callKeys = new Map<string, string>();
  earliestAt: number | undefined;
  sessionCreatedAt: number | undefined;
  /** Every stamped event's instant: the bounds of the call. */
  readonly instants: number[] = [];
  readonly dropped: DroppedCounts = {};
  /** Client-created messages without an id, waiting for the server's echo (which has one). */
  private readonly unechoed: { key: string; role: TextRole; text: string | undefined }[] = [];
  /** The server's id of such a message, to the key it was first noted under. */
  private readonly aliases = new Map<string, string>();

  note(key: string): ItemNotes {
    key = this.aliases.get(key) ?? key;
    let notes = this.items.get(key);
    if (!notes) {
      notes = { transcripts: new Map(), transcriptDeltas: [], transcriptionFailed: false, truncated: false, otherParts: new Map() };
      this.items.set(key, notes);
    }
    return notes;
  }

  response(id: string): ResponseNotes {
    let notes = this.responses.get(id);
    if (!notes) {
      notes = { cancelled: false };
      this.responses.set(id, notes);
    }
    return notes;
  }

  readEvent(logged: LoggedEvent, index: number): void {
    const { event, path, at } = logged;
    const type = text(event.type);
    if (type === undefined) return;
    if (at !== undefined) {
      this.instants.push(at);
      if (this.earliestAt === undefined || at < this.earliestAt) this.earliestAt = at;
      if (type === SESSION_CREATED) this.sessionCreatedAt ??= at;
    }
    const itemId = text(event.item_id);
    const responseId = text(event.response_id);

    if (type === SPEECH_STARTED || type === SPEECH_STOPPED) {
      if (itemId === undefined) return;
      const notes = this.note(`item:${itemId}`);
      notes.role ??= 'user';
      if (type === SPEECH_STARTED) {
        notes.audioStartMs ??= audioMs(event.audio_start_ms, `${path}.audio_start_ms`);
        notes.speechStartedAt ??= at;
      } else {
        notes.audioEndMs ??= audioMs(event.audio_end_ms, `${path}.audio_end_ms`);
        notes.speechStoppedAt ??= at;
      }
    } else if (type === INPUT_TRANSCRIPTION_FAILED) {
      if (itemId === undefined) return;
      const notes = this.note(`item:${itemId}`);
      notes.role ??= 'user';
      notes.transcriptionFailed = true;
    } else if (type === DTMF_RECEIVED) {
      const key = text(event.event);
      if (key === undefined || key === '') throw new Unreadable(`${path}.event`, 'is required: the key pressed');
      const notes = this.note(`dtmf:${index}`);
      notes.role = 'user';
      notes.dtmf = key;
      notes.itemAt = at;
    } else if (type === PLAYBACK_STARTED || type === PLAYBACK_STOPPED || type === PLAYBACK_CLEARED) {
      if (responseId === undefined) return;
      const response = this.response(responseId);
      if (type === PLAYBACK_STARTED) response.playbackStartedAt ??= at;
      else if (type === PLAYBACK_STOPPED) response.playbackStoppedAt ??= at;
      else response.playbackClearedAt ??= at;
    } else if (type === MCP_ARGUMENTS_DONE) {
      if (itemId !== undefined) this.note(`item:${itemId}`).argumentsDoneAt ??= at;
    } else if (MCP_CALL_ENDED.has(type)) {
      if (itemId === undefined) return;
      const notes = this.note(`item:${itemId}`);
      if (notes.mcp) notes.mcp.endedAt ??= at;
      else notes.mcp = { name: '', arguments: undefined, endedAt: at };
    } else if (type === INPUT_TRANSCRIPTION_COMPLETED || type === INPUT_TRANSCRIPTION_DELTA) {
      if (itemId === undefined) return;
      const notes = this.note(`item:${itemId}`);
      notes.role ??= 'user';
      if (type === INPUT_TRANSCRIPTION_COMPLETED) {
        const transcript = text(event.transcript);
        if (transcript !== undefined) notes.transcripts.set(finite(event.content_index) ?? 0, transcript);
      } else {
        const delta = text(event.delta);
        if (delta !== undefined) notes.transcriptDeltas.push(delta);
      }
    } else if (SERVER_ITEM_EVENTS.has(type) || type === CLIENT_ITEM_CREATE) {
      const item = record(event.item);
      if (item) this.readItem(item, type === CLIENT_ITEM_CREATE ? 'client-create' : 'server-item', { at, path: `${path}.item`, fallbackKey: `event:${index}` });
    } else if (type === OUTPUT_ITEM_ADDED || type === OUTPUT_ITEM_DONE) {
      const item = record(event.item);
      const origin = type === OUTPUT_ITEM_ADDED ? 'output-added' : 'output-done';
      if (item) this.readItem(item, origin, { at, path: `${path}.item`, responseId: text(event.response_id) });
    } else if (OUTPUT_TEXT_DONE.has(type)) {
      const said = (text(event.transcript) ?? text(event.text))?.trim();
      if (itemId === undefined) return;
      const notes = this.note(`item:${itemId}`);
      notes.role ??= 'bot';
      notes.responseId ??= text(event.response_id);
      if (said) notes.outputDoneText ??= said;
    } else if (type === ARGUMENTS_DONE) {
      // Places and times the call (the app may answer it before response.done); its name comes with the item.
      if (itemId !== undefined) this.note(`item:${itemId}`).argumentsDoneAt ??= at;
    } else if (type === ITEM_TRUNCATED) {
      if (itemId !== undefined) this.note(`item:${itemId}`).truncated = true;
    } else if (type === RESPONSE_CREATED) {
      const id = text(record(event.response)?.id);
      if (id !== undefined) this.response(id).createdAt ??= at;
    } else if (type === RESPONSE_DONE) {
      this.readResponseDone(event, path, index, at);
    }
  }

  private readResponseDone(event: Json, path: string, index: number, at: number | undefined): void {
    const response = record(event.response);
    if (!response) return;
    const output = response.output;
    if (output !== undefined && output !== null && !Array.isArray(output))
      throw new Unreadable(`${path}.response.output`, "must be the list of the response's output items");
    const id = text(response.id) ?? `event:${index}`;
    const notes = this.response(id);
    notes.doneAt ??= at;
    notes.cancelled ||= isCancelled(response);
    list(output).forEach((value, j) => {
      const item = record(value);
      const itemPath = `${path}.response.output[${j}]`;
      if (item) this.readItem(item, 'response-done', { at, path: itemPath, responseId: id, fallbackKey: `${id}:${j}` });
    });
  }

  private readItem(
    item: Json,
    origin: ItemOrigin,
    where: { at: number | undefined; path: string; responseId?: string | undefined; fallbackKey?: string },
  ): void {
    const type = text(item.type);
    const id = text(item.id);
    if (type === 'message') this.readMessage(item, origin, where, id);
    else if (type === 'function_call') this.readCall(item, origin, where, id);
    else if (type === 'function_call_output') this.readResult(item, where);
    else if (type === 'mcp_call') this.readMcpCall(item, origin, where, id);
    else if (type !== undefined) this.noteOther(type, id ?? `${where.path}`);
  }

  /** Seen items that carry no conversation, once each however many events show them. */
  private readonly otherItems = new Set<string>();

  private noteOther(type: string, key: string): void {
    if (this.otherItems.has(key)) return;
    this.otherItems.add(key);
    countDropped(this.dropped, NON_CONVERSATION_ITEMS.has(type) ? type : `${type}_item`);
  }

  private readMcpCall(
    item: Json,
    origin: ItemOrigin,
    where: { at: number | undefined; path: string; responseId?: string | undefined },
    id: string | undefined,
  ): void {
    if (!id) throw new Unreadable(`${where.path}.id`, 'is required: the id of the MCP tool call');
    const name = text(item.name);
    if (!name) throw new Unreadable(`${where.path}.name`, 'is required: the name of the MCP tool called');
    const notes = this.note(`item:${id}`);
    notes.mcpId = id;
    if (where.responseId !== undefined) notes.responseId ??= where.responseId;
    if (origin === 'output-done') notes.outputDoneAt ??= where.at;
    const previous = notes.mcp;
    const given = (value: unknown) => (value === undefined || value === null ? undefined : value);
    notes.mcp = {
      name,
      arguments: given(item.arguments) ?? previous?.arguments,
      output: given(item.output) ?? previous?.output,
      error: given(item.error) ?? previous?.error,
      ...(previous?.endedAt !== undefined ? { endedAt: previous.endedAt } : {}),
    };
  }

  private readMessage(
    item: Json,
    origin: ItemOrigin,
    where: { at: number | undefined; responseId?: string | undefined; fallbackKey?: string },
    id: string | undefined,
  ): void {
    const role = ROLES[text(item.role) ?? ''];
    if (role === undefined) return;
    const said = contentText(item.content);
    const key = id !== undefined ? `item:${id}` : where.fallbackKey;
    if (key === undefined) return;
    const waiting = this.unechoed[0];
    if (origin === 'client-create' && id === undefined) this.unechoed.push({ key, role, text: said });
    else if (
      origin === 'server-item' &&
      id !== undefined &&
      !this.items.has(key) &&
      !this.aliases.has(key) &&
      waiting?.role === role &&
      waiting.text === said
    ) {
      // The server's copy of a message the client created without an id: the same turn.
      this.aliases.set(key, waiting.key);
      this.unechoed.shift();
    }
    const notes = this.note(key);
    notes.role ??= role;
    list(item.content).forEach((part, index) => {
      const type = text(record(part)?.type);
      if (type !== undefined && !SPOKEN_PARTS.has(type)) notes.otherParts.set(index, type);
    });
    if (where.responseId !== undefined) notes.responseId ??= where.responseId;
    if (origin === 'response-done') notes.responseText ??= said;
    else if (origin === 'output-done') notes.outputDoneText ??= said;
    else if (origin === 'output-added') notes.outputAddedAt ??= where.at;
    else {
      notes.itemText ??= said;
      notes.itemAt ??= where.at;
    }
    if (origin === 'output-done') notes.outputDoneAt ??= where.at;
  }

  private readCall(
    item: Json,
    origin: ItemOrigin,
    where: { at: number | undefined; path: string; responseId?: string | undefined },
    id: string | undefined,
  ): void {
    const callId = text(item.call_id);
    if (!callId) throw new Unreadable(`${where.path}.call_id`, 'is required: the id a function_call_output answers');
    const name = text(item.name);
    if (!name) throw new Unreadable(`${where.path}.name`, 'is required: the name of the function called');
    const key = this.callKeys.get(callId) ?? (id !== undefined ? `item:${id}` : `call:${callId}`);
    this.callKeys.set(callId, key);
    const notes = this.note(key);
    if (where.responseId !== undefined) notes.responseId ??= where.responseId;
    if (origin === 'output-done') notes.outputDoneAt ??= where.at;
    // Only a finished item's arguments are whole: `added` events show it while it is being written.
    const finished = origin === 'output-done' || origin === 'response-done' || item.status === 'completed';
    const previous = notes.call;
    notes.call = {
      callId,
      name,
      arguments: finished && previous?.arguments === undefined ? item.arguments : previous?.arguments,
      incomplete: origin === 'response-done' ? item.status === 'incomplete' : (previous?.incomplete ?? false),
    };
  }

  private readResult(item: Json, where: { at: number | undefined; path: string }): void {
    const callId = text(item.call_id);
    if (!callId) throw new Unreadable(`${where.path}.call_id`, 'is required: the call_id of the function_call this output answers');
    const notes = this.note(`output:${callId}`);
    // The client's event comes first (the server echoes it): its output and time stand.
    notes.result ??= { callId, output: item.output, at: where.at, path: `${where.path}.call_id` };
    notes.result.at ??= where.at;
  }

  /** The session's audio starts at its creation, or at the log's first receipt when it has none. */
  sessionStart(): number | undefined {
    return this.sessionCreatedAt ?? this.earliestAt;
  }
}

function audioMs(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = finite(value);
  if (ms === undefined || ms < 0) throw new Unreadable(path, "must be milliseconds from the start of the session's audio (a number >= 0)");
  return ms;
}

function toMessages(log: SessionLog): StackMessage[] {
  const sessionStart = log.sessionStart();
  const instant = (ms: number | undefined): StackTime | undefined => (ms === undefined ? undefined : { epochMs: ms });
  const audioTime = (ms: number | undefined): StackTime | undefined => {
    if (ms === undefined) return undefined;
    return sessionStart === undefined ? { seconds: ms / 1000 } : { epochMs: sessionStart + ms };
  };
  const timed = (start: StackTime | undefined, end: StackTime | undefined) => ({ ...(start ? { start } : {}), ...(start && end ? { end } : {}) });
  const callNames = new Map<string, string>();
  for (const notes of log.items.values()) if (notes.call) callNames.set(notes.call.callId, notes.call.name);
  const drop = (kind: string) => countDropped(log.dropped, kind);

  const messages: StackMessage[] = [];
  for (const notes of log.items.values()) {
    const response = notes.responseId === undefined ? undefined : log.responses.get(notes.responseId);
    for (const part of notes.otherParts.values()) drop(`${part}_part`);
    if (notes.call) {
      const { callId, name } = notes.call;
      // A call cut off with its response was never made, unless the app answered it anyway.
      if (notes.call.incomplete && !log.items.get(`output:${callId}`)?.result) {
        drop('cancelled_function_call');
        continue;
      }
      const at = instant(notes.outputDoneAt ?? notes.argumentsDoneAt ?? response?.doneAt);
      messages.push({ role: 'function_call', content: '', ...timed(at, at), data: { id: callId, name, arguments: jsonText(notes.call.arguments) || '{}' } });
    } else if (notes.result) {
      const { callId, output, path } = notes.result;
      const name = callNames.get(callId);
      if (name === undefined) throw new Unreadable(path, "matches no function_call in the log: a tool result needs its call (and the call's name)");
      const at = instant(notes.result.at);
      messages.push({ role: 'function_call_result', content: '', ...timed(at, at), data: { id: callId, name, result: jsonText(output) } });
    } else if (notes.mcp) {
      for (const message of mcpMessages(
        notes,
        notes.mcp,
        instant(notes.argumentsDoneAt ?? notes.outputDoneAt ?? response?.doneAt),
        instant(notes.mcp.endedAt ?? notes.outputDoneAt ?? response?.doneAt),
        drop,
      ))
        messages.push(message);
    } else if (notes.dtmf !== undefined) {
      const at = instant(notes.itemAt);
      messages.push({ role: 'user', content: `[DTMF ${notes.dtmf}]`, ...timed(at, at) });
    } else if (notes.role === 'user') {
      const content = userText(notes) ?? (notes.transcriptionFailed ? TRANSCRIPTION_FAILED_TEXT : undefined);
      if (content === undefined) {
        drop('audio_only_turn');
        continue;
      }
      const start = notes.audioStartMs !== undefined ? audioTime(notes.audioStartMs) : instant(notes.speechStartedAt ?? notes.itemAt);
      const end = notes.audioStartMs !== undefined ? audioTime(notes.audioEndMs) : instant(notes.speechStoppedAt);
      messages.push({ role: 'user', content, ...timed(start, end) });
    } else if (notes.role === 'bot') {
      const content = notes.responseText ?? notes.outputDoneText ?? notes.itemText;
      if (content === undefined) {
        drop('audio_only_turn');
        continue;
      }
      // Played to the caller (WebRTC / SIP) when the log says so; else generated.
      const played = response?.playbackStartedAt !== undefined;
      const start = instant((played ? response?.playbackStartedAt : response?.createdAt) ?? notes.outputAddedAt ?? notes.itemAt);
      const end = instant(played ? (response?.playbackStoppedAt ?? response?.playbackClearedAt) : (response?.doneAt ?? notes.outputDoneAt));
      const interrupted = notes.truncated || response?.cancelled === true || (played && response?.playbackClearedAt !== undefined);
      messages.push({ role: 'bot', content, ...timed(start, end), ...(interrupted ? { interrupted: true } : {}) });
    } else if (notes.role === 'system') {
      if (notes.itemText === undefined) drop('empty_message');
      else messages.push({ role: 'system', content: notes.itemText, ...timed(instant(notes.itemAt), undefined) });
    } else if (notes.argumentsDoneAt !== undefined) {
      // Arguments streamed for an item the log never shows: no name to store the call under.
      drop('function_call_without_item');
    }
  }
  return messages;
}

/** An MCP tool call: the call, then its output, or its error (is_error). Both run on the server. */
function mcpMessages(
  notes: ItemNotes,
  mcp: NonNullable<ItemNotes['mcp']>,
  callAt: StackTime | undefined,
  endedAt: StackTime | undefined,
  drop: (kind: string) => void,
): StackMessage[] {
  const id = notes.mcpId;
  if (id === undefined || mcp.name === '') {
    drop('mcp_call_without_item');
    return [];
  }
  const call: StackMessage = {
    role: 'function_call',
    content: '',
    ...(callAt ? { start: callAt, end: callAt } : {}),
    data: { id, name: mcp.name, arguments: jsonText(mcp.arguments) || '{}' },
  };
  const at = endedAt ? { start: endedAt, end: endedAt } : {};
  if (mcp.error !== undefined)
    return [call, { role: 'function_call_result', content: '', ...at, data: { id, name: mcp.name, result: jsonText(mcp.error) }, is_error: true }];
  if (mcp.output !== undefined) return [call, { role: 'function_call_result', content: '', ...at, data: { id, name: mcp.name, result: jsonText(mcp.output) } }];
  return [call];
}

/** What the caller said: the finished transcription, else its deltas, else text the item carries. */
function userText(notes: ItemNotes): string | undefined {
  const finished = [...notes.transcripts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, transcript]) => transcript.trim())
    .filter((transcript) => transcript !== '');
  if (finished.length > 0) return finished.join(' ');
  const streamed = notes.transcriptDeltas.join('').trim();
  if (streamed !== '') return streamed;
  return notes.itemText;
}

function read(transcript: unknown): TranscriptReading {
  const reading = readEventLog(transcript, EVENT_LOG);
  if (!reading.ok) return reading;
  const log = new SessionLog();
  try {
    for (const [index, logged] of reading.events.entries()) log.readEvent(logged, index);
    const messages = toMessages(log);
    const dropped = Object.keys(log.dropped).length > 0 ? { dropped: log.dropped } : {};
    return { ok: true, messages, ...(log.instants.length > 0 ? { instants: log.instants } : {}), ...dropped };
  } catch (error) {
    if (error instanceof Unreadable) return { ok: false, path: error.path, message: error.message };
    throw error;
  }
}

export const openaiRealtimeFormat: StackFormat = {
  name: 'openai-realtime',
  expects: "the session's logged Realtime events (`conversation.item.*`, `response.done`, ...), an array or `{ events }`",
  recognises,
  read,
};

export const openaiRealtime = stackSource(openaiRealtimeFormat);
