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

const options = (source?: SourceName): IngestOptions => ({ source, webCallNumber: undefined });

describe('openai-chat: OpenAI chat-completions messages', () => {
  // The calls these fixtures make are in the conformance corpus (test/conformance/openai-chat/).

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
    expect(issuePath([{ role: 'user', content: 'Hi' }, 42])).toEqual(['transcript[1]']);
    expect(issuePath([{ role: 'model', content: 'Hi' }])).toEqual(['transcript[0].role']);
    expect(issuePath([{ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'custom', custom: { input: 'x' } }] }])).toEqual([
      'transcript[0].tool_calls[0].custom.name',
    ]);
    expect(issuePath([{ role: 'assistant', content: null, function_call: { arguments: '{}' } }])).toEqual(['transcript[0].function_call.name']);
    expect(issuePath([{ role: 'function', content: '{}' }])).toEqual(['transcript[0].name']);
    expect(issuePath([{ type: 'function_call', name: 'f', arguments: '{}' }])).toEqual(['transcript[0].call_id']);
    expect(issuePath([{ type: 'function_call_output', call_id: 'gone', output: 'ok' }])).toEqual(['transcript[0].call_id']);
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
    it('takes chat message lists, bare or as { messages }, legacy function messages and Responses API items', () => {
      for (const envelope of [openaiChatInboundWithTools, openaiChatLateTranscript, openaiChatInterrupted]) {
        expect(openaiChatFormat.recognises(envelope.transcript)).toBe(true);
      }
      expect(
        openaiChatFormat.recognises([
          { role: 'assistant', content: null, function_call: { name: 'f', arguments: '{}' } },
          { role: 'function', name: 'f', content: '{}' },
        ]),
      ).toBe(true);
      expect(
        openaiChatFormat.recognises([
          { role: 'user', content: 'hi' },
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello', annotations: [] }] },
          { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' },
          { type: 'function_call_output', call_id: 'c1', output: 'ok' },
        ]),
      ).toBe(true);
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
          { role: 'model', content: 'hello' },
        ],
        [{ type: 'message', role: 'assistant', content: ['LiveKit content is bare strings'] }],
        [{ type: 'agent_handoff', new_agent_id: 'billing' }],
      ];
      for (const transcript of [...others, ...junk]) expect(openaiChatFormat.recognises(transcript)).toBe(false);
    });
  });
});
