/**
 * Tool results given as content parts: one result streamed in two pieces of one JSON payload (glued
 * back as it was), and one result made of two separate JSON payloads (kept apart, never glued into
 * text that is no JSON).
 */
import type { LoggedChatMessage, StackEnvelope } from './chat-message';

const at = (s: number) => Date.parse('2025-07-03T16:40:00.000Z') + s * 1000;

export default {
  id: 'chat-tool-parts-3',
  customer: { number: '+442079460311' },
  transcript: [
    { role: 'user', content: 'Is flight BA 117 on time, and what gate?', timestamp: at(0) },
    {
      role: 'assistant',
      content: 'Let me check.',
      tool_calls: [
        { id: 'call_st4tus', type: 'function', function: { name: 'flight_status', arguments: '{"flight":"BA117"}' } },
        { id: 'call_g4tes', type: 'function', function: { name: 'flight_gates', arguments: '{"flight":"BA117"}' } },
      ],
      timestamp: at(2),
    },
    {
      role: 'tool',
      tool_call_id: 'call_st4tus',
      content: [
        { type: 'text', text: '{"status":"on time",' },
        { type: 'text', text: '"departs":"18:05"}' },
      ],
      timestamp: at(3.1),
    },
    {
      role: 'tool',
      tool_call_id: 'call_g4tes',
      content: [
        { type: 'text', text: '{"terminal":"5"}' },
        { type: 'text', text: '{"gate":"A10"}' },
      ],
      timestamp: at(3.3),
    },
    { role: 'assistant', content: 'BA 117 is on time, leaving at 18:05 from terminal 5, gate A10.', timestamp: at(4) },
  ],
} satisfies StackEnvelope<LoggedChatMessage[]>;
