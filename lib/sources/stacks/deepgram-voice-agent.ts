/**
 * Deepgram's Voice Agent API (`wss://agent.deepgram.com/v1/agent/converse`; the message types are
 * `@deepgram/sdk`'s `AgentV1*`): the server keeps no transcript, so the app logs the JSON messages
 * of the socket, the server's and its own (lib/sources/stacks/event-log.ts: an array or
 * `{ events }`, each entry optionally stamped `received_at` / `sent_at`).
 *
 * - `ConversationText {role: "user"|"assistant", content}` is a turn's words;
 * - `UserStartedSpeaking` starts the caller's next turn, which its `ConversationText` ends;
 * - an agent turn starts at `AgentStartedSpeaking {total_latency, tts_latency, ttt_latency}` (its
 *   latencies, in seconds, are kept on the turn's first message) and ends at `AgentAudioDone`;
 *   `UserStartedSpeaking` before `AgentAudioDone` cut it short: the turn is `interrupted` and ends
 *   then;
 * - `FunctionCallRequest {functions: [{id, name, arguments, client_side}]}` is one function call
 *   per function; `FunctionCallResponse {id, name, content}` (the app's answer to a client-side
 *   function, or the server's for its own) is its result, paired by id (by name when the server
 *   leaves the id out); a call `FunctionCallCancelled` names stays, without a result, and is
 *   counted as `cancelled_function_call`;
 * - session control (`Welcome`, `Settings`, `SettingsApplied`, `KeepAlive`, `*Updated`, `Update*`)
 *   is neither kept nor counted; other messages that carry something (`AgentThinking`, `History`,
 *   `InjectAgentMessage`, `LatencyReport`, `Error`, `Warning`, ...) are counted in `dropped` by type.
 *
 * No message carries a clock: times are the app's stamps; an unstamped log needs startedAt.
 */
import { finite, jsonText, text } from '../read';
import { countDropped, type DroppedCounts } from '../source';
import { type StackFormat, type StackMessage, stackSource, type TranscriptReading } from './envelope';
import { type LoggedEvent, logEntries, readEventLog } from './event-log';

const WHAT = 'a Voice Agent API message (the server\'s or the app\'s, with its "type")';

/** Deepgram names its messages in PascalCase: `ConversationText`, `AgentAudioDone`, ... */
const PASCAL_CASE = /^[A-Z][A-Za-z]+$/;
const SESSION_CONTROL = new Set([
  'Welcome',
  'Settings',
  'SettingsApplied',
  'KeepAlive',
  'UpdatePrompt',
  'PromptUpdated',
  'UpdateSpeak',
  'SpeakUpdated',
  'UpdateThink',
  'ThinkUpdated',
  'UpdateListen',
  'ListenUpdated',
]);
const ROLES: Record<string, 'user' | 'bot'> = { user: 'user', assistant: 'bot' };
const LATENCIES = ['total_latency', 'tts_latency', 'ttt_latency'] as const;

function recognises(transcript: unknown): boolean {
  const found = logEntries(transcript);
  if (!found || found.entries.length === 0) return false;
  const reading = readEventLog(transcript, { what: WHAT });
  if (!reading.ok) return false;
  const events = reading.events.map(({ event }) => event);
  return (
    events.every((event) => typeof event.type === 'string' && PASCAL_CASE.test(event.type)) &&
    events.some(
      (event) =>
        (event.type === 'ConversationText' && typeof event.role === 'string' && typeof event.content === 'string') ||
        (event.type === 'FunctionCallRequest' && Array.isArray(event.functions)),
    )
  );
}

type Refusal = { ok: false; path: string; message: string };
type BotMessage = StackMessage & { role: 'bot' };
type CallMessage = StackMessage & { role: 'function_call' };

const stamp = (logged: LoggedEvent) => (logged.at === undefined ? undefined : { epochMs: logged.at });

class AgentLog {
  readonly messages: StackMessage[] = [];
  readonly dropped: DroppedCounts = {};
  readonly instants: number[] = [];
  /** The agent's turn in progress: its messages, and whether its audio has started. */
  private turn: { messages: BotMessage[]; speaking: boolean; startedAt?: number; latencies?: Partial<Record<(typeof LATENCIES)[number], number>> } | undefined;
  /** When the caller started the turn their next ConversationText ends. */
  private userStartedAt: number | undefined;
  private readonly calls = new Map<string, CallMessage>();
  private readonly answered = new Set<string>();

  read(logged: LoggedEvent): Refusal | undefined {
    const { event, path } = logged;
    const type = text(event.type);
    if (type === undefined) return { ok: false, path: `${path}.type`, message: `is required: ${WHAT}` };
    if (logged.at !== undefined) this.instants.push(logged.at);
    switch (type) {
      case 'UserStartedSpeaking':
        if (this.turn?.speaking) this.endTurn(logged.at, true);
        else this.turn = undefined;
        this.userStartedAt ??= logged.at;
        return undefined;
      case 'ConversationText':
        return this.readText(logged);
      case 'AgentStartedSpeaking': {
        this.turn ??= { messages: [], speaking: false };
        this.turn.speaking = true;
        this.turn.startedAt = logged.at;
        const latencies: Partial<Record<(typeof LATENCIES)[number], number>> = {};
        for (const key of LATENCIES) {
          const value = finite(event[key]);
          if (value !== undefined && value >= 0) latencies[key] = value;
        }
        this.turn.latencies = latencies;
        for (const message of this.turn.messages) if (logged.at !== undefined) message.start = { epochMs: logged.at };
        this.applyLatencies();
        return undefined;
      }
      case 'AgentAudioDone':
        this.endTurn(logged.at, false);
        return undefined;
      case 'FunctionCallRequest':
        return this.readRequest(logged);
      case 'FunctionCallResponse':
        return this.readResponse(logged);
      case 'FunctionCallCancelled':
        // The call stays (it was made); no result will answer it.
        countDropped(this.dropped, 'cancelled_function_call', Array.isArray(event.functions) ? event.functions.length : 1);
        return undefined;
      default:
        if (!SESSION_CONTROL.has(type)) countDropped(this.dropped, type);
        return undefined;
    }
  }

  private readText(logged: LoggedEvent): Refusal | undefined {
    const { event, path } = logged;
    const role = ROLES[text(event.role) ?? ''];
    if (role === undefined) return { ok: false, path: `${path}.role`, message: 'must be "user" or "assistant"' };
    const content = text(event.content);
    if (content === undefined) return { ok: false, path: `${path}.content`, message: 'is required: the words of the turn' };
    if (content.trim() === '') return undefined;
    const end = stamp(logged);
    if (role === 'user') {
      const start = this.userStartedAt === undefined ? end : { epochMs: this.userStartedAt };
      this.userStartedAt = undefined;
      this.messages.push({ role: 'user', content: content.trim(), ...(start ? { start } : {}), ...(end ? { end } : {}), path });
      return undefined;
    }
    // An agent turn that already ended (its audio done) takes no more text: this is the next turn.
    this.turn ??= { messages: [], speaking: false };
    const startMs = this.turn.startedAt ?? logged.at;
    const message: BotMessage = {
      role: 'bot',
      content: content.trim(),
      ...(startMs === undefined ? {} : { start: { epochMs: startMs } }),
      ...(end ? { end } : {}),
      path,
    };
    this.turn.messages.push(message);
    this.messages.push(message);
    this.applyLatencies();
    return undefined;
  }

  /** The turn's latencies belong to its first message: the one that answered the caller. */
  private applyLatencies(): void {
    const first = this.turn?.messages[0];
    if (first && this.turn?.latencies) Object.assign(first, this.turn.latencies);
  }

  private endTurn(atMs: number | undefined, interrupted: boolean): void {
    for (const message of this.turn?.messages ?? []) {
      if (atMs !== undefined) message.end = { epochMs: atMs };
      if (interrupted) message.interrupted = true;
    }
    this.turn = undefined;
  }

  private readRequest(logged: LoggedEvent): Refusal | undefined {
    const { event, path } = logged;
    if (!Array.isArray(event.functions)) return { ok: false, path: `${path}.functions`, message: 'must be the list of functions to call' };
    for (const [index, value] of event.functions.entries()) {
      const at = `${path}.functions[${index}]`;
      const fn = value as Record<string, unknown> | null;
      const id = text(fn?.id);
      if (!id) return { ok: false, path: `${at}.id`, message: 'is required: the id its FunctionCallResponse answers' };
      const name = text(fn?.name);
      if (!name) return { ok: false, path: `${at}.name`, message: 'is required: the name of the function called' };
      const time = stamp(logged);
      const message: CallMessage = {
        role: 'function_call',
        content: '',
        data: { id, name, arguments: jsonText(fn?.arguments) || '{}' },
        ...(time ? { start: time, end: time } : {}),
        path: at,
      };
      this.calls.set(id, message);
      this.messages.push(message);
    }
    return undefined;
  }

  private readResponse(logged: LoggedEvent): Refusal | undefined {
    const { event, path } = logged;
    const name = text(event.name);
    let id = text(event.id) || undefined;
    if (id === undefined) {
      // The server may leave the id out of its answer to its own function: the unanswered call of that name.
      id = [...this.calls.entries()].find(([callId, call]) => !this.answered.has(callId) && call.data.name === name)?.[0];
      if (id === undefined) return { ok: false, path: `${path}.id`, message: 'is required: no FunctionCallRequest of that name waits for an answer' };
    }
    const call = this.calls.get(id);
    const resultName = name || call?.data.name;
    if (!resultName) return { ok: false, path: `${path}.name`, message: 'is required: the name of the function answered' };
    this.answered.add(id);
    const time = stamp(logged);
    this.messages.push({
      role: 'function_call_result',
      content: '',
      data: { id, name: resultName, result: jsonText(event.content) },
      ...(time ? { start: time, end: time } : {}),
      path,
    });
    return undefined;
  }
}

function read(transcript: unknown): TranscriptReading {
  const reading = readEventLog(transcript, { what: WHAT });
  if (!reading.ok) return reading;
  const log = new AgentLog();
  for (const logged of reading.events) {
    const refusal = log.read(logged);
    if (refusal) return refusal;
  }
  return { ok: true, messages: log.messages, instants: log.instants, dropped: log.dropped };
}

export const deepgramVoiceAgentFormat: StackFormat = {
  name: 'deepgram-voice-agent',
  expects: "the app's log of Voice Agent API messages (`ConversationText`, `FunctionCallRequest`, ...), an array or `{ events }`",
  recognises,
  read,
};

export const deepgramVoiceAgent = stackSource(deepgramVoiceAgentFormat);
