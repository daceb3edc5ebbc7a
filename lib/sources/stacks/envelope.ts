/**
 * The body every self-built stack sends at the end of a call: what the adapter must know about the
 * call, plus the framework's own export, unchanged, as `transcript`:
 *
 *   { id, customer: { number }, phoneNumber?, startedAt?, endedAt?, endedReason?, recordingUrl?,
 *     metadata?, agentId?, runId?, traceId?, transcript: <export> }
 *
 * A stack format (livekit.ts, openai-chat.ts, ...) only reads its export into messages whose
 * times are instants or seconds from the start. The rules every stack shares are here:
 * - startedAt / endedAt default to the export's earliest and latest instants (every instant it
 *   holds, not only its messages'); an export without instants needs startedAt (a 400 names it);
 * - never invent a time: an untimed message takes the end of the message before it (0 at the
 *   start), and the answer reports how many had no time of their own;
 * - never drop silently: what the export holds that is not a message is counted in `dropped`;
 * - never shift: end_time >= start_time; an instant up to MESSAGE_TIME_RULE.toleranceS before
 *   startedAt (clock skew) is the start, earlier is refused with the message's path, one after
 *   endedAt is refused by CallSchema's shared rule;
 * - a non-empty export that yields no message at all is refused, saying what the format expects;
 * - an export that names its own call (Twilio ConversationRelay's `setup`: call id and numbers) gives
 *   `defaults` for `id`, `customer` and `phoneNumber`; what the envelope gives wins.
 *
 * A format whose export travels with a record of the call (Amazon Connect's contact) may supply
 * the envelope's fields from it (`StackFormat.defaults`): what the envelope gives wins, field by field
 * (metadata key by key), and its `{ seconds }` times may count from an instant other than the
 * call's start (`timeZeroMs`: a recording that began after the call did).
 */
import type { CallInput } from '../../call';
import { MESSAGE_TIME_RULE } from '../../call/message-times';
import { ISO_INSTANT_MESSAGE, parseIsoInstant } from '../../call/timestamps';
import { defined, type Json, record, seconds } from '../read';
import type { CandidateMessage, DroppedCounts, Normalised, NormaliseOptions, Source, SourceName } from '../source';

/** When a message happened, as an export says it: an instant, or seconds from the call's start. */
export type StackTime = { epochMs: number } | { seconds: number };

type Untimed<M> = M extends unknown ? Omit<M, 'start_time' | 'end_time'> : never;

/** A message read from an export: Cekura's message without its times, plus the times it has. */
export type StackMessage = Untimed<CandidateMessage> & {
  start?: StackTime;
  end?: StackTime;
  /** Where the message is in the export (`items[3]`), so a refusal can point at it. */
  path?: string;
};

export type TranscriptReading =
  | {
      ok: true;
      messages: StackMessage[];
      /** Instants of the export that are not a message's (a session's creation, its close): bounds of the call. */
      instants?: number[];
      /** What the export held that did not become a message, by kind. */
      dropped?: DroppedCounts;
      /** The call's id and numbers as the export names them, for an envelope that leaves them out. */
      defaults?: CallDefaults;
    }
  /** `path` is within the export, e.g. `items[3].arguments`. */
  | { ok: false; path: string; message: string };

/** What an export may say about its own call (only a format with `namesTheCall` gives them). */
export interface CallDefaults {
  id?: string;
  customer?: { number: string };
  phoneNumber?: string;
}

/**
 * Envelope fields a format reads from the envelope itself (e.g. Amazon Connect's `contact`), used
 * where the envelope leaves them out. `timeZeroMs`: the instant the export's `{ seconds }` times count
 * from, when that is not the call's start.
 */
export interface StackDefaults {
  id?: string;
  customer?: { number: string };
  phoneNumber?: string;
  startedAt?: string;
  endedAt?: string;
  endedReason?: string;
  recordingUrl?: string;
  metadata?: Json;
  timeZeroMs?: number;
}

export interface StackFormat {
  name: SourceName;
  /** Optional: fields the envelope leaves out, read from the rest of the envelope (see StackDefaults). */
  defaults?(envelope: Json, options: NormaliseOptions): StackDefaults;
  /** Whether an export (the envelope's `transcript`) has this stack's shape, and no other's. */
  recognises(transcript: unknown): boolean;
  /** What the format reads, for a 400 when a forced `?source=` reads no message at all: "a list of ... events". */
  expects: string;
  read(transcript: unknown): TranscriptReading;
  /** The export names its call (its reading's `defaults`), so the envelope may leave out `id`. */
  namesTheCall?: boolean;
}

/**
 * The envelope of a stack's call: an id (unless the export names its call) and an export that is
 * not plain text (Vapi and Retell send text).
 */
export function isStackEnvelope(body: Json | undefined, idInExport = false): body is Json & { transcript: unknown } {
  return body !== undefined && (idInExport || 'id' in body) && typeof body.transcript === 'object' && body.transcript !== null;
}

export function stackSource(format: StackFormat): Source {
  return {
    name: format.name,
    detect(payload) {
      const { body } = withDefaults(record(payload), format, { webCallNumber: undefined });
      return isStackEnvelope(body, format.namesTheCall) && format.recognises(body.transcript);
    },
    normalise: (payload, options) => normaliseStackCall(payload, options, format),
  };
}

/** Instants as ISO 8601 or epoch seconds / milliseconds (told apart by size), else undefined. */
export function instantFrom(value: unknown): StackTime | undefined {
  if (typeof value === 'string') {
    const ms = parseIsoInstant(value);
    return ms === undefined ? undefined : { epochMs: ms };
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return undefined;
  // Epoch seconds until 2286 are below 1e10; epoch milliseconds since 1970-04 are above.
  return { epochMs: value >= 1e10 ? value : value * 1000 };
}

function joinTranscriptPath(path: string): string {
  if (path === '') return 'transcript';
  return path.startsWith('[') ? `transcript${path}` : `transcript.${path}`;
}

/** The envelope with the fields it leaves out taken from the format's defaults (what it gives wins). */
function withDefaults(body: Json | undefined, format: StackFormat, options: NormaliseOptions): { body: Json | undefined; timeZeroMs?: number } {
  if (!body || !format.defaults || !format.recognises(body.transcript)) return { body };
  const { timeZeroMs, metadata, ...defaults } = format.defaults(body, options);
  const fields = Object.fromEntries(Object.entries(defaults).filter(([, value]) => value !== undefined));
  const given = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined && value !== null));
  const givenMetadata = record(body.metadata);
  // A metadata that is not an object is kept as given, for CallSchema to refuse by its path.
  const merged =
    metadata === undefined || (body.metadata != null && !givenMetadata) ? {} : { metadata: givenMetadata ? { ...metadata, ...givenMetadata } : metadata };
  return { body: { ...fields, ...given, ...merged }, ...(timeZeroMs === undefined ? {} : { timeZeroMs }) };
}

function givenInstant(body: Json, field: 'startedAt' | 'endedAt'): { ms: number | undefined } | { error: Normalised } {
  const value = body[field];
  if (value === undefined || value === null) return { ms: undefined };
  const ms = typeof value === 'string' ? parseIsoInstant(value) : undefined;
  if (ms === undefined) return { error: { kind: 'refused', path: field, message: ISO_INSTANT_MESSAGE } };
  return { ms };
}

export function normaliseStackCall(payload: unknown, options: NormaliseOptions, format: StackFormat): Normalised {
  const { body, timeZeroMs } = withDefaults(record(payload), format, options);
  if (!isStackEnvelope(body, format.namesTheCall))
    return { kind: 'refused', path: 'transcript', message: `is required: the ${format.name} export, as the framework gives it` };
  const reading = format.read(body.transcript);
  if (!reading.ok) return { kind: 'refused', path: joinTranscriptPath(reading.path), message: reading.message };
  if (reading.messages.length === 0 && !isEmptyExport(body.transcript)) {
    return { kind: 'refused', path: 'transcript', message: `holds no message ${format.name} can read: expected ${format.expects}` };
  }

  const givenStart = givenInstant(body, 'startedAt');
  if ('error' in givenStart) return givenStart.error;
  const givenEnd = givenInstant(body, 'endedAt');
  if ('error' in givenEnd) return givenEnd.error;

  // Every instant the export holds, messages or not (a session's creation, its close, ...).
  let earliest = Number.POSITIVE_INFINITY;
  let latest = Number.NEGATIVE_INFINITY;
  const see = (ms: number) => {
    if (ms < earliest) earliest = ms;
    if (ms > latest) latest = ms;
  };
  for (const message of reading.messages) {
    for (const time of [message.start, message.end]) if (time && 'epochMs' in time) see(time.epochMs);
  }
  for (const ms of reading.instants ?? []) see(ms);
  const hasInstants = earliest !== Number.POSITIVE_INFINITY;
  const startMs = givenStart.ms ?? (hasInstants ? earliest : undefined);
  if (startMs === undefined) {
    return { kind: 'refused', path: 'startedAt', message: 'is required: the transcript has no instants to take the start of the call from' };
  }
  const secondsShift = timeZeroMs === undefined ? 0 : (timeZeroMs - startMs) / 1000;
  const relative = (time: StackTime): number => seconds('epochMs' in time ? (time.epochMs - startMs) / 1000 : time.seconds + secondsShift);

  let untimed = 0;
  let previousEnd = 0;
  const messages: CandidateMessage[] = [];
  for (const [index, message] of reading.messages.entries()) {
    const { start, end, path, ...rest } = message;
    let startS: number;
    if (start) {
      startS = relative(start);
      // The shared rule for clock skew: a little before the start is the start; more is refused, never clamped.
      if (startS < -MESSAGE_TIME_RULE.toleranceS) {
        const where = path === undefined ? 'transcript' : joinTranscriptPath(path);
        return {
          kind: 'refused',
          path: where,
          message: `is timed ${-startS} s before the start of the call (${new Date(startMs).toISOString()}, message ${index}): check startedAt and the export's clock`,
        };
      }
      startS = Math.max(0, startS);
    } else {
      // Never invent a time: an untimed message follows the one before it.
      untimed++;
      startS = previousEnd;
    }
    const endS = Math.max(startS, end ? relative(end) : startS);
    previousEnd = Math.max(previousEnd, endS);
    messages.push({ ...rest, start_time: startS, end_time: endS } as CandidateMessage);
  }

  const lastS = messages.reduce((max, m) => Math.max(max, m.end_time), 0);
  const endMs = givenEnd.ms ?? Math.max(startMs + lastS * 1000, hasInstants ? latest : startMs);
  const defaults = reading.defaults ?? {};
  const customer = body.customer ?? defaults.customer ?? (options.webCallNumber !== undefined ? { number: options.webCallNumber } : undefined);

  const call = defined({
    id: body.id ?? defaults.id,
    startedAt: new Date(startMs).toISOString(),
    endedAt: new Date(endMs).toISOString(),
    customer,
    phoneNumber: body.phoneNumber ?? defaults.phoneNumber,
    messages,
    endedReason: body.endedReason ?? undefined,
    recordingUrl: body.recordingUrl ?? undefined,
    metadata: body.metadata ?? undefined,
    agent_id: body.agentId ?? options.envelopeAgentId,
    run_id: body.runId ?? undefined,
    trace_id: body.traceId ?? undefined,
  }) as unknown as CallInput;
  const dropped = reading.dropped && Object.keys(reading.dropped).length > 0 ? { dropped: reading.dropped } : {};
  return { kind: 'call', call, untimedMessages: untimed, ...dropped };
}

/** An export with nothing in it (`[]`, `{ items: [] }`): a call with no messages, not a misread one. */
function isEmptyExport(transcript: unknown): boolean {
  if (Array.isArray(transcript)) return transcript.length === 0;
  const body = record(transcript);
  if (!body) return false;
  return Object.values(body).every((value) => !Array.isArray(value) || value.length === 0) && Object.values(body).some(Array.isArray);
}
