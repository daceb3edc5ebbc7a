/** OpenAI chat-completions messages. (Stub: not implemented yet.) */
import { type StackFormat, stackSource } from './envelope';

export const openaiChatFormat: StackFormat = {
  name: 'openai-chat',
  recognises: () => false,
  read: () => ({ ok: false, path: '', message: 'is not supported yet' }),
};

export const openaiChat = stackSource(openaiChatFormat);
