/**
 * A SIP call whose app stamps the server events it receives (epoch ms) and did not log
 * `session.created` (it started logging at the first response). The caller presses keys:
 * `input_audio_buffer.dtmf_event_received` carries the server's own `received_at`, epoch SECONDS by
 * the server's clock (here 40 s behind the app's). Logged flat, that is not the app's stamp: the key
 * press is untimed, and must not move the start of the session's audio. Logged wrapped, the
 * wrapper's stamp is the app's and times it.
 */
import { assistantAudio, type LoggedRealtimeEvent, realtimeResponse, type StackEnvelope } from './realtime-event';

const T = Date.parse('2025-07-10T08:00:00.000Z');
const at = (ms: number) => T + ms;
/** The server's clock, 40 s behind the app's, in epoch seconds. */
const serverSeconds = (ms: number) => Math.floor((T + ms - 40_000) / 1000);

export default {
  id: 'rt-dtmf-7',
  customer: { number: '+16505550187' },
  phoneNumber: '+14155550100',
  transcript: [
    { type: 'response.created', event_id: 'event_D1', response: realtimeResponse('resp_D1', 'in_progress'), received_at: at(0) },
    {
      type: 'response.done',
      event_id: 'event_D2',
      response: realtimeResponse('resp_D1', 'completed', [assistantAudio('item_D1', 'Welcome to Fabrikam. For billing press 1, for support press 2.')]),
      received_at: at(3400),
    },
    { type: 'input_audio_buffer.dtmf_event_received', event: '2', received_at: serverSeconds(5200) },
    { type: 'response.created', event_id: 'event_D3', response: realtimeResponse('resp_D2', 'in_progress'), received_at: at(5600) },
    {
      type: 'response.done',
      event_id: 'event_D4',
      response: realtimeResponse('resp_D2', 'completed', [assistantAudio('item_D2', 'Support. Please say your ticket number, or key it in.')]),
      received_at: at(8100),
    },
    { type: 'input_audio_buffer.speech_started', event_id: 'event_D5', item_id: 'item_U1', audio_start_ms: 9000, received_at: at(9300) },
    { type: 'input_audio_buffer.speech_stopped', event_id: 'event_D6', item_id: 'item_U1', audio_end_ms: 10400, received_at: at(10700) },
    {
      type: 'conversation.item.input_audio_transcription.completed',
      event_id: 'event_D7',
      item_id: 'item_U1',
      content_index: 0,
      transcript: 'I will key it in.',
      usage: { type: 'duration', seconds: 1.4 },
      received_at: at(11000),
    },
    { received_at: at(12500), event: { type: 'input_audio_buffer.dtmf_event_received', event: '4', received_at: serverSeconds(12500) } },
    { received_at: at(12900), event: { type: 'input_audio_buffer.dtmf_event_received', event: '7', received_at: serverSeconds(12900) } },
    { type: 'response.created', event_id: 'event_D8', response: realtimeResponse('resp_D3', 'in_progress'), received_at: at(13500) },
    {
      type: 'response.done',
      event_id: 'event_D9',
      response: realtimeResponse('resp_D3', 'completed', [assistantAudio('item_D3', 'Ticket 47, got it.')]),
      received_at: at(15000),
    },
  ],
} satisfies StackEnvelope<LoggedRealtimeEvent[]>;
