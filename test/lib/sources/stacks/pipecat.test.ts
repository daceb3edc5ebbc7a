/**
 * The pipecat source beyond its corpus cases (test/conformance/pipecat): Pipecat's conventions leave
 * plain chat alone, keep paths into the export right, and what cannot be read is refused by path.
 */
import fc from 'fast-check';
import { parseIngestBody } from '../../../../lib/ingest';
import { pipecatFormat, resolvePipecatConventions } from '../../../../lib/sources/stacks/pipecat';
import { openaiChatInboundWithTools, openaiChatInterrupted, openaiChatLateTranscript } from '../../../fixtures/sources/stacks/openai-chat/calls';

const envelope = (transcript: unknown) => ({ id: 'p-1', customer: { number: '+16505551234' }, startedAt: '2026-03-02T15:00:00.000Z', transcript });
const issuesOf = (body: unknown, source: 'pipecat' | 'openai-chat' = 'pipecat') => {
  const result = parseIngestBody(body, { source, webCallNumber: undefined });
  return result.ok ? [] : result.issues;
};
const contentsOf = (body: unknown, source: 'pipecat' | 'openai-chat' = 'pipecat') => {
  const result = parseIngestBody(body, { source, webCallNumber: undefined });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.calls[0]!.call.messages.map((message) => [message.role, message.content]);
};

describe("resolvePipecatConventions: Pipecat's LLMContext conventions", () => {
  it('leaves plain OpenAI chat unchanged, index for index', () => {
    for (const { transcript } of [openaiChatInboundWithTools, openaiChatLateTranscript, openaiChatInterrupted]) {
      const messages: unknown[] = Array.isArray(transcript) ? transcript : transcript.messages;
      expect(resolvePipecatConventions(messages)).toEqual({ messages, dropped: {} });
    }
  });

  it('leaves any chat without a leading marker or async-tool JSON as it is (property)', () => {
    const said = fc.string().filter((text) => !/^\s*[✓○◐]/.test(text) && !text.includes('async_tool'));
    const message = fc.record({ role: fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool'), content: said });
    fc.assert(
      fc.property(fc.array(message), (messages) => {
        expect(resolvePipecatConventions(messages)).toEqual({ messages, dropped: {} });
      }),
      { seed: 18, numRuns: 200 },
    );
  });

  it('strips a leading marker from a reply in text parts, and keeps a check mark inside plain text', () => {
    const messages = [
      {
        role: 'assistant',
        content: [
          { type: 'text', text: '✓ Sure,' },
          { type: 'text', text: 'one moment.' },
        ],
      },
      { role: 'assistant', content: 'Done ✓' },
    ];
    expect(resolvePipecatConventions(messages).messages).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Sure,' },
          { type: 'text', text: 'one moment.' },
        ],
      },
      { role: 'assistant', content: 'Done ✓' },
    ]);
  });

  it('keeps the tool calls of a marker-only reply', () => {
    const calls = [{ id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{}' } }];
    expect(resolvePipecatConventions([{ role: 'assistant', content: '○', tool_calls: calls }])).toEqual({
      messages: [{ role: 'assistant', content: '', tool_calls: calls }],
      dropped: {},
    });
  });

  it('points a refusal at the message of the export, after the markers before it are gone', () => {
    const body = envelope([
      { role: 'assistant', content: '◐' },
      { role: 'user', content: 'Hi' },
      { role: 'tool', tool_call_id: 'nope', content: '{}' },
    ]);
    expect(issuesOf(body)).toEqual([{ path: 'transcript[2].tool_call_id', message: expect.stringContaining('matches no tool_calls') }]);
  });

  it('reads a context sent as openai-chat as pipecat reads it', () => {
    const body = envelope([
      { role: 'assistant', content: '✓ Hello!' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: '○' },
    ]);
    expect(contentsOf(body, 'openai-chat')).toEqual([
      ['bot', 'Hello!'],
      ['user', 'Hi'],
    ]);
    expect(contentsOf(body, 'openai-chat')).toEqual(contentsOf(body, 'pipecat'));
  });
});

describe('pipecat: logged turn events', () => {
  const stamped = (event: Record<string, unknown>) => ({ ...event, received_at: 1_772_463_605_000 });

  it('refuses an entry that names no turn event, by path', () => {
    const body = envelope([
      stamped({ type: 'AssistantTurnStoppedMessage', content: 'Hi', interrupted: false, timestamp: '2026-03-02T15:00:01+00:00' }),
      { type: 'BotStartedSpeaking' },
    ]);
    expect(issuesOf(body)).toEqual([{ path: 'transcript[1].type', message: expect.stringContaining('UserTurnStoppedMessage') }]);
  });

  it('refuses content that is not text, and a TranscriptionMessage of another role', () => {
    expect(issuesOf(envelope([{ type: 'UserTurnStoppedMessage', content: ['Hi'], timestamp: '2026-03-02T15:00:01+00:00' }]))).toEqual([
      { path: 'transcript[0].content', message: expect.any(String) },
    ]);
    expect(issuesOf(envelope([{ type: 'TranscriptionMessage', role: 'system', content: 'Hi', timestamp: '2026-03-02T15:00:01+00:00' }]))).toEqual([
      { path: 'transcript[0].role', message: expect.any(String) },
    ]);
  });

  it('refuses a turn that started more than a second before the call, never clamps it', () => {
    const body = envelope([{ type: 'UserTurnStoppedMessage', content: 'Hi', timestamp: '2026-03-02T14:59:50+00:00' }]);
    expect(issuesOf(body)).toEqual([{ path: 'transcript[0]', message: expect.stringContaining('before the start of the call') }]);
  });

  it('places a turn without a start after the turn logged before it, not after the one that started before it', () => {
    const body = envelope([
      { type: 'TranscriptionMessage', role: 'user', content: 'Second?', timestamp: '2026-03-02T15:00:05+00:00' },
      { type: 'TranscriptionMessage', role: 'assistant', content: 'Untimed.' },
      { type: 'TranscriptionMessage', role: 'user', content: 'First?', timestamp: '2026-03-02T15:00:01+00:00' },
    ]);
    const result = parseIngestBody(body, { source: 'pipecat', webCallNumber: undefined });
    expect(result.ok && result.calls[0]!.call.messages.map((message) => [message.content, message.start_time])).toEqual([
      ['First?', 1],
      ['Second?', 5],
      ['Untimed.', 5],
    ]);
  });

  it('recognises turn logs bare or under events, and not plain OpenAI chat', () => {
    const events = [{ type: 'UserTurnStoppedMessage', content: 'Hi', timestamp: '2026-03-02T15:00:01+00:00' }];
    expect(pipecatFormat.recognises(events)).toBe(true);
    expect(pipecatFormat.recognises({ events })).toBe(true);
    expect(pipecatFormat.recognises(openaiChatInboundWithTools.transcript)).toBe(false);
    expect(pipecatFormat.recognises([{ role: 'user', content: 'Hi', timestamp: '2026-03-02T15:00:01+00:00' }])).toBe(false);
  });
});
