/**
 * A platform's post-call webhook is sent once (ElevenLabs) or retried a few times (Vapi, Retell):
 * a 400 loses the call. So a soft mismatch between the platform's call times and its messages'
 * times does not refuse the call. Both are the platform's own; neither is silently moved:
 * - a message that ends after the call's end (Retell words running past `end_timestamp` when the
 *   caller hangs up mid-word) moves `endedAt` to the end of the last message;
 * - a message before the call's start (a Vapi message whose `time` precedes `startedAt`) moves
 *   `startedAt` to it, and every message keeps its instant (its seconds from the new start grow by
 *   the same amount).
 * The platform's own `startedAt` / `endedAt` and the reason are kept in `metadata.adapter.timing`.
 * Within MESSAGE_TIME_RULE.toleranceS past the end nothing changes (CallSchema accepts it). The
 * direct formats (custom, cekura-push) keep their 400: their sender can fix and resend.
 */
import { MESSAGE_TIME_RULE } from '../../call/message-times';
import { isoFromMs, type Json, seconds } from '../read';
import type { CandidateMessage } from '../source';

export interface ReconciledTimes {
  startedAt: string;
  endedAt: string;
  messages: CandidateMessage[];
  /** What changed and why, for `metadata.adapter.timing`; undefined when nothing did. */
  timing?: Json;
}

export function reconcileTimes(platform: string, startMs: number, endMs: number, messages: CandidateMessage[]): ReconciledTimes {
  const startedAt = isoFromMs(startMs) as string;
  const endedAt = isoFromMs(endMs) as string;
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || messages.length === 0) return { startedAt, endedAt, messages };
  const earliest = messages.reduce((min, m) => Math.min(min, m.start_time), Number.POSITIVE_INFINITY);
  const shift = earliest < 0 ? -earliest : 0;
  const shifted = shift === 0 ? messages : messages.map((m) => ({ ...m, start_time: seconds(m.start_time + shift), end_time: seconds(m.end_time + shift) }));
  const newStartMs = startMs - shift * 1000;
  const latest = shifted.reduce((max, m) => Math.max(max, m.end_time), Number.NEGATIVE_INFINITY);
  const durationS = (endMs - newStartMs) / 1000;
  const pastEnd = latest > durationS + MESSAGE_TIME_RULE.toleranceS ? latest - durationS : 0;
  if (shift === 0 && pastEnd === 0) return { startedAt, endedAt, messages };
  const newEndMs = pastEnd > 0 ? newStartMs + latest * 1000 : endMs;
  const reasons = [
    ...(shift > 0 ? [`a message starts ${seconds(shift)} s before the call's start: startedAt is that message's start`] : []),
    ...(pastEnd > 0 ? [`a message ends ${seconds(pastEnd)} s after the call's end: endedAt is that message's end`] : []),
  ];
  return {
    startedAt: isoFromMs(newStartMs) as string,
    endedAt: isoFromMs(newEndMs) as string,
    messages: shifted,
    timing: { platformStartedAt: startedAt, platformEndedAt: endedAt, reason: `${platform}'s call times and message times disagree: ${reasons.join('; ')}` },
  };
}
