/**
 * Gemini Live API (ai.google.dev/api/live; `@google/genai`'s `LiveServerMessage`): the API keeps no
 * transcript, so the app logs the server's messages and the `toolResponse`s it sent, each stamped
 * with when it saw or sent it (`received_at` / `sent_at`, read by event-log.ts), and posts the log:
 * an array or `{ events }`, in the wire's camelCase or the Python SDK's snake_case dump
 * (`message.model_dump(mode="json", exclude_none=True)`).
 *
 * - Transcriptions stream as fragments with no ids and no times: the fragments of one turn are one
 *   message (`inputTranscription` the caller's, `outputTranscription` the agent's; the model's own
 *   text parts when there is no output transcription), timed by the stamps of its first fragment
 *   and of what ended it (`turnComplete`, a `toolCall`, the last fragment). A caller's fragments that
 *   arrive while the agent speaks end that turn's own words when the agent finished (the order of
 *   transcriptions is not guaranteed), and start the caller's next turn when the agent was
 *   `interrupted`. Fragments that are only a noise tag (`<noise>`) are not speech.
 * - `interrupted` marks the agent's turn `interrupted: true`.
 * - `toolCall.functionCalls` are calls; `toolResponse.functionResponses` their results, paired by id.
 * - `toolCallCancellation` is kept as a system message naming the cancelled calls, at its time.
 * - `clientContent` the app sent (text it put in the conversation) is a system message.
 * - What carries no conversation is counted in `dropped` by its field (`usageMetadata`, `goAway`,
 *   ...), and so are thought parts, other parts of the model's turn (`model_part`: code it ran,
 *   files), agent turns with audio and no text (`audio_only_turn`), noise fragments and interim
 *   transcriptions.
 */
import { type Json, jsonText, list, record, text } from '../read';
import { countDropped, type DroppedCounts } from '../source';
import { type StackFormat, type StackMessage, type StackTime, stackSource, type TranscriptReading } from './envelope';
import { type LoggedEvent, logEntries, readEventLog } from './event-log';

const SERVER_CONTENT = 'serverContent';
const TOOL_CALL = 'toolCall';
const TOOL_CALL_CANCELLATION = 'toolCallCancellation';
const TOOL_RESPONSE = 'toolResponse';
const CLIENT_CONTENT = 'clientContent';
const SETUP_COMPLETE = 'setupComplete';
/** Fields of a logged message that carry the conversation. */
const CONVERSATION_FIELDS = [SERVER_CONTENT, TOOL_CALL, TOOL_CALL_CANCELLATION, TOOL_RESPONSE, CLIENT_CONTENT] as const;
/** Other fields of LiveServerMessage and LiveClientMessage: read for times, or counted in `dropped`. */
const OTHER_FIELDS = [
  SETUP_COMPLETE,
  'usageMetadata',
  'goAway',
  'sessionResumptionUpdate',
  'voiceActivity',
  'voiceActivityDetectionSignal',
  'setup',
  'realtimeInput',
] as const;
const ALL_FIELDS = [...CONVERSATION_FIELDS, ...OTHER_FIELDS];

/** A transcription that is only a tag such as `<noise>`: Gemini's mark for sound that is not speech. */
const NOISE_TAG = /^\s*<[a-z_ -]+>\s*$/i;

const WHAT = "a Gemini Live server message or the app's toolResponse (`{ serverContent | toolCall | toolResponse | ... }`)";

/** `serverContent` or `server_content`: the wire's camelCase and the Python SDK's snake_case dump. */
const snake = (camel: string): string => camel.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

function field(holder: Json | undefined, camel: string): { key: string; value: unknown } | undefined {
  if (!holder) return undefined;
  if (holder[camel] !== undefined && holder[camel] !== null) return { key: camel, value: holder[camel] };
  const snakeKey = snake(camel);
  if (holder[snakeKey] !== undefined && holder[snakeKey] !== null) return { key: snakeKey, value: holder[snakeKey] };
  return undefined;
}

/** Thrown while reading to stop at the first part of the log that cannot be read; caught in `read`. */
class Unreadable {
  constructor(
    readonly path: string,
    readonly message: string,
  ) {}
}

/** A turn being gathered from fragments; its message is already in place in the conversation. */
interface OpenTurn {
  message: StackMessage & { content: string; interrupted?: boolean };
  fragments: string[];
}

interface BotTurn extends OpenTurn {
  /** The model's own text parts, the turn's words when there is no output transcription. */
  textParts: string[];
  audio: boolean;
  interrupted: boolean;
  /**
   * The caller's words that arrived while the agent had the turn, in place where the first came:
   * the caller's next turn if the agent was interrupted, else late words of `answers`.
   */
  caller: OpenTurn | undefined;
  /** The caller's turn this one answers, still open to late fragments. */
  answers: OpenTurn | undefined;
}

const joinFragments = (fragments: string[]): string => fragments.join('').replace(/\s+/g, ' ').trim();

function addFragment(turn: OpenTurn, said: string, at: number | undefined): void {
  turn.fragments.push(said);
  turn.message.content = joinFragments(turn.fragments);
  if (at !== undefined) turn.message.end = { epochMs: at };
}
const instant = (ms: number | undefined): StackTime | undefined => (ms === undefined ? undefined : { epochMs: ms });

class SessionReader {
  readonly messages: StackMessage[] = [];
  readonly dropped: DroppedCounts = {};
  /** Messages of turns that ended with no words: removed at the end. */
  private readonly empty = new Set<StackMessage>();
  private user: OpenTurn | undefined;
  private bot: BotTurn | undefined;
  private readonly callNames = new Map<string, string>();

  readEntry({ event, path, at }: LoggedEvent): void {
    if ('type' in event) throw new Unreadable(`${path}.type`, `must be ${WHAT}: Gemini Live messages have no \`type\``);
    let read = false;
    const serverContent = field(event, SERVER_CONTENT);
    if (serverContent) {
      this.readServerContent(record(serverContent.value), `${path}.${serverContent.key}`, at);
      read = true;
    }
    const toolCall = field(event, TOOL_CALL);
    if (toolCall) {
      this.readToolCall(record(toolCall.value), `${path}.${toolCall.key}`, at);
      read = true;
    }
    const cancellation = field(event, TOOL_CALL_CANCELLATION);
    if (cancellation) {
      this.readCancellation(record(cancellation.value), `${path}.${cancellation.key}`, at);
      read = true;
    }
    const toolResponse = field(event, TOOL_RESPONSE);
    if (toolResponse) {
      this.readToolResponse(record(toolResponse.value), `${path}.${toolResponse.key}`, at);
      read = true;
    }
    const clientContent = field(event, CLIENT_CONTENT);
    if (clientContent) {
      this.readClientContent(record(clientContent.value), at);
      read = true;
    }
    // The session's start is an instant of the call (the reader keeps every stamp); the rest carries no conversation.
    if (field(event, SETUP_COMPLETE)) read = true;
    for (const name of OTHER_FIELDS) if (name !== SETUP_COMPLETE && field(event, name) && !read) countDropped(this.dropped, name);
    if (!read && !OTHER_FIELDS.some((name) => field(event, name))) throw new Unreadable(path, `must be ${WHAT}`);
  }

  /** In the order Pipecat's Gemini Live service handles one message's fields, which can come bundled. */
  private readServerContent(content: Json | undefined, path: string, at: number | undefined): void {
    if (!content) throw new Unreadable(path, 'must be an object (LiveServerContent)');
    if (field(content, 'interrupted')?.value === true) this.interrupt();
    const modelTurn = field(content, 'modelTurn');
    if (modelTurn) this.readModelTurn(record(modelTurn.value), `${path}.${modelTurn.key}`, at);
    const input = field(content, 'inputTranscription');
    if (input) this.hearCaller(transcriptionText(input.value, `${path}.${input.key}`), at);
    if (field(content, 'interimInputTranscription')) countDropped(this.dropped, 'interim_input_transcription');
    const output = field(content, 'outputTranscription');
    if (output) {
      const said = transcriptionText(output.value, `${path}.${output.key}`);
      if (said !== undefined && said !== '') this.botTurn(at).fragments.push(said);
    }
    if (field(content, 'turnComplete')?.value === true) this.closeBot(at);
  }

  private readModelTurn(turn: Json | undefined, path: string, at: number | undefined): void {
    if (!turn) throw new Unreadable(path, 'must be an object (Content, with parts)');
    for (const value of list(turn.parts)) {
      const part = record(value);
      if (!part) continue;
      if (part.thought === true) {
        countDropped(this.dropped, 'thought');
        continue;
      }
      const said = text(part.text);
      if (said !== undefined && said !== '') this.botTurn(at).textParts.push(said);
      else if (field(part, 'inlineData')) this.botTurn(at).audio = true;
      // Code the model ran, its results, files: not speech.
      else if (said === undefined) countDropped(this.dropped, 'model_part');
    }
  }

  private hearCaller(said: string | undefined, at: number | undefined): void {
    if (said === undefined || said.trim() === '') return;
    if (NOISE_TAG.test(said)) {
      countDropped(this.dropped, 'noise_fragment');
      return;
    }
    if (this.bot) {
      this.bot.caller ??= this.callerTurn(at);
      addFragment(this.bot.caller, said, at);
      return;
    }
    this.user ??= this.callerTurn(at);
    addFragment(this.user, said, at);
  }

  private callerTurn(at: number | undefined): OpenTurn {
    const message: OpenTurn['message'] = { role: 'user', content: '', ...(at !== undefined ? { start: { epochMs: at } } : {}) };
    this.messages.push(message);
    return { message, fragments: [] };
  }

  /** The agent's open turn, opened at `at` when there is none: the caller's turn before it has ended. */
  private botTurn(at: number | undefined): BotTurn {
    if (this.bot) return this.bot;
    const message: BotTurn['message'] = { role: 'bot', content: '', ...(at !== undefined ? { start: { epochMs: at } } : {}) };
    this.messages.push(message);
    this.bot = {
      message,
      fragments: [],
      textParts: [],
      audio: false,
      interrupted: false,
      caller: undefined,
      answers: this.user,
    };
    this.user = undefined;
    return this.bot;
  }

  private interrupt(): void {
    if (this.bot) {
      this.bot.interrupted = true;
      return;
    }
    // The flag can come after a tool call ended the agent's words: the last agent turn since the caller's was cut.
    for (let index = this.messages.length - 1; index >= 0; index--) {
      const message = this.messages[index] as StackMessage & { interrupted?: boolean };
      if (message.role === 'user') return;
      if (message.role === 'bot' && !this.empty.has(message)) {
        message.interrupted = true;
        return;
      }
    }
  }

  private closeBot(at: number | undefined): void {
    const turn = this.bot;
    if (!turn) return;
    this.bot = undefined;
    const content = turn.fragments.length > 0 ? joinFragments(turn.fragments) : joinFragments(turn.textParts);
    turn.message.content = content;
    if (at !== undefined) turn.message.end = { epochMs: at };
    if (turn.interrupted) turn.message.interrupted = true;
    if (content === '') {
      this.empty.add(turn.message);
      countDropped(this.dropped, turn.audio ? 'audio_only_turn' : 'empty_turn');
    }
    const caller = turn.caller;
    if (!caller) return;
    if (!turn.interrupted && turn.answers) {
      // Late fragments of the caller's words before the agent answered (transcriptions are not ordered).
      for (const fragment of caller.fragments) addFragment(turn.answers, fragment, undefined);
      if (caller.message.end) turn.answers.message.end = caller.message.end;
      this.empty.add(caller.message);
      return;
    }
    // The caller spoke over the agent (or before any words of theirs): the caller's next turn.
    this.user = caller;
  }

  private readToolCall(toolCall: Json | undefined, path: string, at: number | undefined): void {
    const calls = field(toolCall, 'functionCalls');
    if (!toolCall || !calls || !Array.isArray(calls.value)) throw new Unreadable(path, 'must hold functionCalls: [{ id, name, args }]');
    // The model stops speaking to call: its words so far are a turn, the caller's turn has ended.
    this.closeBot(at);
    this.user = undefined;
    for (const [index, value] of calls.value.entries()) {
      const callPath = `${path}.${calls.key}[${index}]`;
      const call = record(value);
      const id = text(call?.id);
      if (!id) throw new Unreadable(`${callPath}.id`, 'is required: the id its toolResponse answers');
      const name = text(call?.name);
      if (!name) throw new Unreadable(`${callPath}.name`, 'is required: the name of the function called');
      this.callNames.set(id, name);
      const time = instant(at);
      this.messages.push({
        role: 'function_call',
        content: '',
        data: { id, name, arguments: jsonText(call?.args ?? {}) },
        ...(time ? { start: time, end: time } : {}),
      });
    }
  }

  private readToolResponse(toolResponse: Json | undefined, path: string, at: number | undefined): void {
    const responses = field(toolResponse, 'functionResponses');
    if (!toolResponse || !responses || !Array.isArray(responses.value)) throw new Unreadable(path, 'must hold functionResponses: [{ id, name, response }]');
    for (const [index, value] of responses.value.entries()) {
      const responsePath = `${path}.${responses.key}[${index}]`;
      const response = record(value);
      const id = text(response?.id);
      if (!id) throw new Unreadable(`${responsePath}.id`, 'is required: the id of the functionCall it answers');
      const name = this.callNames.get(id) ?? text(response?.name);
      if (!name) throw new Unreadable(`${responsePath}.id`, 'matches no functionCall in the log, and the response has no name');
      const time = instant(at);
      this.messages.push({
        role: 'function_call_result',
        content: '',
        data: { id, name, result: jsonText(response?.response ?? {}) },
        ...(time ? { start: time, end: time } : {}),
      });
    }
  }

  private readCancellation(cancellation: Json | undefined, path: string, at: number | undefined): void {
    const ids = list(cancellation?.ids).filter((id): id is string => typeof id === 'string' && id !== '');
    if (ids.length === 0) throw new Unreadable(`${path}.ids`, 'must list the ids of the cancelled function calls');
    const named = ids.map((id) => {
      const name = this.callNames.get(id);
      return name === undefined ? id : `${name} (${id})`;
    });
    const time = instant(at);
    this.messages.push({ role: 'system', content: `Tool call cancelled by the model: ${named.join(', ')}`, ...(time ? { start: time, end: time } : {}) });
  }

  private readClientContent(content: Json | undefined, at: number | undefined): void {
    const said = list(content?.turns)
      .flatMap((turn) => list(record(turn)?.parts).map((part) => text(record(part)?.text)))
      .filter((part): part is string => part !== undefined && part.trim() !== '')
      .join(' ')
      .trim();
    if (said === '') {
      countDropped(this.dropped, CLIENT_CONTENT);
      return;
    }
    const time = instant(at);
    this.messages.push({ role: 'system', content: said, ...(time ? { start: time } : {}) });
  }

  finish(): StackMessage[] {
    this.closeBot(undefined);
    return this.messages.filter((message) => !this.empty.has(message));
  }
}

function transcriptionText(value: unknown, path: string): string | undefined {
  const transcription = record(value);
  if (!transcription) throw new Unreadable(path, 'must be an object (Transcription, with text)');
  const said = transcription.text;
  if (said !== undefined && said !== null && typeof said !== 'string') throw new Unreadable(`${path}.text`, 'must be text');
  return said ?? undefined;
}

/** The entry's message: itself, or what a stamp-only wrapper holds (as event-log.ts unwraps it). */
function messageOf(entry: unknown): Json | undefined {
  const flat = record(entry);
  if (!flat) return undefined;
  for (const key of ['event', 'message', 'data']) {
    const inner = record(flat[key]);
    if (inner && Object.keys(flat).every((other) => other === key || other === 'received_at' || other === 'sent_at')) return inner;
  }
  return flat;
}

function recognises(transcript: unknown): boolean {
  const found = logEntries(transcript);
  if (!found || found.entries.length === 0) return false;
  const messages = found.entries.map(messageOf);
  const fits = messages.every((message) => message !== undefined && !('type' in message) && ALL_FIELDS.some((name) => field(message, name)));
  return fits && messages.some((message) => CONVERSATION_FIELDS.some((name) => field(message, name)));
}

function read(transcript: unknown): TranscriptReading {
  const log = readEventLog(transcript, { what: WHAT });
  if (!log.ok) return log;
  const reader = new SessionReader();
  try {
    for (const entry of log.events) reader.readEntry(entry);
  } catch (error) {
    if (error instanceof Unreadable) return { ok: false, path: error.path, message: error.message };
    throw error;
  }
  const messages = reader.finish();
  const instants = log.events.flatMap((entry) => (entry.at === undefined ? [] : [entry.at]));
  return { ok: true, messages, instants, ...(Object.keys(reader.dropped).length > 0 ? { dropped: reader.dropped } : {}) };
}

export const geminiLiveFormat: StackFormat = {
  name: 'gemini-live',
  expects:
    "the app's log of Gemini Live server messages (`serverContent`, `toolCall`, ...) and its `toolResponse`s, camelCase or snake_case, an array or `{ events }`",
  recognises,
  read,
};

export const geminiLive = stackSource(geminiLiveFormat);
