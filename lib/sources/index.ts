import type { CallInput } from '../call';
import { cekura } from './cekura';
import { cekuraPush } from './cekura-push';
import { elevenlabs } from './elevenlabs';
import { record } from './read';
import { retell } from './retell';
import { SOURCE_NAMES, type Source, type SourceName } from './source';
import { livekit } from './stacks/livekit';
import { openaiChat } from './stacks/openai-chat';
import { openaiRealtime } from './stacks/openai-realtime';
import { ultravox } from './stacks/ultravox';
import { vapi } from './vapi';

export type { Normalised, NormaliseOptions, Source, SourceName } from './source';
export { SOURCE_NAMES } from './source';

/** Cekura's custom-provider call format itself: already what we store. */
export const custom: Source = {
  name: 'custom',
  detect(payload) {
    const body = record(payload);
    return body !== undefined && 'id' in body && 'startedAt' in body && 'messages' in body;
  },
  normalise: (payload) => ({ kind: 'call', call: payload as CallInput }),
};

export const SOURCES: Record<SourceName, Source> = {
  'cekura-push': cekuraPush,
  custom,
  vapi,
  retell,
  elevenlabs,
  cekura,
  livekit,
  'openai-chat': openaiChat,
  'openai-realtime': openaiRealtime,
  ultravox,
};

/** The first source whose shape the payload has, in SOURCE_NAMES order. */
export function detectSource(payload: unknown): Source | undefined {
  return SOURCE_NAMES.map((name) => SOURCES[name]).find((source) => source.detect(payload));
}

export function isSourceName(value: string): value is SourceName {
  return (SOURCE_NAMES as readonly string[]).includes(value);
}
