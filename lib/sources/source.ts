/**
 * A source is a format calls arrive in. Each source turns one payload into a candidate call in
 * Cekura's format (validated afterwards by CallSchema, like any POSTed call), or says why the payload
 * carries no call to store.
 */
import type { CallInput, MessageRole } from '../call';

/** In detection order: the first whose `detect` matches a payload takes it. */
export const SOURCE_NAMES = [
  'cekura-push',
  'custom',
  'vapi',
  'retell',
  'elevenlabs',
  'cekura',
  'livekit',
  'openai-chat',
  'openai-realtime',
  'ultravox',
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
}

export type Normalised =
  /** `untimedMessages`: how many messages had no time of their own (the store answer reports it). */
  | { kind: 'call'; call: CallInput; untimedMessages?: number }
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

export type CandidateMessage = CallInput['messages'][number] & { role: MessageRole };
