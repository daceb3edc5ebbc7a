import { type IngestOptions, parseIngestBody } from '../../../../lib/ingest';
import type { SourceName } from '../../../../lib/sources';
import { openaiChatFormat } from '../../../../lib/sources/stacks/openai-chat';
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
import { ultravoxInboundWithTools, ultravoxInterrupted, ultravoxLowercaseRoles } from '../../../fixtures/sources/stacks/ultravox/calls';
import { ingestedAs } from '../../../support/ingested';

const options = (source?: SourceName): IngestOptions => ({ source, webCallNumber: undefined });

const ingested = (envelope: unknown) => ingestedAs('openai-chat', envelope);

describe('openai-chat: OpenAI chat-completions messages', () => {
  it('maps an inbound call with tool calls and results, field by field', () => {
    const { call, untimedMessages } = ingested(openaiChatInboundWithTools);
    expect(call).toEqual({
      id: 'pipecat-call-1',
      startedAt: '2025-06-02T15:00:00.000Z',
      endedAt: '2025-06-02T15:00:16.000Z',
      customer: { number: '+16505551234' },
      phoneNumber: '+14155550100',
      messages: [
        { role: 'system', content: 'You are Sam, the front desk of Harbor Dental.', start_time: 0, end_time: 0 },
        { role: 'bot', content: 'Harbor Dental, this is Sam. How can I help?', start_time: 0, end_time: 0 },
        { role: 'user', content: 'Can I move my cleaning to Friday?', start_time: 3.2, end_time: 3.2 },
        { role: 'bot', content: 'Let me check Friday.', start_time: 6, end_time: 6 },
        { role: 'function_call', content: '', start_time: 6, end_time: 6, data: { id: 'call_1', name: 'find_slots', arguments: '{"day":"friday"}' } },
        // The IN_PROGRESS placeholder is gone; the untimed result takes the time of the message before.
        {
          role: 'function_call_result',
          content: '',
          start_time: 6,
          end_time: 6,
          data: { id: 'call_1', name: 'find_slots', result: '{"slots":["09:00","14:30"]}' },
        },
        { role: 'bot', content: 'Friday has 9 and 2:30. Which works?', start_time: 8.5, end_time: 8.5 },
        { role: 'user', content: '2:30 please.', start_time: 11, end_time: 11 },
        {
          role: 'function_call',
          content: '',
          start_time: 12,
          end_time: 12,
          data: { id: 'call_2', name: 'book_slot', arguments: '{"day":"friday","time":"14:30"}' },
        },
        { role: 'function_call_result', content: '', start_time: 12.8, end_time: 12.8, data: { id: 'call_2', name: 'book_slot', result: '{"booked":true}' } },
        { role: 'bot', content: 'Booked: Friday at 2:30. Bye!', start_time: 13.5, end_time: 13.5 },
      ],
      endedReason: 'customer-hangup',
      recordingUrl: 'https://recordings.example.com/pipecat-call-1.wav',
      metadata: { bot: 'harbor-dental', pipecat: '1.0.2' },
    });
    expect(untimedMessages).toBe(2);
  });

  it('puts a caller transcript logged after the reply at its earlier timestamp, and keeps the interruption flag', () => {
    const { call, untimedMessages } = ingested(openaiChatLateTranscript);
    expect(call).toEqual({
      id: 'agents-call-2',
      startedAt: '2025-06-03T09:30:00.000Z',
      endedAt: '2025-06-03T09:30:10.400Z',
      customer: { number: '+442079460958' },
      messages: [
        { role: 'system', content: 'Be brief.', start_time: 0, end_time: 0 },
        { role: 'bot', content: 'Hi, you have reached Northwind Support.', start_time: 0.5, end_time: 0.5 },
        { role: 'user', content: 'Where is my order A-1009?', start_time: 3.1, end_time: 3.1 },
        { role: 'bot', content: 'Your order ships tomorrow.', start_time: 6.2, end_time: 6.2 },
        { role: 'bot', content: 'It left our warehouse this morning and should', start_time: 9, end_time: 9, interrupted: true },
        { role: 'user', content: 'Sorry, can it go to my office instead?', start_time: 10.4, end_time: 10.4 },
      ],
    });
    expect(untimedMessages).toBe(1);
  });

  it('reads start_time / end_time in seconds: overlapping turns survive, an unanswered IN_PROGRESS stays', () => {
    const { call, untimedMessages } = ingested(openaiChatInterrupted);
    expect(call).toEqual({
      id: 'loop-call-3',
      startedAt: '2025-06-04T18:00:00.000Z',
      endedAt: '2025-06-04T18:00:20.000Z',
      customer: { number: '+16505559999' },
      agent_id: 42,
      run_id: 7001,
      messages: [
        { role: 'bot', content: 'Hello, Lakeside Pharmacy.', start_time: 0.3, end_time: 1.8 },
        { role: 'user', content: 'Is my prescription ready?', start_time: 2.4, end_time: 4 },
        {
          role: 'function_call',
          content: '',
          start_time: 4.3,
          end_time: 4.3,
          data: { id: 'call_rx', name: 'prescription_status', arguments: '{"patient":"+16505559999"}' },
        },
        {
          role: 'function_call_result',
          content: '',
          start_time: 4.4,
          end_time: 4.4,
          data: { id: 'call_rx', name: 'prescription_status', result: 'IN_PROGRESS' },
        },
        { role: 'bot', content: 'I am checking that for you now, it can take a', start_time: 5, end_time: 8.2, interrupted: true },
        { role: 'user', content: 'Actually I will call back later.', start_time: 7.6, end_time: 9.9 },
        { role: 'bot', content: 'Of course, goodbye!', start_time: 10.5, end_time: 11.7 },
      ],
    });
    expect(untimedMessages).toBeUndefined();
  });

  it('refuses a tool call without a function name, naming its path in the transcript', () => {
    expect(parseIngestBody(openaiChatNamelessTool, options('openai-chat'))).toEqual({
      ok: false,
      issues: [{ path: 'transcript[1].tool_calls[0].function.name', message: expect.stringContaining('is required') }],
    });
  });

  it('refuses bad times, a result paired with no call, and a transcript that is no message list', () => {
    const envelope = (transcript: unknown) => ({ id: 'c', customer: { number: '+16505559999' }, startedAt: '2025-06-04T18:00:00Z', transcript });
    const issuePath = (transcript: unknown) => {
      const result = parseIngestBody(envelope(transcript), options('openai-chat'));
      return result.ok ? undefined : result.issues.map((issue) => issue.path);
    };
    expect(issuePath({ messages: [{ role: 'user', content: 'Hi', timestamp: 'yesterday' }] })).toEqual(['transcript.messages[0].timestamp']);
    // 12.5 is no instant: read as epoch seconds it would put the call in 1970.
    expect(issuePath([{ role: 'user', content: 'Hi', timestamp: 12.5 }])).toEqual(['transcript[0].timestamp']);
    expect(issuePath([{ role: 'user', content: 'Hi', start_time: -2 }])).toEqual(['transcript[0].start_time']);
    expect(issuePath([{ role: 'tool', tool_call_id: 'nope', content: 'x' }])).toEqual(['transcript[0].tool_call_id']);
    expect(issuePath([{ role: 'tool', content: 'x' }])).toEqual(['transcript[0].tool_call_id']);
    expect(issuePath({ chat: [] })).toEqual(['transcript']);
  });

  it('takes a tool name from the tool message itself when no call has its id', () => {
    const result = parseIngestBody(
      {
        id: 'c',
        customer: { number: '+16505559999' },
        startedAt: '2025-06-04T18:00:00Z',
        transcript: [{ role: 'tool', tool_call_id: 't1', name: 'lookup', content: '{"a":1}' }],
      },
      options('openai-chat'),
    );
    expect(result).toMatchObject({
      ok: true,
      calls: [{ call: { messages: [{ role: 'function_call_result', data: { id: 't1', name: 'lookup', result: '{"a":1}' } }] } }],
    });
  });

  it('asks for startedAt when no message has an instant', () => {
    expect(parseIngestBody(openaiChatNoTimes, options('openai-chat'))).toEqual({
      ok: false,
      issues: [{ path: 'startedAt', message: expect.stringContaining('is required') }],
    });
  });

  describe('recognises', () => {
    it('takes chat message lists, bare or as { messages }', () => {
      for (const envelope of [openaiChatInboundWithTools, openaiChatLateTranscript, openaiChatInterrupted]) {
        expect(openaiChatFormat.recognises(envelope.transcript)).toBe(true);
      }
    });

    it('leaves the other stacks and junk alone', () => {
      const others: unknown[] = [
        livekitSessionReport,
        livekitSessionReport.chat_history,
        livekitItems,
        livekitChatContextNode,
        openaiRealtimeEvents,
        ultravoxInboundWithTools.transcript,
        ultravoxInboundWithTools.transcript.results,
        ultravoxInterrupted.transcript,
        ultravoxLowercaseRoles.transcript,
        [
          { role: 'user', content: 'hi' },
          { role: 'function', name: 'f', content: '{}' },
        ],
      ];
      for (const transcript of [...others, ...junk]) expect(openaiChatFormat.recognises(transcript)).toBe(false);
    });
  });
});
