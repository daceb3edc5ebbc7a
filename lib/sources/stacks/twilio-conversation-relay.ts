/**
 * Twilio ConversationRelay: the call's WebSocket carries JSON messages both ways
 * (twilio.com/docs/voice/conversationrelay/websocket-messages) and nothing else keeps them, so the
 * app logs both directions and posts the log (lib/sources/stacks/event-log.ts: an array or
 * `{ events }`, each entry optionally stamped `received_at` / `sent_at`).
 *
 * - Twilio → app: `setup {sessionId, callSid, from, to, direction, customParameters, ...}`,
 *   `prompt {voicePrompt, lang, last}`, `interrupt {utteranceUntilInterrupt,
 *   durationUntilInterruptMs}`, `dtmf {digit}`, `error {description}`;
 * - app → Twilio: `text {token, last}`, `play {source}`, `sendDigits {digits}`, `language`,
 *   `end {handoffData}`.
 *
 * What becomes of each:
 * - `setup` names the call: `callSid` is the id, the caller (`from` on an inbound call, `to` on an
 *   outbound one) the customer, the other number the agent's, for an envelope that leaves them out;
 * - a caller turn is a `prompt` with `last: true`; `last: false` prompts (`partialPrompts`) are
 *   previews the final one supersedes, counted as `partial_prompt`, and time the turn's start;
 * - an agent turn is its `text` tokens up to `last: true`, joined as sent;
 * - `interrupt` cuts the last agent turn to `utteranceUntilInterrupt` (what the caller heard), marks
 *   it `interrupted` and ends it then; a turn cut before any of it was heard is counted as
 *   `unheard_agent_turn`;
 * - `dtmf` is the caller's key press `[DTMF 5]`, `sendDigits` the agent's `[DTMF 1234#]`;
 * - `end` is a system note, with its `handoffData`;
 * - anything else (`play`, `language`, `error`, `info`, ...) is counted in `dropped` by its type.
 *
 * No message carries a clock: times are the app's stamps; an unstamped log needs startedAt.
 */
import { phoneNumberIn, text } from '../read';
import type { DroppedCounts } from '../source';
import { countDropped } from '../source';
import type { CallDefaults, StackFormat, StackMessage, TranscriptReading } from './envelope';
import { stackSource } from './envelope';
import { type LoggedEvent, logEntries, readEventLog } from './event-log';

const WHAT = 'a ConversationRelay message (Twilio\'s or the app\'s, with its "type")';

/** Message types of both directions, as Twilio's WebSocket messages page lists them. */
const TWILIO_TYPES = new Set(['setup', 'prompt', 'dtmf', 'interrupt', 'error', 'info', 'text', 'play', 'sendDigits', 'language', 'end']);

/** Only ConversationRelay has these shapes: a log without one of them is not its. */
function isDistinctive(event: Record<string, unknown>): boolean {
  switch (event.type) {
    case 'setup':
      return typeof event.callSid === 'string' || typeof event.sessionId === 'string';
    case 'prompt':
      return typeof event.voicePrompt === 'string';
    case 'text':
      return typeof event.token === 'string';
    case 'interrupt':
      return 'utteranceUntilInterrupt' in event;
    default:
      return false;
  }
}

function recognises(transcript: unknown): boolean {
  const found = logEntries(transcript);
  if (!found || found.entries.length === 0) return false;
  const reading = readEventLog(transcript, { what: WHAT });
  if (!reading.ok) return false;
  const events = reading.events.map(({ event }) => event);
  return events.every((event) => typeof event.type === 'string' && TWILIO_TYPES.has(event.type)) && events.some(isDistinctive);
}

type Refusal = { ok: false; path: string; message: string };

/** What `setup` says about the call. */
function callDefaults(setup: Record<string, unknown>): CallDefaults {
  const from = phoneNumberIn(text(setup.from));
  const to = phoneNumberIn(text(setup.to));
  const outbound = (text(setup.direction) ?? '').startsWith('outbound');
  const [caller, agent] = outbound ? [to, from] : [from, to];
  const callSid = text(setup.callSid);
  return {
    ...(callSid ? { id: callSid } : {}),
    ...(caller ? { customer: { number: caller } } : {}),
    ...(agent ? { phoneNumber: agent } : {}),
  };
}

/** A message's times from the stamps of the entries that began and ended it (none when unstamped). */
function timed(first: LoggedEvent, last: LoggedEvent = first): Pick<StackMessage, 'start' | 'end'> {
  return {
    ...(first.at === undefined ? {} : { start: { epochMs: first.at } }),
    ...(last.at === undefined ? {} : { end: { epochMs: last.at } }),
  };
}

class RelayLog {
  readonly messages: StackMessage[] = [];
  readonly dropped: DroppedCounts = {};
  readonly instants: number[] = [];
  defaults: CallDefaults | undefined;
  /** The agent turn being streamed (tokens sent, `last: true` not yet). */
  private openTurn: { message: StackMessage & { role: 'bot' }; tokens: string[] } | undefined;
  /** The last agent turn, open or closed: the one an `interrupt` cuts. */
  private lastAgentTurn: (StackMessage & { role: 'bot' }) | undefined;
  /** Partial prompts of the caller's turn in progress. */
  private partials: LoggedEvent[] = [];

  read(logged: LoggedEvent): Refusal | undefined {
    const { event, path } = logged;
    const type = text(event.type);
    if (type === undefined) return { ok: false, path: `${path}.type`, message: `is required: ${WHAT}` };
    if (logged.at !== undefined) this.instants.push(logged.at);
    switch (type) {
      case 'setup':
        this.defaults ??= callDefaults(event);
        return undefined;
      case 'prompt':
        return this.readPrompt(logged);
      case 'text':
        return this.readToken(logged);
      case 'interrupt':
        return this.readInterrupt(logged);
      case 'dtmf': {
        const digit = text(event.digit) ?? (typeof event.digit === 'number' ? String(event.digit) : undefined);
        if (digit === undefined) return { ok: false, path: `${path}.digit`, message: 'is required: the key the caller pressed' };
        this.messages.push({ role: 'user', content: `[DTMF ${digit}]`, ...timed(logged), path });
        return undefined;
      }
      case 'sendDigits': {
        const digits = text(event.digits);
        if (digits === undefined) return { ok: false, path: `${path}.digits`, message: 'is required: the digits the agent sent' };
        this.closeTurn(undefined);
        this.messages.push({ role: 'bot', content: `[DTMF ${digits}]`, ...timed(logged), path });
        return undefined;
      }
      case 'end': {
        this.closeTurn(undefined);
        const handoff = text(event.handoffData) ?? (event.handoffData === undefined ? undefined : JSON.stringify(event.handoffData));
        const note = handoff === undefined || handoff === '' ? 'The agent ended the session.' : `The agent ended the session; handoff data: ${handoff}`;
        this.messages.push({ role: 'system', content: note, ...timed(logged), path });
        return undefined;
      }
      default:
        countDropped(this.dropped, type);
        return undefined;
    }
  }

  private readPrompt(logged: LoggedEvent): Refusal | undefined {
    const { event, path } = logged;
    const said = text(event.voicePrompt);
    if (said === undefined) return { ok: false, path: `${path}.voicePrompt`, message: "is required: the caller's words" };
    if (event.last === false) {
      this.partials.push(logged);
      return undefined;
    }
    const first = this.partials[0] ?? logged;
    this.dropPartials();
    if (said.trim() === '') return undefined;
    this.messages.push({ role: 'user', content: said.trim(), ...timed(first, logged), path });
    return undefined;
  }

  private readToken(logged: LoggedEvent): Refusal | undefined {
    const { event, path } = logged;
    const token = text(event.token);
    if (token === undefined) return { ok: false, path: `${path}.token`, message: 'is required: the words sent to be spoken' };
    if (!this.openTurn) {
      const message: StackMessage & { role: 'bot' } = { role: 'bot', content: '', ...timed(logged), path };
      this.openTurn = { message, tokens: [] };
      this.messages.push(message);
      this.lastAgentTurn = message;
    }
    this.openTurn.tokens.push(token);
    this.openTurn.message.content = this.openTurn.tokens.join('').trim();
    if (logged.at !== undefined) this.openTurn.message.end = { epochMs: logged.at };
    if (event.last === true) this.closeTurn(undefined);
    return undefined;
  }

  private readInterrupt(logged: LoggedEvent): Refusal | undefined {
    const { event, path } = logged;
    const heard = text(event.utteranceUntilInterrupt);
    if (heard === undefined) return { ok: false, path: `${path}.utteranceUntilInterrupt`, message: 'is required: what the caller heard of the agent' };
    const turn = this.lastAgentTurn;
    this.closeTurn(logged.at);
    if (!turn) {
      countDropped(this.dropped, 'interrupt');
      return undefined;
    }
    if (heard.trim() === '') {
      // Cut before a word was played: the caller heard nothing of it.
      this.messages.splice(this.messages.indexOf(turn), 1);
      countDropped(this.dropped, 'unheard_agent_turn');
    } else {
      turn.content = heard.trim();
      turn.interrupted = true;
      if (logged.at !== undefined) turn.end = { epochMs: logged.at };
    }
    this.lastAgentTurn = undefined;
    return undefined;
  }

  /** Ends the agent turn being streamed (at `endMs` when an interrupt cut it). */
  private closeTurn(endMs: number | undefined): void {
    if (this.openTurn && endMs !== undefined) this.openTurn.message.end = { epochMs: endMs };
    this.openTurn = undefined;
  }

  /** Partial prompts are previews: superseded by the final prompt, or never finished. */
  dropPartials(): void {
    if (this.partials.length > 0) countDropped(this.dropped, 'partial_prompt', this.partials.length);
    this.partials = [];
  }
}

function read(transcript: unknown): TranscriptReading {
  const reading = readEventLog(transcript, { what: WHAT });
  if (!reading.ok) return reading;
  const log = new RelayLog();
  for (const logged of reading.events) {
    const refusal = log.read(logged);
    if (refusal) return refusal;
  }
  log.dropPartials();
  // A turn never sent past its first (empty) token carries no words.
  const messages = log.messages.filter((message) => message.content !== '' || message.role !== 'bot');
  return {
    ok: true,
    messages,
    instants: log.instants,
    dropped: log.dropped,
    ...(log.defaults ? { defaults: log.defaults } : {}),
  };
}

export const twilioConversationRelayFormat: StackFormat = {
  name: 'twilio-conversation-relay',
  expects: "the app's log of ConversationRelay messages both ways (`setup`, `prompt`, `text`, `interrupt`, ...), an array or `{ events }`",
  recognises,
  read,
  namesTheCall: true,
};

export const twilioConversationRelay = stackSource(twilioConversationRelayFormat);
