/** OpenAI Realtime API session events. (Stub: not implemented yet.) */
import { type StackFormat, stackSource } from './envelope';

export const openaiRealtimeFormat: StackFormat = {
  name: 'openai-realtime',
  recognises: () => false,
  read: () => ({ ok: false, path: '', message: 'is not supported yet' }),
};

export const openaiRealtime = stackSource(openaiRealtimeFormat);
