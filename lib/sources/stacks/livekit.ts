/** LiveKit Agents' session report, chat_history, items or ChatContext JSON. (Stub: not implemented yet.) */
import { type StackFormat, stackSource } from './envelope';

export const livekitFormat: StackFormat = {
  name: 'livekit',
  recognises: () => false,
  read: () => ({ ok: false, path: '', message: 'is not supported yet' }),
};

export const livekit = stackSource(livekitFormat);
