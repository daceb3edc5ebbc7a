import { type IngestOptions, parseIngestBody } from '../../../../lib/ingest';
import type { SourceName } from '../../../../lib/sources';
import { livekitFormat } from '../../../../lib/sources/stacks/livekit';
import {
  livekitBadCreatedAt,
  livekitNodeChatContext,
  livekitNodeChatContextNoInstants,
  livekitNodeChatContextUntimed,
  livekitNodeReport,
  livekitNodeReportMilliseconds,
  livekitNodeReportRaw,
  livekitOrphanOutput,
  livekitPythonHistoryUntimed,
  livekitPythonItems,
  livekitPythonReport,
  livekitUnknownRole,
} from '../../../fixtures/sources/stacks/livekit/calls';
import {
  openaiChatInboundWithTools,
  openaiChatInterrupted,
  openaiChatLateTranscript,
  openaiChatNamelessTool,
  openaiChatNoTimes,
} from '../../../fixtures/sources/stacks/openai-chat/calls';
import {
  junk,
  livekitChatContextNode,
  livekitItems,
  livekitSessionReport,
  openaiRealtimeEvents,
} from '../../../fixtures/sources/stacks/openai-chat/other-stacks';
import { realtimeBetaUnstampedEvents } from '../../../fixtures/sources/stacks/openai-realtime/beta-unstamped';
import { realtimeInboundWithToolEvents } from '../../../fixtures/sources/stacks/openai-realtime/inbound-with-tool';
import { realtimeInterruptedLateTranscriptEvents } from '../../../fixtures/sources/stacks/openai-realtime/interrupted-late-transcript';
import { realtimePartlyStampedEvents } from '../../../fixtures/sources/stacks/openai-realtime/partly-stamped';
import {
  ultravoxFirstPage,
  ultravoxInboundWithTools,
  ultravoxInterrupted,
  ultravoxLowercaseRoles,
  ultravoxToolWithoutInvocation,
} from '../../../fixtures/sources/stacks/ultravox/calls';
import { ingestedAs } from '../../../support/ingested';

const options = (source?: SourceName): IngestOptions => ({ source, webCallNumber: undefined });

function ingested(envelope: unknown) {
  const { call, untimedMessages = 0 } = ingestedAs('livekit', envelope);
  return { call, untimedMessages };
}

const nodeReportMessages = [
  { role: 'bot', content: 'Harbor Dental, this is Sam. How can I help?', start_time: 0, end_time: 2.4 },
  { role: 'user', content: 'Can I move my cleaning to Friday?', start_time: 3.2, end_time: 5.1 },
  { role: 'function_call', content: '', start_time: 5.8, end_time: 5.8, data: { id: 'call_slots', name: 'find_slots', arguments: '{"day":"friday"}' } },
  {
    role: 'function_call_result',
    content: '',
    start_time: 6.4,
    end_time: 6.4,
    data: { id: 'call_slots', name: 'find_slots', result: '{"slots":["09:00","14:30"]}' },
  },
  { role: 'bot', content: 'Friday has 9 in the morning and', start_time: 7.2, end_time: 9.1, interrupted: true },
  // The caller barged in before the agent stopped speaking.
  { role: 'user', content: '2:30 please.', start_time: 8.7, end_time: 9.8 },
  {
    role: 'function_call',
    content: '',
    start_time: 10.6,
    end_time: 10.6,
    data: { id: 'call_book', name: 'book_slot', arguments: '{"day":"friday","time":"14:30"}' },
  },
  // The output's name is "" (Node's default): it takes its call's name.
  {
    role: 'function_call_result',
    content: '',
    start_time: 11.3,
    end_time: 11.3,
    data: { id: 'call_book', name: 'book_slot', result: 'slot no longer available' },
    is_error: true,
  },
  { role: 'bot', content: 'Sorry, 2:30 was just taken. 9 is still open.', start_time: 12.1, end_time: 14.8 },
  // Committed after the agent's preemptive reply, placed at when the caller spoke.
  { role: 'user', content: 'Nine works.', start_time: 16, end_time: 16.8 },
  { role: 'bot', content: 'Great, booking 9 on Friday for you.', start_time: 17.5, end_time: 19.7 },
  // No speech metrics: created_at is its start.
  { role: 'bot', content: 'See you Friday at 9. Goodbye!', start_time: 20.2, end_time: 20.2 },
];

const nodeReportCall = {
  id: 'lk-node-call-1',
  // The earliest instant read (the greeting's speech) and the latest (the goodbye's created_at).
  startedAt: '2025-06-10T16:00:00.800Z',
  endedAt: '2025-06-10T16:00:21.000Z',
  customer: { number: '+16505551234' },
  phoneNumber: '+14155550100',
  messages: nodeReportMessages,
  endedReason: 'participant_disconnected',
  recordingUrl: 'https://recordings.example.com/lk-node-call-1.ogg',
  metadata: { room: 'call-_+16505551234_x9Kd2' },
};

const pythonReportMessages = [
  { role: 'system', content: "The caller's number is verified.\nAccount: RX-4471", start_time: 0.2, end_time: 0.2 },
  { role: 'bot', content: 'Main Street Pharmacy, this is Riley. How can I help?', start_time: 0.9, end_time: 3.35 },
  { role: 'user', content: 'I need a refill of my lisinopril.', start_time: 4.1, end_time: 5.8 },
  {
    role: 'function_call',
    content: '',
    start_time: 6.5,
    end_time: 6.5,
    data: { id: 'call_rx_1', name: 'lookup_prescription', arguments: '{"drug":"lisinopril"}' },
  },
  {
    role: 'function_call_result',
    content: '',
    start_time: 7.25,
    end_time: 7.25,
    data: { id: 'call_rx_1', name: 'lookup_prescription', result: '{"refills_left":2,"ready":"tomorrow"}' },
  },
  { role: 'bot', content: 'You have two refills left. I can have it ready tomorrow after', start_time: 8, end_time: 11.123, interrupted: true },
  { role: 'user', content: 'Today would be better.', start_time: 10.7, end_time: 11.9 },
  { role: 'bot', content: 'Let me check with the pharmacist about today.', start_time: 12.9, end_time: 12.9 },
  { role: 'user', content: 'Okay, thanks.', start_time: 15, end_time: 15.8 },
];

const pythonReportCall = {
  id: 'lk-py-call-1',
  startedAt: '2025-06-12T14:30:00.000Z',
  endedAt: '2025-06-12T14:30:18.750Z',
  customer: { number: '+16505550199' },
  phoneNumber: '+18005550123',
  messages: pythonReportMessages,
  endedReason: 'participant_disconnected',
  metadata: { room: 'refill-line-7f3k' },
  agent_id: 42,
};

describe('livekit: LiveKit Agents session reports and chat contexts', () => {
  it('maps a Node session report (sessionReportToJSON, epoch seconds) of an inbound call, field by field', () => {
    const { call, untimedMessages } = ingested(livekitNodeReport);
    expect(call).toEqual(nodeReportCall);
    expect(untimedMessages).toBe(0);
  });

  it('reads an older Node report whose created_at is in epoch milliseconds the same way', () => {
    const { call, untimedMessages } = ingested(livekitNodeReportMilliseconds);
    expect(call).toEqual({ ...nodeReportCall, id: 'lk-node-call-1-ms' });
    expect(untimedMessages).toBe(0);
  });

  it('maps a Node ChatContext.toJSON({ excludeTimestamp: false }) (camelCase, epoch ms) of an outbound call', () => {
    const { call, untimedMessages } = ingested(livekitNodeChatContext);
    expect(call).toEqual({
      id: 'lk-node-ctx-1',
      startedAt: '2025-06-11T09:30:00.000Z',
      endedAt: '2025-06-11T09:30:15.000Z',
      customer: { number: '+442079460958' },
      phoneNumber: '+14155550100',
      messages: [
        // Instructions content: the audio variant, the one a voice session gives the model.
        { role: 'system', content: 'You call patients to confirm appointments. Speak briefly.', start_time: 0, end_time: 0 },
        { role: 'bot', content: 'Hi, this is Harbor Dental calling about your appointment tomorrow at 10.', start_time: 1.5, end_time: 5.1 },
        { role: 'user', content: 'Yes, can you tell me the address again?', start_time: 6, end_time: 8 },
        { role: 'function_call', content: '', start_time: 8.6, end_time: 8.6, data: { id: 'call_addr', name: 'clinic_address', arguments: '{}' } },
        {
          role: 'function_call_result',
          content: '',
          start_time: 8.9,
          end_time: 8.9,
          data: { id: 'call_addr', name: 'clinic_address', result: '12 Harbor Road, Suite 4' },
        },
        { role: 'bot', content: 'We are at 12 Harbor Road, Suite 4, next to the', start_time: 9.6, end_time: 12.4, interrupted: true },
        { role: 'user', content: 'Got it, thanks. Bye.', start_time: 12.1, end_time: 13.5 },
      ],
    });
    expect(untimedMessages).toBe(0);
  });

  it('maps a Python session report (to_dict, epoch-second floats), field by field', () => {
    const { call, untimedMessages } = ingested(livekitPythonReport);
    expect(call).toEqual(pythonReportCall);
    expect(untimedMessages).toBe(0);
  });

  it('maps the bare items list like the report', () => {
    const { call } = ingested(livekitPythonItems);
    expect(call).toEqual({ ...pythonReportCall, id: 'lk-py-call-1-items' });
  });

  it('asks for startedAt when the export has no instant at all', () => {
    expect(parseIngestBody(livekitNodeChatContextNoInstants, options('livekit'))).toEqual({
      ok: false,
      issues: [{ path: 'startedAt', message: expect.stringContaining('is required') }],
    });
  });

  it('refuses an export it cannot read, naming the path inside the transcript', () => {
    const issues = (body: unknown, source?: SourceName) => {
      const result = parseIngestBody(body, options(source));
      return result.ok ? [] : result.issues;
    };
    expect(issues(livekitOrphanOutput)).toEqual([{ path: 'transcript.items[1].name', message: expect.stringContaining('no function_call') }]);
    expect(issues(livekitBadCreatedAt)).toEqual([
      { path: 'transcript.chat_history.items[2].created_at', message: expect.stringContaining('epoch seconds or milliseconds') },
    ]);
    // An unknown role is not LiveKit's shape, so only a named source reads (and refuses) it.
    expect(issues(livekitUnknownRole, 'livekit')).toEqual([{ path: 'transcript[0].role', message: 'must be one of assistant, user, system, developer' }]);
    expect(issues({ ...livekitUnknownRole, transcript: { messages: [] } }, 'livekit')).toEqual([
      { path: 'transcript', message: expect.stringContaining('LiveKit session report') },
    ]);
  });

  it('recognises every LiveKit shape, including the other stacks’ LiveKit samples and a report of a silent call', () => {
    for (const envelope of [
      livekitNodeReport,
      livekitNodeReportRaw,
      livekitNodeChatContext,
      livekitNodeChatContextUntimed,
      livekitPythonReport,
      livekitPythonItems,
      livekitPythonHistoryUntimed,
    ]) {
      expect(livekitFormat.recognises(envelope.transcript)).toBe(true);
    }
    for (const sample of [livekitSessionReport, livekitItems, livekitChatContextNode]) expect(livekitFormat.recognises(sample)).toBe(true);
    expect(livekitFormat.recognises({ job_id: 'AJ_1', room_id: 'RM_1', room: 'r', events: [], chat_history: { items: [] } })).toBe(true);
  });

  it('does not recognise the other stacks’ exports or junk', () => {
    const others: unknown[] = [
      ...[openaiChatInboundWithTools, openaiChatLateTranscript, openaiChatInterrupted, openaiChatNamelessTool, openaiChatNoTimes].map(
        (envelope) => envelope.transcript,
      ),
      openaiRealtimeEvents,
      realtimeBetaUnstampedEvents,
      realtimeInboundWithToolEvents,
      realtimeInterruptedLateTranscriptEvents,
      realtimePartlyStampedEvents,
      { events: realtimeInboundWithToolEvents },
      ...[ultravoxInboundWithTools, ultravoxInterrupted, ultravoxLowercaseRoles, ultravoxToolWithoutInvocation, ultravoxFirstPage].map(
        (envelope) => envelope.transcript,
      ),
      // OpenAI Realtime / Responses conversation items: `type: "message"`, but OpenAI's content parts.
      [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }],
      // An empty history that does not say it is a report.
      { items: [] },
      { chat_history: { items: [] } },
      // Items with no conversation in them.
      [{ id: 'item_1', type: 'agent_handoff', new_agent_id: 'a' }],
      [{ type: 'message', role: 'toString', content: ['x'] }],
    ];
    for (const transcript of [...others, ...junk]) expect(livekitFormat.recognises(transcript)).toBe(false);
  });
});
