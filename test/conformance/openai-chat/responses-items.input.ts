/**
 * An OpenAI Agents SDK conversation as `result.to_input_list()` gives it: Responses API input items,
 * easy messages (`{ role, content }`) mixed with typed ones (`output_text` parts), a function call and
 * its output, a reasoning item (no conversation: counted as dropped), and an image the caller sent
 * (counted as dropped). startedAt given; the items carry no times.
 */
import type { LoggedResponsesItem, StackEnvelope } from './chat-message';

export default {
  id: 'agents-responses-4',
  customer: { number: '+16505550123' },
  startedAt: '2025-07-04T10:00:00.000Z',
  endedAt: '2025-07-04T10:01:00.000Z',
  transcript: [
    { role: 'developer', content: 'You are the Globex returns desk.' },
    {
      role: 'user',
      content: [
        { type: 'input_text', text: 'I want to return order 5521.' },
        { type: 'input_image', detail: 'auto', image_url: 'https://example.com/receipt.png' },
      ],
    },
    { type: 'reasoning', id: 'rs_01', summary: [] },
    { type: 'function_call', call_id: 'call_r3turn', name: 'start_return', arguments: '{"order":"5521"}', id: 'fc_01', status: 'completed' },
    { type: 'function_call_output', call_id: 'call_r3turn', output: '{"label":"RMA-88","refund":"29.90"}' },
    {
      type: 'message',
      id: 'msg_01',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: 'Your return RMA-88 is open; you will get $29.90 back.', annotations: [] }],
    },
  ],
} satisfies StackEnvelope<LoggedResponsesItem[]>;
