/**
 * A source is a format calls arrive in. Each source turns one payload into a candidate call in
 * Cekura's format (validated afterwards by CallSchema, like any POSTed call), or says why the payload
 * carries no call to store.
 */
import type { CallInput, MessageRole } from '../call';
import type { RecordingBucket } from '../recordings/location';

/** In detection order: the first whose `detect` matches a payload takes it. */
export const SOURCE_NAMES = [
  'cekura-push',
  'custom',
  'vapi',
  'retell',
  'elevenlabs',
  'cekura',
  'livekit',
  'pipecat',
  'openai-chat',
  'openai-realtime',
  'gemini-live',
  'ultravox',
  'twilio-conversation-relay',
  'deepgram-voice-agent',
  'nova-sonic',
  'amazon-connect',
  'transcribe-call-analytics',
] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

export interface NormaliseOptions {
  /**
   * Number given to calls that have none (web calls). Undefined: such calls are refused, because
   * Cekura matches calls to test runs by phone number.
   */
  webCallNumber: string | undefined;
  /** `agent_id` of the `{ agent_id, calls }` envelope the payload came in (Cekura's push body). */
  envelopeAgentId?: number | undefined;
  /**
   * Where recording links may be signed. A recording a source finds on its own (Amazon Connect's
   * contact record) outside these is left out and said in `metadata.adapter`; one the sender gives
   * is checked at ingest (a 400).
   */
  recordingBuckets?: readonly RecordingBucket[] | undefined;
}

export type Normalised =
  /**
   * `untimedMessages`: how many messages had no time of their own; `dropped`: what the payload held
   * that did not become a message, counted by kind (`{ agent_handoff: 1 }`). The store answer
   * reports both per call, so nothing a source leaves out is left out silently.
   */
  | { kind: 'call'; call: CallInput; untimedMessages?: number; dropped?: DroppedCounts }
  /** A well-formed event that carries no finished call (status updates, call started, ...). */
  | { kind: 'ignored'; reason: string }
  /** A payload of this source that cannot become a call; `path` is within the payload. */
  | { kind: 'refused'; path: string; message: string };

export interface Source {
  name: SourceName;
  /** Cheap structural check used when the client does not say which source it sends. */
  detect(payload: unknown): boolean;
  normalise(payload: unknown, options: NormaliseOptions): Normalised;
}

/** Items of an export left out of the call, counted by kind (e.g. `{ "audio_only_turn": 2 }`). */
export type DroppedCounts = Record<string, number>;

/** Adds one item of `kind` to `counts`. */
export function countDropped(counts: DroppedCounts, kind: string, by = 1): void {
  counts[kind] = (counts[kind] ?? 0) + by;
}

export type CandidateMessage = CallInput['messages'][number] & { role: MessageRole };
