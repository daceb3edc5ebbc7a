/**
 * Amazon Nova Sonic (Bedrock's bidirectional stream, `InvokeModelWithBidirectionalStream`): no
 * transcript is kept, so the app logs the stream's events (AWS's samples log the output events as
 * they arrive, `{ "event": { "textOutput": {...} } }`: aws-samples/amazon-nova-samples,
 * speech-to-speech/amazon-nova-2-sonic/repeatable-patterns/chat-history-logger/nova_sonic.py) and
 * the input events it sent, and posts the log (lib/sources/stacks/event-log.ts: an array or
 * `{ events }`, entries wrapped in `event` or not, optionally stamped `received_at` / `sent_at`).
 *
 * Output events (AWS docs, "Handling output events with the bidirectional API"): `completionStart`,
 * then per content block `contentStart {contentId, role, type, additionalModelFields:
 * '{"generationStage":"FINAL"|"SPECULATIVE"}'}` → `textOutput {role, content}` / `audioOutput` /
 * `toolUse {toolName, toolUseId, content}` → `contentEnd {stopReason}`; `usageEvent`,
 * `completionEnd`.
 *
 * - Text is kept only from FINAL blocks: the caller's transcript (USER), and what the agent actually
 *   said (ASSISTANT; Nova sends it once the audio is done or cut). SPECULATIVE text is the preview
 *   of what the agent planned to say, superseded by the FINAL text: counted as `speculative_text`.
 *   An agent message starts when its preview (or its audio) started, and ends with its FINAL text.
 * - The `{ "interrupted" : true }` text (AWS's sample detects barge-in by it) and a `contentEnd`
 *   with `stopReason: "INTERRUPTED"` mark the agent's turn interrupted; the marker is not speech.
 * - `toolUse` is a function call; the app's `toolResult` (sent in a TOOL content block whose
 *   `contentStart` names the `toolUseId`) its result, paired by that id.
 * - The app's `textInput` in an interactive USER block is text the caller typed; the system prompt
 *   and replayed history (non-interactive blocks) are counted as `system_prompt` / `history_text`.
 * - `audioOutput`, `audioInput`, `usageEvent` and events not listed here are counted by name;
 *   the framing events (session, prompt, completion and content start/end) are neither.
 */
import { type Json, jsonText, record, text } from '../read';
import { countDropped, type DroppedCounts } from '../source';
import { type StackFormat, type StackMessage, type StackTime, stackSource, type TranscriptReading } from './envelope';
import { type LoggedEvent, logEntries, readEventLog } from './event-log';

const WHAT = 'a Nova Sonic stream event (`{ "event": { "<name>": {...} } }` or `{ "<name>": {...} }`)';

const OUTPUT_EVENTS = ['completionStart', 'contentStart', 'textOutput', 'audioOutput', 'toolUse', 'contentEnd', 'usageEvent', 'completionEnd'];
const INPUT_EVENTS = ['sessionStart', 'promptStart', 'contentStart', 'textInput', 'audioInput', 'toolResult', 'contentEnd', 'promptEnd', 'sessionEnd'];
const KNOWN_EVENTS = new Set([...OUTPUT_EVENTS, ...INPUT_EVENTS]);
/** Start and end markers that only frame other events. */
const FRAMING = new Set(['sessionStart', 'promptStart', 'promptEnd', 'sessionEnd', 'completionStart', 'completionEnd']);
const STAMPS = new Set(['received_at', 'sent_at']);
/** AWS's sample checks for exactly this text; spacing may vary. */
const INTERRUPTED_MARKER = /\{\s*"interrupted"\s*:\s*true\s*\}/g;

interface NovaEvent {
  name: string;
  body: Json;
  path: string;
}

/** The one event an entry holds: `{ event: { name: {...} } }`, or `{ name: {...} }`. */
function novaEvent(logged: LoggedEvent): NovaEvent | undefined {
  let event = logged.event;
  let path = logged.path;
  const keysOf = (value: Json) => Object.keys(value).filter((key) => !STAMPS.has(key));
  const inner = record(event.event);
  if (inner && keysOf(event).length === 1) {
    event = inner;
    path = `${path}.event`;
  }
  const keys = keysOf(event);
  const name = keys[0];
  const body = name === undefined ? undefined : record(event[name]);
  return keys.length === 1 && name !== undefined && body ? { name, body, path: `${path}.${name}` } : undefined;
}

function recognises(transcript: unknown): boolean {
  const found = logEntries(transcript);
  if (!found || found.entries.length === 0) return false;
  const reading = readEventLog(transcript, { what: WHAT });
  if (!reading.ok) return false;
  const events = reading.events.map(novaEvent);
  return (
    events.every((event) => event !== undefined && KNOWN_EVENTS.has(event.name)) &&
    events.some((event) => event?.name === 'textOutput' || event?.name === 'toolUse')
  );
}

type Refusal = { ok: false; path: string; message: string };
type Role = 'user' | 'bot';
const ROLES: Record<string, Role> = { USER: 'user', ASSISTANT: 'bot' };

interface OutputBlock {
  role: string | undefined;
  type: string | undefined;
  stage: 'FINAL' | 'SPECULATIVE';
  startedAt: number | undefined;
  message?: StackMessage & { role: Role };
}

interface InputBlock {
  role: string | undefined;
  interactive: boolean;
  toolUseId: string | undefined;
}

const instant = (ms: number | undefined): StackTime | undefined => (ms === undefined ? undefined : { epochMs: ms });

class SonicLog {
  readonly messages: StackMessage[] = [];
  readonly dropped: DroppedCounts = {};
  readonly instants: number[] = [];
  private readonly outputBlocks = new Map<string, OutputBlock>();
  private lastOutputBlock: OutputBlock | undefined;
  private readonly inputBlocks = new Map<string, InputBlock>();
  /** When the agent's next spoken text started to be previewed or voiced. */
  private previewStartedAt: number | undefined;
  /** The agent's last message since the caller last spoke: the one an interruption cuts. */
  private agentTurn: (StackMessage & { role: 'bot' }) | undefined;
  private interruptPending = false;
  private readonly calls = new Map<string, StackMessage & { role: 'function_call' }>();
  private readonly answered = new Set<string>();

  read(logged: LoggedEvent): Refusal | undefined {
    const event = novaEvent(logged);
    if (!event) return { ok: false, path: logged.path, message: `must be ${WHAT}` };
    if (logged.at !== undefined) this.instants.push(logged.at);
    const { name, body, path } = event;
    switch (name) {
      case 'contentStart':
        return this.readContentStart(body, path, logged.at);
      case 'textOutput':
        return this.readTextOutput(body, path, logged.at);
      case 'contentEnd':
        this.readContentEnd(body, logged.at);
        return undefined;
      case 'toolUse':
        return this.readToolUse(body, path, logged.at);
      case 'toolResult':
        return this.readToolResult(body, path, logged.at);
      case 'textInput':
        return this.readTextInput(body, path, logged.at);
      default:
        if (!FRAMING.has(name)) countDropped(this.dropped, name);
        return undefined;
    }
  }

  private readContentStart(body: Json, path: string, at: number | undefined): Refusal | undefined {
    const contentName = text(body.contentName);
    if (contentName !== undefined && body.contentId === undefined) {
      // The app's own input block.
      const toolResult = record(body.toolResultInputConfiguration);
      this.inputBlocks.set(contentName, { role: text(body.role), interactive: body.interactive === true, toolUseId: text(toolResult?.toolUseId) });
      return undefined;
    }
    let stage: OutputBlock['stage'] = 'FINAL';
    const fields = body.additionalModelFields;
    if (fields !== undefined && fields !== null) {
      let parsed: unknown;
      try {
        parsed = typeof fields === 'string' ? JSON.parse(fields) : fields;
      } catch {
        return { ok: false, path: `${path}.additionalModelFields`, message: 'must be JSON text, like {"generationStage":"FINAL"}' };
      }
      if (record(parsed)?.generationStage === 'SPECULATIVE') stage = 'SPECULATIVE';
    }
    const block: OutputBlock = { role: text(body.role), type: text(body.type), stage, startedAt: at };
    const id = text(body.contentId);
    if (id !== undefined) this.outputBlocks.set(id, block);
    this.lastOutputBlock = block;
    const previews = block.role === 'ASSISTANT' && (block.type === 'AUDIO' || stage === 'SPECULATIVE');
    if (previews && at !== undefined) this.previewStartedAt ??= at;
    return undefined;
  }

  private blockOf(body: Json): OutputBlock | undefined {
    const id = text(body.contentId);
    return id === undefined ? this.lastOutputBlock : this.outputBlocks.get(id);
  }

  private readTextOutput(body: Json, path: string, at: number | undefined): Refusal | undefined {
    const content = text(body.content);
    if (content === undefined) return { ok: false, path: `${path}.content`, message: 'is required: the text of the block' };
    const block = this.blockOf(body);
    const role = ROLES[text(body.role) ?? block?.role ?? ''];
    const words = content.replace(INTERRUPTED_MARKER, '').trim();
    if (words !== content.trim()) this.interruptPending = true;
    if (words === '') return undefined;
    if (role === undefined) {
      countDropped(this.dropped, 'textOutput');
      return undefined;
    }
    if ((block?.stage ?? 'FINAL') === 'SPECULATIVE') {
      countDropped(this.dropped, 'speculative_text');
      return undefined;
    }
    if (block?.message) {
      block.message.content = `${block.message.content} ${words}`;
      if (at !== undefined) block.message.end = { epochMs: at };
      return undefined;
    }
    const end = instant(at);
    let start: StackTime | undefined;
    if (role === 'user') {
      this.closeAgentTurn();
      start = instant(block?.startedAt ?? at);
    } else {
      start = instant(this.previewStartedAt ?? block?.startedAt ?? at);
      this.previewStartedAt = undefined;
    }
    const message = { role, content: words, ...(start ? { start } : {}), ...(end ? { end } : {}), path };
    if (block) block.message = message;
    if (message.role === 'bot') this.agentTurn = message as StackMessage & { role: 'bot' };
    this.messages.push(message);
    return undefined;
  }

  /** The caller speaks again: an interruption since the agent last spoke cut its last message. */
  closeAgentTurn(): void {
    if (this.interruptPending && this.agentTurn) this.agentTurn.interrupted = true;
    this.interruptPending = false;
    this.agentTurn = undefined;
  }

  private readContentEnd(body: Json, at: number | undefined): void {
    if (text(body.contentName) !== undefined && body.contentId === undefined) return;
    const block = this.blockOf(body);
    if (block?.message && at !== undefined) block.message.end = { epochMs: at };
    if (body.stopReason === 'INTERRUPTED' && (block?.role ?? 'ASSISTANT') === 'ASSISTANT') this.interruptPending = true;
  }

  private readToolUse(body: Json, path: string, at: number | undefined): Refusal | undefined {
    const id = text(body.toolUseId);
    if (!id) return { ok: false, path: `${path}.toolUseId`, message: 'is required: the id its toolResult answers' };
    const name = text(body.toolName);
    if (!name) return { ok: false, path: `${path}.toolName`, message: 'is required: the name of the tool called' };
    const time = instant(at);
    const message: StackMessage & { role: 'function_call' } = {
      role: 'function_call',
      content: '',
      data: { id, name, arguments: jsonText(body.content) || '{}' },
      ...(time ? { start: time, end: time } : {}),
      path,
    };
    this.calls.set(id, message);
    this.messages.push(message);
    return undefined;
  }

  private readToolResult(body: Json, path: string, at: number | undefined): Refusal | undefined {
    const contentName = text(body.contentName);
    const unanswered = [...this.calls.keys()].filter((id) => !this.answered.has(id));
    // The id is in the contentStart of the block the result was sent in; with one call waiting, it is that one.
    const id =
      text(body.toolUseId) ??
      (contentName === undefined ? undefined : this.inputBlocks.get(contentName)?.toolUseId) ??
      (unanswered.length === 1 ? unanswered[0] : undefined);
    const call = id === undefined ? undefined : this.calls.get(id);
    if (id === undefined || !call) {
      return {
        ok: false,
        path: contentName === undefined ? path : `${path}.contentName`,
        message: 'answers no toolUse in the log: log the contentStart you sent before it (its toolResultInputConfiguration.toolUseId names the call)',
      };
    }
    this.answered.add(id);
    const time = instant(at);
    this.messages.push({
      role: 'function_call_result',
      content: '',
      data: { id, name: call.data.name, result: jsonText(body.content) },
      ...(time ? { start: time, end: time } : {}),
      path,
    });
    return undefined;
  }

  private readTextInput(body: Json, path: string, at: number | undefined): Refusal | undefined {
    const content = text(body.content);
    if (content === undefined) return { ok: false, path: `${path}.content`, message: 'is required: the text sent' };
    const contentName = text(body.contentName);
    const block = contentName === undefined ? undefined : this.inputBlocks.get(contentName);
    if (block?.role === 'USER' && block.interactive && content.trim() !== '') {
      this.closeAgentTurn();
      const time = instant(at);
      this.messages.push({ role: 'user', content: content.trim(), ...(time ? { start: time, end: time } : {}), path });
    } else {
      countDropped(this.dropped, block?.role === 'SYSTEM' ? 'system_prompt' : 'history_text');
    }
    return undefined;
  }
}

function read(transcript: unknown): TranscriptReading {
  const reading = readEventLog(transcript, { what: WHAT });
  if (!reading.ok) return reading;
  const log = new SonicLog();
  for (const logged of reading.events) {
    const refusal = log.read(logged);
    if (refusal) return refusal;
  }
  log.closeAgentTurn();
  return { ok: true, messages: log.messages, instants: log.instants, dropped: log.dropped };
}

export const novaSonicFormat: StackFormat = {
  name: 'nova-sonic',
  expects: "the app's log of Nova Sonic stream events (`contentStart`, `textOutput`, `toolUse`, ...), an array or `{ events }`",
  recognises,
  read,
};

export const novaSonic = stackSource(novaSonicFormat);
