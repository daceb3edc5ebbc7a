import type { CallInput } from '../../call';
import { record } from '../read';
import type { Source } from '../source';

/** Cekura's custom-provider call format itself: already what we store. */
export const custom: Source = {
  name: 'custom',
  detect(payload) {
    const body = record(payload);
    return body !== undefined && 'id' in body && 'startedAt' in body && 'messages' in body;
  },
  normalise: (payload) => ({ kind: 'call', call: payload as CallInput }),
};
