/**
 * The one rule for a message time, shared by ingest (CallSchema) and `npm run verify`.
 *
 * Cekura reads message times as seconds from the call's start. Senders also use epoch seconds or
 * epoch milliseconds (Cekura's own docs show epoch ms). A value is told apart by its size: no
 * call lasts 31 years, so anything from 1e9 up is an epoch time. An epoch time that falls inside
 * the call is converted to seconds from its start; any value outside the call is refused, never
 * clamped or guessed.
 */

export const MESSAGE_TIME_RULE = {
  /** From here up a number is epoch seconds (2001-09-09), not seconds from the start. */
  epochSeconds: 1e9,
  /** From here up a number is epoch milliseconds. */
  epochMillis: 1e12,
  /** A message may end this much after the call's end (rounding, clocks) before it is refused. */
  toleranceS: 1,
} as const;

export type EpochUnit = 'epoch-ms' | 'epoch-s';

export type MessageTimeReading = { ok: true; seconds: number; convertedFrom?: EpochUnit } | { ok: false; message: string };

export interface CallBounds {
  /** Epoch milliseconds of the call's start. */
  startMs: number;
  /** The call's length in seconds. */
  durationS: number;
}

/** What a number looks like: an epoch time, or seconds from the start. */
export function epochUnitOf(value: number): EpochUnit | undefined {
  if (value >= MESSAGE_TIME_RULE.epochMillis) return 'epoch-ms';
  if (value >= MESSAGE_TIME_RULE.epochSeconds) return 'epoch-s';
  return undefined;
}

const roundMs = (seconds: number): number => Math.round(seconds * 1000) / 1000;

/** Reads one message time against the call it belongs to. */
export function readMessageTime(value: number, call: CallBounds): MessageTimeReading {
  const { toleranceS } = MESSAGE_TIME_RULE;
  const unit = epochUnitOf(value);
  if (unit !== undefined) {
    const seconds = unit === 'epoch-ms' ? (value - call.startMs) / 1000 : value - call.startMs / 1000;
    if (seconds < -toleranceS || seconds > call.durationS + toleranceS) {
      const instant = new Date(unit === 'epoch-ms' ? value : value * 1000);
      const when = Number.isNaN(instant.getTime()) ? 'an instant' : instant.toISOString();
      return {
        ok: false,
        message: `looks like ${unit === 'epoch-ms' ? 'epoch milliseconds' : 'epoch seconds'} (${when}), which is outside the call: give seconds from the start of the call`,
      };
    }
    // Within the tolerance, an instant a little before the start is the start.
    return { ok: true, seconds: roundMs(Math.max(0, seconds)), convertedFrom: unit };
  }
  if (value < 0) return { ok: false, message: 'must be >= 0 (seconds from the start of the call)' };
  if (value > call.durationS + toleranceS) {
    return { ok: false, message: `is ${value} s, after the end of the call (${roundMs(call.durationS)} s long): give seconds from the start of the call` };
  }
  return { ok: true, seconds: value };
}
