import type { CandidateMessage } from './source';

/** A message whose time the source did not give (tool entries on Retell, for example). */
export type Untimed = CandidateMessage extends infer M
  ? M extends unknown
    ? Omit<M, 'start_time' | 'end_time'> & { start_time?: number; end_time?: number }
    : never
  : never;

/**
 * Gives untimed messages the time of their neighbours so the transcript keeps its order once
 * sorted by start_time: the end of the message before (capped by the start of the next timed one),
 * or the start of the next when nothing comes before.
 */
export function fillMissingTimes(messages: Untimed[]): CandidateMessage[] {
  const result: CandidateMessage[] = [];
  messages.forEach((message, index) => {
    if (message.start_time !== undefined) {
      result.push({
        ...message,
        start_time: message.start_time,
        end_time: Math.max(message.end_time ?? message.start_time, message.start_time),
      } as CandidateMessage);
      return;
    }
    const previous = result[result.length - 1];
    const next = messages.slice(index + 1).find((m) => m.start_time !== undefined)?.start_time;
    let time = previous ? previous.end_time : (next ?? 0);
    if (previous && next !== undefined && next < time) time = Math.max(previous.start_time, next);
    result.push({ ...message, start_time: time, end_time: time } as CandidateMessage);
  });
  return result;
}
