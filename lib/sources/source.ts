/**
 * A source is a format calls arrive in. Each source turns one payload into a candidate call in
 * Cekura's format (validated afterwards by CallSchema, like any POSTed call), or says why the payload
 * carries no call to store.
 */
import type { CallInput, MessageRole } from '../call';

export const SOURCE_NAMES = ['custom', 'vapi', 'retell', 'elevenlabs', 'cekura'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

export interface NormaliseOptions {
  /**
   * Number given to calls that have none (web calls). Undefined: such calls are refused, because
   * Cekura matches calls to test runs by phone number.
   */
  webCallNumber: string | undefined;
}

export type Normalised =
  | { kind: 'call'; call: CallInput }
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
