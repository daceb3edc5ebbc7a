/**
 * Ultravox's call messages (`GET /api/calls/{id}/messages?mode=in_call`): `{ results: [...], next,
 * total }` or the bare `results` array. Each message has a `role` (MESSAGE_ROLE_*), `text` (the
 * words, a tool's arguments or its result), `toolName` / `invocationId` on tool messages, and
 * `timespan` (durations such as "4.100s" from the start of the call's audio). `wallClockTimespan`
 * (durations from the call's join, per Ultravox's API reference) stands in when `timespan` is
 * missing. Tool messages often have neither: they stay untimed.
 *
 * The list's default mode, `last_stage`, returns the last call stage's messages: the turns of the
 * earlier stages come back as that stage's initial messages, which Ultravox never times ("only set
 * for messages that occurred during the call (stage) and not for messages in the call's (call
 * stage's) initial messages", API reference, ultravox.v1.Message.timespan). Stored, they would all
 * sit at the call's start, or be prompts nobody said in this call. So a user or agent message
 * without any time before the first timed message is refused, telling the user to fetch with
 * `mode=in_call` (all stages, initial messages excluded).
 *
 * Entries that are not turned into messages are counted in `dropped`: `MESSAGE_ROLE_UNSPECIFIED`
 * entries (`unspecified_message`) and user or agent messages without text (`message_without_text`).
 * The list carries no instants, so the envelope's startedAt is needed.
 */
import { type Json, record, text } from '../read';
import { countDropped, type DroppedCounts } from '../source';
import { instantFrom, type StackFormat, type StackMessage, type StackTime, stackSource, type TranscriptReading } from './envelope';

const ROLE_PREFIX = 'MESSAGE_ROLE_';
type UltravoxRole = 'USER' | 'AGENT' | 'TOOL_CALL' | 'TOOL_RESULT' | 'UNSPECIFIED';
const ROLES = new Set<string>(['USER', 'AGENT', 'TOOL_CALL', 'TOOL_RESULT', 'UNSPECIFIED']);
/** Lowercase names some apps log; `user` alone is OpenAI's too, so it does not tell the format. */
const LOWERCASE_ROLES = new Set<string>(['user', 'agent', 'tool_call', 'tool_result']);

/** Protobuf JSON durations: "4.100s" (Ultravox's pattern allows a sign). */
const DURATION = /^(-?\d+(?:\.\d+)?)s$/;

type Refusal = { ok: false; path: string; message: string };
const refusal = (path: string, message: string): Refusal => ({ ok: false, path, message });

function ultravoxRole(value: unknown): UltravoxRole | undefined {
  if (typeof value !== 'string') return undefined;
  const name = value.startsWith(ROLE_PREFIX) ? value.slice(ROLE_PREFIX.length) : LOWERCASE_ROLES.has(value) ? value.toUpperCase() : undefined;
  return name !== undefined && ROLES.has(name) ? (name as UltravoxRole) : undefined;
}

function resultsOf(transcript: unknown): { messages: unknown[]; prefix: string; body?: Json } | undefined {
  if (Array.isArray(transcript)) return { messages: transcript, prefix: '' };
  const body = record(transcript);
  return body && Array.isArray(body.results) ? { messages: body.results, prefix: 'results', body } : undefined;
}

/** Every entry has an Ultravox role, none has OpenAI's `content` or a LiveKit `type`, one role is Ultravox's own. */
function recognisesUltravox(transcript: unknown): boolean {
  const found = resultsOf(transcript);
  if (!found || found.messages.length === 0) return false;
  const entries = found.messages.map(record);
  const fits = entries.every((entry) => entry !== undefined && ultravoxRole(entry.role) !== undefined && !('content' in entry) && !('type' in entry));
  const distinctive = entries.some(
    (entry) => typeof entry?.role === 'string' && (entry.role.startsWith(ROLE_PREFIX) || (entry.role !== 'user' && LOWERCASE_ROLES.has(entry.role))),
  );
  return fits && distinctive;
}

/** A duration string (seconds from the start), a number of seconds, or an ISO instant. */
function timeOf(value: unknown, path: string): StackTime | Refusal | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return { seconds: value };
  if (typeof value === 'string') {
    const duration = DURATION.exec(value.trim());
    if (duration) return { seconds: Number(duration[1]) };
    const instant = instantFrom(value);
    if (instant) return instant;
  }
  return refusal(path, 'must be a duration from the start of the call, like "4.100s"');
}

const isRefusal = (value: StackTime | Refusal | undefined): value is Refusal => value !== undefined && 'ok' in value;

function timesOf(message: Json, at: string): { ok: true; start?: StackTime; end?: StackTime } | Refusal {
  const key = record(message.timespan)?.start !== undefined ? 'timespan' : 'wallClockTimespan';
  const span = record(message[key]);
  if (!span) return { ok: true };
  const start = timeOf(span.start, `${at}.${key}.start`);
  if (isRefusal(start)) return start;
  const end = timeOf(span.end, `${at}.${key}.end`);
  if (isRefusal(end)) return end;
  return { ok: true, ...(start ? { start } : {}), ...(end ? { end } : {}) };
}

const nonEmpty = (value: unknown): string | undefined => {
  const s = text(value);
  return s === undefined || s === '' ? undefined : s;
};

function toolNamesById(messages: unknown[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const value of messages) {
    const message = record(value);
    if (ultravoxRole(message?.role) !== 'TOOL_CALL') continue;
    const id = nonEmpty(message?.invocationId);
    const name = nonEmpty(message?.toolName);
    if (id !== undefined && name !== undefined) names.set(id, name);
  }
  return names;
}

function readUltravoxMessages(transcript: unknown): TranscriptReading {
  const found = resultsOf(transcript);
  if (!found) return refusal('', 'must be the call messages list: { results: [...] } or its results array');
  // A page of a longer list would be stored as if it were the whole call.
  if (nonEmpty(found.body?.next) !== undefined) {
    return refusal('next', "is set: this is one page of the call's messages; follow `next` and send every page's results in one list");
  }
  const toolNames = toolNamesById(found.messages);
  const out: StackMessage[] = [];
  const dropped: DroppedCounts = {};
  let timedSoFar = false;

  for (const [index, value] of found.messages.entries()) {
    const at = `${found.prefix}[${index}]`;
    const message = record(value);
    if (!message) return refusal(at, 'must be a message object');
    const role = ultravoxRole(message.role);
    if (role === undefined) return refusal(`${at}.role`, `must be one of ${[...ROLES].map((name) => ROLE_PREFIX + name).join(', ')}`);
    if (role === 'UNSPECIFIED') {
      countDropped(dropped, 'unspecified_message');
      continue;
    }
    const times = timesOf(message, at);
    if (!times.ok) return times;
    const timed = { ...(times.start ? { start: times.start } : {}), ...(times.end ? { end: times.end } : {}) };

    if (role === 'USER' || role === 'AGENT') {
      const words = text(message.text);
      if (words === undefined || words === '') {
        countDropped(dropped, 'message_without_text');
        continue;
      }
      if (!times.start && !timedSoFar) return refusal(at, LAST_STAGE_MESSAGE);
      out.push({ role: role === 'USER' ? 'user' : 'bot', content: words, ...timed });
      timedSoFar ||= times.start !== undefined;
      continue;
    }
    timedSoFar ||= times.start !== undefined;
    const id = nonEmpty(message.invocationId);
    if (id === undefined) return refusal(`${at}.invocationId`, 'is required on tool messages: it pairs a tool call with its result');
    if (role === 'TOOL_CALL') {
      const name = nonEmpty(message.toolName);
      if (name === undefined) return refusal(`${at}.toolName`, 'is required: the name of the tool called');
      const args = text(message.text);
      out.push({ role: 'function_call', content: '', data: { id, name, ...(args === undefined ? {} : { arguments: args }) }, ...timed });
    } else {
      const name = toolNames.get(id) ?? nonEmpty(message.toolName);
      if (name === undefined) return refusal(`${at}.invocationId`, 'matches no tool call in the list, and the message has no toolName');
      // Ultravox shows the model a failure's text and keeps the details apart, for failed calls only.
      const failed = nonEmpty(message.errorDetails) !== undefined;
      out.push({
        role: 'function_call_result',
        content: '',
        data: { id, name, result: text(message.text) ?? '' },
        ...(failed ? { is_error: true } : {}),
        ...timed,
      });
    }
  }
  return { ok: true, messages: out, dropped };
}

const LAST_STAGE_MESSAGE =
  "has no timespan, before any timed message: these are initial messages of a call stage, which GET /api/calls/{id}/messages returns untimed in its default mode=last_stage (with the earlier stages' turns among them); fetch the messages with ?mode=in_call";

export const ultravoxFormat: StackFormat = {
  name: 'ultravox',
  expects: 'Ultravox call messages (`{ role: "MESSAGE_ROLE_...", text, timespan? }`), an array or the `{ results }` page',
  recognises: recognisesUltravox,
  read: readUltravoxMessages,
};

export const ultravox = stackSource(ultravoxFormat);
