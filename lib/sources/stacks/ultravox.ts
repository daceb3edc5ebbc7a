/** Ultravox call messages. (Stub: not implemented yet.) */
import { type StackFormat, stackSource } from './envelope';

export const ultravoxFormat: StackFormat = {
  name: 'ultravox',
  recognises: () => false,
  read: () => ({ ok: false, path: '', message: 'is not supported yet' }),
};

export const ultravox = stackSource(ultravoxFormat);
