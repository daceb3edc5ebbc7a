/**
 * A loop still on the deprecated `functions` API: the assistant's `function_call: { name, arguments }`
 * answered by a `role: "function"` message. No ids in the format: the call and its result pair by
 * name and order. Times as `start_time` / `end_time` seconds, startedAt given.
 */
import type { LoggedChatMessage, StackEnvelope } from './chat-message';

export default {
  id: 'chat-legacy-fn-2',
  customer: { number: '+14155550177' },
  startedAt: '2025-07-02T09:15:00.000Z',
  transcript: [
    { role: 'assistant', content: 'City Cabs, where can we pick you up?', start_time: 0.4, end_time: 2.1 },
    { role: 'user', content: '200 Main Street, as soon as possible.', start_time: 3, end_time: 5.2 },
    { role: 'assistant', content: null, function_call: { name: 'dispatch_cab', arguments: '{"address":"200 Main Street"}' }, start_time: 5.8 },
    { role: 'function', name: 'dispatch_cab', content: '{"eta_minutes":7,"cab":"C-12"}', start_time: 6.6 },
    { role: 'assistant', content: 'Cab C-12 will be there in about 7 minutes.', start_time: 7, end_time: 9.4 },
  ],
} satisfies StackEnvelope<LoggedChatMessage[]>;
