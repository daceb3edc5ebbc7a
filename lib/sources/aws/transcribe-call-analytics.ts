/**
 * Amazon Transcribe Call Analytics post-call output (a batch job's transcript, or the post-call file
 * of a real-time session, which is also what Amazon Chime SDK call analytics writes to S3 with
 * `PostCallAnalyticsSettings`), in the common stack envelope:
 *
 *   { id, customer: { number }, phoneNumber?, startedAt, endedAt?, ..., transcript: <the output file> }
 *
 * Each turn names its speaker by `ParticipantRole` (AGENT is `bot`, CUSTOMER is `user`), and is
 * timed by `BeginOffsetMillis` / `EndOffsetMillis`: milliseconds from the start of the analysed
 * audio (the media file, or the stream). The file has no instants and no phone numbers, so the
 * envelope gives the number and `startedAt`, the instant the audio began; offsets count from it.
 * Redacted text is kept as it is (`[PII]`). The analysis (sentiment, conversation characteristics,
 * categories, ...) is kept in `metadata.callAnalytics`, each turn without its words (`Content`, and
 * the word-by-word `Items`).
 */
import { type Json, record, text } from '../read';
import type { StackDefaults, StackFormat } from '../stacks/envelope';
import { stackSource } from '../stacks/envelope';
import { analysisOf, outputOf, type RoleOfTurn, readTurns } from './analysis-file';

/** Turns that name their speaker by `ParticipantRole`; no `ParticipantId` (that is Contact Lens). */
function recognisesCallAnalytics(transcript: unknown): boolean {
  const file = record(transcript);
  if (!file || !Array.isArray(file.Transcript)) return false;
  const turns = file.Transcript.map(record);
  if (turns.some((turn) => turn === undefined || 'ParticipantId' in turn)) return false;
  if (turns.length > 0) return turns.every((turn) => typeof turn?.ParticipantRole === 'string');
  // No turns (a silent call): the job's own keys tell it.
  return typeof file.JobName === 'string' || 'ConversationCharacteristics' in file;
}

const roleOf: RoleOfTurn = (turn, at) => {
  const role = text(turn.ParticipantRole);
  return role === undefined ? { ok: false, path: `${at}.ParticipantRole`, message: 'is required: AGENT or CUSTOMER' } : { ok: true, role };
};

function callAnalyticsDefaults(envelope: Json): StackDefaults {
  const file = record(envelope.transcript) ?? {};
  const adapter = Object.fromEntries(
    Object.entries({ source: 'transcribe-call-analytics', jobName: text(file.JobName), output: outputOf(file), offsetsFrom: 'startedAt' }).filter(
      ([, value]) => value !== undefined,
    ),
  );
  return { metadata: { callAnalytics: analysisOf(file), adapter } };
}

export const transcribeCallAnalyticsFormat: StackFormat = {
  name: 'transcribe-call-analytics',
  expects:
    'Amazon Transcribe Call Analytics output (`{ JobStatus, Transcript: [{ ParticipantRole: "AGENT" | "CUSTOMER", Content, BeginOffsetMillis, EndOffsetMillis }] }`)',
  recognises: recognisesCallAnalytics,
  defaults: callAnalyticsDefaults,
  read: (transcript) => readTurns(transcript, roleOf),
};

export const transcribeCallAnalytics = stackSource(transcribeCallAnalyticsFormat);
