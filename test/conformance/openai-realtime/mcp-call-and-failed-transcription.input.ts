/**
 * A GA session with a remote MCP server: the model calls an MCP tool (output item added, arguments
 * done, call completed, item done) and a second one that fails (`mcp_call.failed`, the item's
 * `error`); the session's `mcp_list_tools` item carries no conversation. One caller turn's
 * transcription failed (`conversation.item.input_audio_transcription.failed`): the caller spoke and
 * is kept, marked. Server events stamped on receipt (ISO 8601).
 */
import type { RealtimeMcpToolCall } from 'openai/resources/realtime/realtime';
import { assistantAudio, type LoggedRealtimeEvent, realtimeResponse, type StackEnvelope } from './realtime-event';

const T = Date.parse('2025-07-12T12:00:00.000Z');
const at = (ms: number) => new Date(T + ms).toISOString();

const weatherCall = (output: string | null): RealtimeMcpToolCall => ({
  id: 'mcp_W1',
  type: 'mcp_call',
  server_label: 'weather',
  name: 'get_forecast',
  arguments: '{"city":"Oslo","day":"tomorrow"}',
  ...(output === null ? {} : { output }),
});
const bookingCall = (failed: boolean): RealtimeMcpToolCall => ({
  id: 'mcp_B1',
  type: 'mcp_call',
  server_label: 'bookings',
  name: 'book_table',
  arguments: '{"restaurant":"Maaemo","people":2}',
  ...(failed ? { error: { type: 'tool_execution_error' as const, message: 'No tables left tomorrow' } } : {}),
});

export default {
  id: 'rt-mcp-9',
  customer: { number: '+4722334455' },
  transcript: [
    {
      type: 'session.created',
      event_id: 'event_M0',
      session: { type: 'realtime', model: 'gpt-realtime', output_modalities: ['audio'] },
      received_at: at(0),
    },
    {
      type: 'conversation.item.done',
      event_id: 'event_M1',
      item: { id: 'mcpl_1', type: 'mcp_list_tools', server_label: 'weather', tools: [{ name: 'get_forecast', input_schema: {} }] },
      received_at: at(300),
    },
    { type: 'input_audio_buffer.speech_started', event_id: 'event_M2', item_id: 'item_MU1', audio_start_ms: 1200, received_at: at(1300) },
    { type: 'input_audio_buffer.speech_stopped', event_id: 'event_M3', item_id: 'item_MU1', audio_end_ms: 2900, received_at: at(3000) },
    {
      type: 'conversation.item.input_audio_transcription.failed',
      event_id: 'event_M4',
      item_id: 'item_MU1',
      content_index: 0,
      error: { type: 'transcription_error', code: 'audio_unintelligible', message: 'Audio could not be transcribed' },
      received_at: at(3300),
    },
    { type: 'response.created', event_id: 'event_M5', response: realtimeResponse('resp_M1', 'in_progress'), received_at: at(3100) },
    {
      type: 'response.done',
      event_id: 'event_M6',
      response: realtimeResponse('resp_M1', 'completed', [assistantAudio('item_MA1', 'Sorry, I did not catch that. Could you say it again?')]),
      received_at: at(4800),
    },
    { type: 'input_audio_buffer.speech_started', event_id: 'event_M7', item_id: 'item_MU2', audio_start_ms: 5500, received_at: at(5600) },
    { type: 'input_audio_buffer.speech_stopped', event_id: 'event_M8', item_id: 'item_MU2', audio_end_ms: 7700, received_at: at(7800) },
    {
      type: 'conversation.item.input_audio_transcription.completed',
      event_id: 'event_M9',
      item_id: 'item_MU2',
      content_index: 0,
      transcript: "What's the weather in Oslo tomorrow? And book Maaemo for two.",
      usage: { type: 'duration', seconds: 2.2 },
      received_at: at(8000),
    },
    { type: 'response.created', event_id: 'event_M10', response: realtimeResponse('resp_M2', 'in_progress'), received_at: at(7900) },
    { type: 'response.output_item.added', event_id: 'event_M11', response_id: 'resp_M2', output_index: 0, item: weatherCall(null), received_at: at(8300) },
    {
      type: 'response.mcp_call_arguments.done',
      event_id: 'event_M12',
      response_id: 'resp_M2',
      item_id: 'mcp_W1',
      output_index: 0,
      arguments: '{"city":"Oslo","day":"tomorrow"}',
      received_at: at(8400),
    },
    { type: 'response.mcp_call.in_progress', event_id: 'event_M13', item_id: 'mcp_W1', output_index: 0, received_at: at(8420) },
    { type: 'response.mcp_call.completed', event_id: 'event_M14', item_id: 'mcp_W1', output_index: 0, received_at: at(9100) },
    {
      type: 'response.output_item.done',
      event_id: 'event_M15',
      response_id: 'resp_M2',
      output_index: 0,
      item: weatherCall('{"forecast":"light snow","high_c":-2}'),
      received_at: at(9150),
    },
    { type: 'response.output_item.added', event_id: 'event_M16', response_id: 'resp_M2', output_index: 1, item: bookingCall(false), received_at: at(9200) },
    {
      type: 'response.mcp_call_arguments.done',
      event_id: 'event_M17',
      response_id: 'resp_M2',
      item_id: 'mcp_B1',
      output_index: 1,
      arguments: '{"restaurant":"Maaemo","people":2}',
      received_at: at(9300),
    },
    { type: 'response.mcp_call.failed', event_id: 'event_M18', item_id: 'mcp_B1', output_index: 1, received_at: at(9900) },
    { type: 'response.output_item.done', event_id: 'event_M19', response_id: 'resp_M2', output_index: 1, item: bookingCall(true), received_at: at(9950) },
    {
      type: 'response.done',
      event_id: 'event_M20',
      response: realtimeResponse('resp_M2', 'completed', [weatherCall('{"forecast":"light snow","high_c":-2}'), bookingCall(true)]),
      received_at: at(10000),
    },
    { type: 'response.created', event_id: 'event_M21', response: realtimeResponse('resp_M3', 'in_progress'), received_at: at(10100) },
    {
      type: 'response.done',
      event_id: 'event_M22',
      response: realtimeResponse('resp_M3', 'completed', [
        assistantAudio('item_MA2', 'Light snow tomorrow in Oslo, around minus two. Maaemo has no tables left tomorrow, sorry.'),
      ]),
      received_at: at(13500),
    },
  ],
} satisfies StackEnvelope<LoggedRealtimeEvent[]>;
