/**
 * The shared reader of a stack's event log. Stacks that end a call with no export (OpenAI Realtime,
 * Gemini Live, Twilio ConversationRelay, Deepgram's Voice Agent, Nova Sonic, Pipecat's turn events)
 * leave the app to log what its WebSocket said. Their messages carry no clock, so the app may stamp
 * each entry with when it received it (`received_at`) or sent it (`sent_at`): epoch milliseconds
 * (seconds are told apart by size) or ISO 8601 with a zone. The stamp sits beside the event's own
 * fields, or the entry wraps the event:
 *
 *   [{ "type": "...", ..., "received_at": 1733320000123 }, ...]              flat
 *   [{ "received_at": 1733320000123, "event": { "type": "...", ... } }, ...]  wrapped (also `message`, `data`)
 *   { "events": [...] }                                                      either, under `events`
 *
 * A vendor field that shares a stamp's name (Realtime's `dtmf_event_received.received_at`, the
 * server's clock) is the vendor's: a format lists such events in `vendorStamps` and only a wrapper's
 * stamp counts for them.
 */
import { type Json, record } from '../read';
import { instantFrom } from './envelope';

/** One entry of the log: the event as the stack sent it, where it is, and the app's stamp. */
export interface LoggedEvent {
  event: Json;
  /** Path of the event within the export (`events[3]`, or `events[3].event` for a wrapped one). */
  path: string;
  /** Epoch milliseconds the app stamped, if it did. */
  at?: number;
  /** Which way it went, when the app said: `received_at` is received, `sent_at` is sent. */
  direction?: 'received' | 'sent';
}

export type EventLogReading = { ok: true; events: LoggedEvent[] } | { ok: false; path: string; message: string };

const STAMPS = ['received_at', 'sent_at'] as const;
const WRAPPER_KEYS = ['event', 'message', 'data'] as const;

/** The entries of a log: a bare array or `{ events: [...] }`, with the prefix paths start with. */
export function logEntries(transcript: unknown): { entries: unknown[]; prefix: string } | undefined {
  if (Array.isArray(transcript)) return { entries: transcript, prefix: '' };
  const body = record(transcript);
  return body && Array.isArray(body.events) ? { entries: body.events, prefix: 'events' } : undefined;
}

/** The event an entry holds: the entry itself, or the object a stamp-only wrapper holds. */
function unwrap(entry: Json): { event: Json; key?: string } {
  const keys = Object.keys(entry).filter((key) => !(STAMPS as readonly string[]).includes(key));
  if (keys.length === 1) {
    const key = keys[0]!;
    const inner = (WRAPPER_KEYS as readonly string[]).includes(key) ? record(entry[key]) : undefined;
    if (inner) return { event: inner, key };
  }
  return { event: entry };
}

export interface EventLogOptions {
  /** What an entry must be, for the 400: "a Gemini Live server message or the app's toolResponse". */
  what: string;
  /** Whether a flat entry's `received_at` / `sent_at` is the vendor's own field, not the app's stamp. */
  vendorStamp?: (event: Json) => boolean;
}

/**
 * Reads a log into its events with their stamps. A stamp that is not an instant is refused with
 * its path (never guessed); an entry that is not an object is refused.
 */
export function readEventLog(transcript: unknown, options: EventLogOptions): EventLogReading {
  const found = logEntries(transcript);
  if (!found) return { ok: false, path: '', message: `must be the app's log of ${options.what}: an array, or { "events": [...] }` };
  const events: LoggedEvent[] = [];
  for (const [index, value] of found.entries.entries()) {
    const path = found.prefix === '' ? `[${index}]` : `${found.prefix}[${index}]`;
    const entry = record(value);
    if (!entry) return { ok: false, path, message: `must be ${options.what}: an object` };
    const { event, key } = unwrap(entry);
    const stampHolder = key !== undefined || !options.vendorStamp?.(event) ? entry : undefined;
    let at: number | undefined;
    let direction: LoggedEvent['direction'];
    for (const field of STAMPS) {
      const stamp = stampHolder?.[field];
      if (stamp === undefined || stamp === null) continue;
      const time = instantFrom(stamp);
      if (!time || !('epochMs' in time)) {
        return { ok: false, path: `${path}.${field}`, message: 'must be an instant: epoch milliseconds (or seconds) or ISO 8601 with a time zone' };
      }
      at = time.epochMs;
      direction = field === 'received_at' ? 'received' : 'sent';
      break;
    }
    events.push({ event, path: key === undefined ? path : `${path}.${key}`, ...(at !== undefined ? { at } : {}), ...(direction ? { direction } : {}) });
  }
  return { ok: true, events };
}
