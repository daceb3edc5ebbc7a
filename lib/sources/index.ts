import { amazonConnect } from './aws/amazon-connect';
import { transcribeCallAnalytics } from './aws/transcribe-call-analytics';
import { custom } from './cekura/custom';
import { cekura } from './cekura/observe';
import { cekuraPush } from './cekura/push';
import { elevenlabs } from './platforms/elevenlabs';
import { retell } from './platforms/retell';
import { vapi } from './platforms/vapi';
import { SOURCE_NAMES, type Source, type SourceName } from './source';
import { deepgramVoiceAgent } from './stacks/deepgram-voice-agent';
import { geminiLive } from './stacks/gemini-live';
import { livekit } from './stacks/livekit';
import { novaSonic } from './stacks/nova-sonic';
import { openaiChat } from './stacks/openai-chat';
import { openaiRealtime } from './stacks/openai-realtime';
import { pipecat } from './stacks/pipecat';
import { twilioConversationRelay } from './stacks/twilio-conversation-relay';
import { ultravox } from './stacks/ultravox';

export type { Normalised, NormaliseOptions, Source, SourceName } from './source';
export { SOURCE_NAMES } from './source';

export const SOURCES: Record<SourceName, Source> = {
  'cekura-push': cekuraPush,
  custom,
  vapi,
  retell,
  elevenlabs,
  cekura,
  livekit,
  pipecat,
  'openai-chat': openaiChat,
  'openai-realtime': openaiRealtime,
  'gemini-live': geminiLive,
  ultravox,
  'twilio-conversation-relay': twilioConversationRelay,
  'deepgram-voice-agent': deepgramVoiceAgent,
  'nova-sonic': novaSonic,
  'amazon-connect': amazonConnect,
  'transcribe-call-analytics': transcribeCallAnalytics,
};

/** The first source whose shape the payload has, in SOURCE_NAMES order. */
export function detectSource(payload: unknown): Source | undefined {
  return SOURCE_NAMES.map((name) => SOURCES[name]).find((source) => source.detect(payload));
}

export function isSourceName(value: string): value is SourceName {
  return (SOURCE_NAMES as readonly string[]).includes(value);
}
