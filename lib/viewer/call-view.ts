/**
 * What the call viewer shows of a call, as a pure function of the call `GET /calls` served: its
 * turns on a timeline, tool calls paired with their results, the agent's response latency, the
 * call's details and the warnings `npm run verify` would give. Bundled into the page (no DOM, no
 * Node here) and tested on its own.
 *
 * The input is whatever the endpoint answered, so every field is read defensively: a call the
 * rules would refuse is still shown, with the warnings saying what is wrong with it.
 */
import { callWarnings, type Warning } from './warnings';

export type { Warning } from './warnings';

interface Timing {
  /** Position of the message in the served `messages` array. */
  index: number;
  /** Seconds from the start of the call, as served; undefined when not a number. */
  start: number | undefined;
  end: number | undefined;
}

export interface SpeechTurn extends Timing {
  kind: 'speech';
  role: 'bot' | 'user';
  text: string;
  interrupted: boolean;
  /** For an agent turn answering the caller: seconds between the caller's end and this start. */
  latency: number | undefined;
}

export interface SystemTurn extends Timing {
  kind: 'system';
  text: string;
}

export interface ToolResultView extends Timing {
  /** The result as served, pretty-printed when it is JSON text. */
  text: string;
  isError: boolean;
}

export interface ToolTurn extends Timing {
  kind: 'tool';
  id: string;
  name: string;
  /** The arguments as served, pretty-printed when they are JSON text. */
  arguments: string;
  /** The function_call_result with the same id, when there is one. */
  result: ToolResultView | undefined;
}

/** A function_call_result no function_call of the call has the id of. */
export interface UnpairedResultTurn extends Timing {
  kind: 'unpaired-result';
  id: string;
  name: string;
  result: ToolResultView;
}

/** A message of a role the format does not have. */
export interface OtherTurn extends Timing {
  kind: 'other';
  role: string;
  text: string;
}

export type Turn = SpeechTurn | SystemTurn | ToolTurn | UnpairedResultTurn | OtherTurn;

export interface CallView {
  id: string;
  number: string;
  startedAt: string;
  endedAt: string;
  /** Length of the call in seconds, when both instants parse and are in order. */
  durationS: number | undefined;
  messageCount: number;
  turns: Turn[];
  /** Label and value of each field of the call other than its messages, in the format's order. */
  details: Array<[label: string, value: string]>;
  /** The recording the page can play: an https link (a recording in S3 is served as a signed one); else undefined. */
  recording: string | undefined;
  /** The call as served, as indented JSON. */
  raw: string;
  warnings: Warning[];
}

/** One row of the list of calls. */
export interface CallRow {
  id: string;
  number: string;
  startedAt: string;
  durationS: number | undefined;
  messageCount: number;
  warnings: Warning[];
}

type Loose = Record<string, unknown>;

const asObject = (value: unknown): Loose => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Loose) : {});
const asText = (value: unknown): string => (typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value));
const asSeconds = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const messagesOf = (call: Loose): unknown[] => (Array.isArray(call.messages) ? call.messages : []);

/** Rounded to the millisecond: times are served with at most that precision, sums are not. */
const roundMs = (seconds: number): number => Math.round(seconds * 1000) / 1000;

/** Tool arguments and results are JSON text: indented when they parse, as served otherwise. */
export function prettyJsonText(text: string): string {
  const trimmed = text.trim();
  if (!(trimmed.startsWith('{') || trimmed.startsWith('['))) return text;
  try {
    return JSON.stringify(JSON.parse(trimmed), null, 2);
  } catch {
    return text;
  }
}

export function durationOf(call: unknown): number | undefined {
  const { startedAt, endedAt } = asObject(call);
  if (typeof startedAt !== 'string' || typeof endedAt !== 'string') return undefined;
  const start = Date.parse(startedAt);
  const end = Date.parse(endedAt);
  return Number.isNaN(start) || Number.isNaN(end) || end < start ? undefined : roundMs((end - start) / 1000);
}

function toolResult(message: Loose, index: number): ToolResultView {
  const data = asObject(message.data);
  return {
    index,
    start: asSeconds(message.start_time),
    end: asSeconds(message.end_time),
    text: prettyJsonText(asText(data.result)),
    isError: message.is_error === true,
  };
}

/**
 * The turns in served order. A tool call takes its result along (the first result with its id);
 * a result is listed on its own only when no call has its id. The latency of an agent turn is
 * measured from the caller's last words before it, through any tool calls in between.
 */
export function turnsOf(call: unknown): Turn[] {
  const messages = messagesOf(asObject(call)).map(asObject);
  const resultIndexById = new Map<string, number>();
  const calledIds = new Set<string>();
  messages.forEach((message, index) => {
    const id = asObject(message.data).id;
    if (typeof id !== 'string') return;
    if (message.role === 'function_call') calledIds.add(id);
    if (message.role === 'function_call_result' && !resultIndexById.has(id)) resultIndexById.set(id, index);
  });
  const pairedResults = new Set([...resultIndexById.entries()].filter(([id]) => calledIds.has(id)).map(([, index]) => index));

  const turns: Turn[] = [];
  let lastSpeaker: { role: string; end: number | undefined } | undefined;
  messages.forEach((message, index) => {
    const timing = { index, start: asSeconds(message.start_time), end: asSeconds(message.end_time) };
    const role = asText(message.role);
    const data = asObject(message.data);
    const id = asText(data.id);
    const name = asText(data.name);
    switch (role) {
      case 'bot':
      case 'user': {
        const answersCaller = role === 'bot' && lastSpeaker?.role === 'user';
        const latency = answersCaller && lastSpeaker?.end !== undefined && timing.start !== undefined ? roundMs(timing.start - lastSpeaker.end) : undefined;
        turns.push({ kind: 'speech', ...timing, role, text: asText(message.content), interrupted: message.interrupted === true, latency });
        lastSpeaker = { role, end: timing.end };
        return;
      }
      case 'system':
        turns.push({ kind: 'system', ...timing, text: asText(message.content) });
        return;
      case 'function_call': {
        const resultIndex = resultIndexById.get(id);
        const result = resultIndex === undefined ? undefined : toolResult(messages[resultIndex]!, resultIndex);
        turns.push({ kind: 'tool', ...timing, id, name, arguments: prettyJsonText(asText(data.arguments)), result });
        return;
      }
      case 'function_call_result':
        if (!pairedResults.has(index)) turns.push({ kind: 'unpaired-result', ...timing, id, name, result: toolResult(message, index) });
        return;
      default:
        turns.push({ kind: 'other', ...timing, role, text: asText(message.content) });
    }
  });
  return turns;
}

const DETAIL_FIELDS: Array<[field: string, label: string]> = [
  ['id', 'id'],
  ['startedAt', 'started at'],
  ['endedAt', 'ended at'],
  ['endedReason', 'ended reason'],
  ['phoneNumber', "agent's number"],
  ['recordingUrl', 'recording URL'],
  ['agent_id', 'Cekura agent id'],
  ['run_id', 'Cekura run id'],
  ['trace_id', 'Cekura trace id'],
];

function detailsOf(call: Loose): Array<[string, string]> {
  const customer = asObject(call.customer);
  const details: Array<[string, string]> = [];
  const add = (label: string, value: unknown) => {
    if (value !== undefined) details.push([label, typeof value === 'string' ? value : JSON.stringify(value, null, 2)]);
  };
  add('customer number', customer.number);
  add('customer name', customer.name);
  for (const [field, label] of DETAIL_FIELDS) add(label, call[field]);
  add('metadata', call.metadata);
  const known = new Set(['customer', 'messages', 'metadata', ...DETAIL_FIELDS.map(([field]) => field)]);
  // Fields the format does not name are served too; Cekura sees them, so the page shows them.
  for (const [field, value] of Object.entries(call)) if (!known.has(field)) add(field, value);
  return details;
}

export function summariseCall(call: unknown, serverNowMs?: number): CallRow {
  const object = asObject(call);
  return {
    id: asText(object.id),
    number: asText(asObject(object.customer).number),
    startedAt: asText(object.startedAt),
    durationS: durationOf(call),
    messageCount: messagesOf(object).length,
    warnings: callWarnings(call, serverNowMs),
  };
}

/** Everything the page shows of one call. `serverNowMs` is the `Date` of the answer it came in; `summary`, its row when listed. */
export function viewCall(call: unknown, serverNowMs?: number, summary?: CallRow): CallView {
  const object = asObject(call);
  // The list already summarised the call (its warnings are the costly part of a large call).
  const row = summary ?? summariseCall(call, serverNowMs);
  return {
    id: row.id,
    number: row.number,
    startedAt: row.startedAt,
    endedAt: asText(object.endedAt),
    durationS: row.durationS,
    messageCount: row.messageCount,
    turns: turnsOf(call),
    details: detailsOf(object),
    recording: playableRecording(object.recordingUrl),
    raw: JSON.stringify(call, null, 2),
    warnings: row.warnings,
  };
}

/** Only https: the page's Content-Security-Policy plays media from https origins, nothing else. */
function playableRecording(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return new URL(value).protocol === 'https:' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** `7.1 s`, `12.35 s`: the precision the format carries, without trailing zeros. */
export function formatSeconds(seconds: number | undefined): string {
  if (seconds === undefined) return '?';
  return `${Number(seconds.toFixed(3))} s`;
}

/** `1:05` for 65 s, `1:02:03` past an hour. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined) return '?';
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** `none`, `1 warning`, `3 warnings (1 failing)`: what the list says of a call's warnings. */
export function warningLabel(warnings: readonly Warning[]): string {
  if (warnings.length === 0) return 'none';
  const failing = warnings.filter((w) => w.level === 'fail').length;
  const count = `${warnings.length} warning${warnings.length === 1 ? '' : 's'}`;
  return failing > 0 ? `${count} (${failing} failing)` : count;
}

/**
 * An ISO instant as the From / To fields read it: in `timeZone` (the browser's own when left
 * out), `2026-12-04 16:05:09`, with the zone's short name, e.g. `GMT+1`. As given when it is not
 * an instant.
 */
export function formatInstant(iso: string, timeZone?: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    })
      .formatToParts(ms)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${parts.timeZoneName}`;
}

/** Text longer than this is drawn in pieces (see TEXT_PIECE). */
export const LONG_TEXT = 2000;
/**
 * Chromium lays out an unbroken run of text that may break anywhere in time that grows with the
 * square of its length (300,000 characters took over a minute): drawn as pieces of this many
 * characters with a break opportunity between them (`<wbr>`, no text of its own, so copying gives
 * the text back unchanged), no run is longer than this.
 */
export const TEXT_PIECE = 120;

/** The pieces `text` is drawn in: itself when short, else TEXT_PIECE-character slices. */
export function textPieces(text: string): string[] {
  if (text.length <= LONG_TEXT) return [text];
  const pieces: string[] = [];
  for (let at = 0; at < text.length; at += TEXT_PIECE) {
    let end = Math.min(text.length, at + TEXT_PIECE);
    // Never split a surrogate pair between two pieces.
    if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end += 1;
    pieces.push(text.slice(at, end));
    at = end - TEXT_PIECE;
  }
  return pieces;
}
