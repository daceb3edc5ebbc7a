/**
 * What Amazon Connect's Contact Lens post-call analysis files and Amazon Transcribe Call Analytics
 * output share: a `Transcript` of turns, each with `Content` and `BeginOffsetMillis` /
 * `EndOffsetMillis` (milliseconds into the analysed audio), and the analysis around them
 * (`Sentiment` per turn, `ConversationCharacteristics`, `Categories`, ...). The two formats differ
 * only in how a turn names its speaker (Contact Lens: `ParticipantId`, resolved through
 * `Participants`; Transcribe: `ParticipantRole` on the turn).
 *
 * The words become messages; the analysis is kept whole in the call's metadata (each turn's entry
 * without its words: `Content`, and Transcribe's word-by-word `Items`), so nothing the file says
 * about the call is lost.
 */

import { finite, type Json, list, record, text } from '../read';
import { countDropped, type DroppedCounts } from '../source';
import type { StackMessage, TranscriptReading } from '../stacks/envelope';

/** How the contact center's side and the caller's side are named in both formats. */
const ROLES: Record<string, 'bot' | 'user'> = {
  AGENT: 'bot',
  // Contact Lens: the flow's prompts and bots (Amazon Lex, Amazon Q in Connect), the contact center's side too.
  SYSTEM: 'bot',
  CUSTOMER: 'user',
};

type Refusal = { ok: false; path: string; message: string };
const refusal = (path: string, message: string): Refusal => ({ ok: false, path, message });

/** A turn's speaker role (`AGENT`, `CUSTOMER`, ...), or why it has none. */
export type RoleOfTurn = (turn: Json, at: string) => { ok: true; role: string } | Refusal;

/** The file is an analysis that completed, of a voice call: anything else has no call to store. */
export function checkVoiceAnalysis(file: Json): Refusal | undefined {
  const channel = text(file.Channel);
  if (channel !== undefined && channel !== 'VOICE') {
    return refusal('Channel', `is ${channel}: only the analysis of a voice call (VOICE) is a call to store`);
  }
  const status = text(file.JobStatus);
  if (status !== undefined && status !== 'COMPLETED') {
    return refusal('JobStatus', `is ${status}: the analysis did not complete, so the file has no transcript to store`);
  }
  return undefined;
}

function offset(turn: Json, key: 'BeginOffsetMillis' | 'EndOffsetMillis', at: string): number | Refusal {
  const value = finite(turn[key]);
  if (value === undefined || value < 0) return refusal(`${at}.${key}`, 'must be milliseconds into the call audio (a number >= 0)');
  return value;
}

/** The turns as messages timed in seconds into the analysed audio (the envelope places them in the call). */
export function readTurns(file: unknown, roleOf: RoleOfTurn): TranscriptReading {
  const body = record(file);
  if (!body) return refusal('', 'must be the analysis file, a JSON object');
  const invalid = checkVoiceAnalysis(body);
  if (invalid) return invalid;
  if (!Array.isArray(body.Transcript)) return refusal('Transcript', 'must be the list of turns');

  const messages: StackMessage[] = [];
  const dropped: DroppedCounts = {};
  for (const [index, value] of body.Transcript.entries()) {
    const at = `Transcript[${index}]`;
    const turn = record(value);
    if (!turn) return refusal(at, 'must be a turn object');
    const content = turn.Content;
    if (typeof content !== 'string') return refusal(`${at}.Content`, 'must be the words of the turn (a string)');
    const begin = offset(turn, 'BeginOffsetMillis', at);
    if (typeof begin !== 'number') return begin;
    const end = offset(turn, 'EndOffsetMillis', at);
    if (typeof end !== 'number') return end;
    if (end < begin) return refusal(`${at}.EndOffsetMillis`, `is ${end}, before BeginOffsetMillis (${begin})`);
    const speaker = roleOf(turn, at);
    if (!speaker.ok) return speaker;
    const role = ROLES[speaker.role];
    if (role === undefined) {
      // A speaker Cekura has no role for (a supervisor who barged in, a role added later): counted, not guessed.
      countDropped(dropped, `${speaker.role.toLowerCase()}_turn`);
      continue;
    }
    if (content.trim() === '') {
      countDropped(dropped, 'empty_turn');
      continue;
    }
    messages.push({ role, content, start: { seconds: begin / 1000 }, end: { seconds: end / 1000 }, path: at });
  }
  return { ok: true, messages, ...(Object.keys(dropped).length > 0 ? { dropped } : {}) };
}

/**
 * The file's analysis for the call's metadata: everything but the words, which are the messages
 * (each turn keeps its id, speaker, offsets, sentiment, loudness, redaction offsets and detected
 * issues, outcomes and action items).
 */
export function analysisOf(file: Json): Json {
  const { Transcript: turns, ...rest } = file;
  return {
    ...rest,
    Transcript: list(turns).map((value) => {
      const turn = record(value);
      if (!turn) return value;
      const { Content: _words, Items: _wordByWord, ...analysis } = turn;
      return analysis;
    }),
  };
}

/** `Raw` or `Redacted`, as the file says (`ContentMetadata.Output`). */
export function outputOf(file: Json | undefined): string | undefined {
  return text(record(file?.ContentMetadata)?.Output);
}
