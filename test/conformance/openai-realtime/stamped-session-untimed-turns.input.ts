/**
 * A push-to-talk text-and-audio session whose app stamps only what it uses for its own metrics:
 * `session.created` on connect and the `session.updated` it waits for, plus the last event it saw
 * (`rate_limits.updated`). The conversation's events carry no stamp, and there is no voice
 * activity (no `speech_started`): the caller's turns come from `conversation.item.done`. No
 * startedAt in the envelope: the call runs from the first stamp to the last, the turns are untimed.
 */
import { assistantAudio, type LoggedRealtimeEvent, realtimeResponse, type StackEnvelope } from './realtime-event';

const T = Date.parse('2025-07-13T19:45:00.000Z');

export default {
  id: 'rt-ptt-10',
  customer: { number: '+16505550111' },
  transcript: [
    {
      type: 'session.created',
      event_id: 'event_S0',
      session: { type: 'realtime', model: 'gpt-realtime', output_modalities: ['audio'] },
      received_at: T,
    },
    {
      type: 'session.updated',
      event_id: 'event_S1',
      session: { type: 'realtime', model: 'gpt-realtime', output_modalities: ['audio'] },
      received_at: T + 180,
    },
    {
      type: 'conversation.item.done',
      event_id: 'event_S2',
      previous_item_id: null,
      item: {
        id: 'item_SU1',
        object: 'realtime.item',
        type: 'message',
        status: 'completed',
        role: 'user',
        content: [{ type: 'input_audio', transcript: 'Can I change my delivery address?' }],
      },
    },
    { type: 'response.created', event_id: 'event_S3', response: realtimeResponse('resp_S1', 'in_progress') },
    {
      type: 'response.done',
      event_id: 'event_S4',
      response: realtimeResponse('resp_S1', 'completed', [assistantAudio('item_SA1', 'Yes. What is the new address?')]),
    },
    {
      type: 'conversation.item.done',
      event_id: 'event_S5',
      item: {
        id: 'item_SU2',
        object: 'realtime.item',
        type: 'message',
        status: 'completed',
        role: 'user',
        content: [{ type: 'input_audio', transcript: '12 Elm Street, Springfield.' }],
      },
    },
    { type: 'response.created', event_id: 'event_S6', response: realtimeResponse('resp_S2', 'in_progress') },
    {
      type: 'response.done',
      event_id: 'event_S7',
      response: realtimeResponse('resp_S2', 'completed', [assistantAudio('item_SA2', 'Done: your order goes to 12 Elm Street.')]),
    },
    {
      type: 'rate_limits.updated',
      event_id: 'event_S8',
      rate_limits: [{ name: 'tokens', limit: 40000, remaining: 39010, reset_seconds: 1.5 }],
      received_at: T + 21_400,
    },
  ],
} satisfies StackEnvelope<LoggedRealtimeEvent[]>;
