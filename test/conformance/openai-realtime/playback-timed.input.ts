/**
 * A WebRTC session whose log has the server's playback events (`output_audio_buffer.started` /
 * `stopped` / `cleared`, WebRTC and SIP only): the agent's turns are when the caller heard them,
 * not when they were generated (`response.created` .. `response.done`, seconds earlier). The second
 * reply is cut off by the caller: its playback is cleared. Every server event stamped on receipt.
 */
import { assistantAudio, type LoggedRealtimeEvent, realtimeResponse, type StackEnvelope } from './realtime-event';

const T = Date.parse('2025-07-11T17:30:00.000Z');
const at = (ms: number) => T + ms;

export default {
  id: 'rt-playback-8',
  customer: { number: '+16505550164' },
  transcript: [
    {
      type: 'session.created',
      event_id: 'event_P0',
      session: { type: 'realtime', model: 'gpt-realtime', output_modalities: ['audio'] },
      received_at: at(0),
    },
    { type: 'response.created', event_id: 'event_P1', response: realtimeResponse('resp_P1', 'in_progress'), received_at: at(200) },
    { type: 'output_audio_buffer.started', event_id: 'event_P2', response_id: 'resp_P1', received_at: at(650) },
    {
      type: 'response.done',
      event_id: 'event_P3',
      response: realtimeResponse('resp_P1', 'completed', [assistantAudio('item_P1', 'Hi, this is Tailspin Travel. Where would you like to go?')]),
      received_at: at(1400),
    },
    { type: 'output_audio_buffer.stopped', event_id: 'event_P4', response_id: 'resp_P1', received_at: at(4300) },
    { type: 'input_audio_buffer.speech_started', event_id: 'event_P5', item_id: 'item_PU1', audio_start_ms: 5000, received_at: at(5100) },
    { type: 'input_audio_buffer.speech_stopped', event_id: 'event_P6', item_id: 'item_PU1', audio_end_ms: 6600, received_at: at(6700) },
    {
      type: 'conversation.item.input_audio_transcription.completed',
      event_id: 'event_P7',
      item_id: 'item_PU1',
      content_index: 0,
      transcript: 'Lisbon, next Friday.',
      usage: { type: 'duration', seconds: 1.6 },
      received_at: at(7000),
    },
    { type: 'response.created', event_id: 'event_P8', response: realtimeResponse('resp_P2', 'in_progress'), received_at: at(6800) },
    { type: 'output_audio_buffer.started', event_id: 'event_P9', response_id: 'resp_P2', received_at: at(7300) },
    {
      type: 'response.done',
      event_id: 'event_P10',
      response: realtimeResponse('resp_P2', 'completed', [
        assistantAudio('item_P2', 'Lisbon next Friday, great. I have a morning flight at 7:10 and an afternoon one at 3:45, and'),
      ]),
      received_at: at(8200),
    },
    { type: 'input_audio_buffer.speech_started', event_id: 'event_P11', item_id: 'item_PU2', audio_start_ms: 10100, received_at: at(10200) },
    { type: 'output_audio_buffer.cleared', event_id: 'event_P12', response_id: 'resp_P2', received_at: at(10250) },
    { type: 'input_audio_buffer.speech_stopped', event_id: 'event_P13', item_id: 'item_PU2', audio_end_ms: 11200, received_at: at(11300) },
    {
      type: 'conversation.item.input_audio_transcription.completed',
      event_id: 'event_P14',
      item_id: 'item_PU2',
      content_index: 0,
      transcript: 'The morning one.',
      usage: { type: 'duration', seconds: 1.1 },
      received_at: at(11600),
    },
  ],
} satisfies StackEnvelope<LoggedRealtimeEvent[]>;
