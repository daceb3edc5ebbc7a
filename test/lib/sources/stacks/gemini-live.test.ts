/**
 * The gemini-live source beyond its corpus cases (test/conformance/gemini-live): how fragments make
 * turns when messages come bundled or out of order, wrapped entries, and refusals by path.
 */
import { parseIngestBody } from '../../../../lib/ingest';
import { geminiLiveFormat } from '../../../../lib/sources/stacks/gemini-live';
import type { GeminiLogEntry } from '../../../fixtures/sources/stacks/gemini-live/calls';

const T0 = 1_775_844_000_000;
const at = (seconds: number) => T0 + seconds * 1000;
const envelope = (transcript: unknown) => ({ id: 'g-1', customer: { number: '+16505551234' }, transcript });

function messagesOf(log: unknown) {
  const result = parseIngestBody(envelope(log), { source: 'gemini-live', webCallNumber: undefined });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.calls[0]!.call.messages.map(({ role, content, start_time, end_time, ...rest }) => [role, content, start_time, end_time, rest]);
}
const issuesOf = (log: unknown) => {
  const result = parseIngestBody(envelope(log), { source: 'gemini-live', webCallNumber: undefined });
  return result.ok ? [] : result.issues;
};

describe('gemini-live: turns from fragments', () => {
  it('reads a message that bundles the last words with turnComplete (Gemini 3.x) into the turn it closes', () => {
    const log = [
      { serverContent: { outputTranscription: { text: 'Hello' } }, received_at: at(1) },
      { serverContent: { outputTranscription: { text: ' there.' }, turnComplete: true }, received_at: at(2) },
      { serverContent: { outputTranscription: { text: 'Anything else?' } }, received_at: at(3) },
    ] satisfies GeminiLogEntry[];
    expect(messagesOf(log)).toEqual([
      ['bot', 'Hello there.', 0, 1, {}],
      ['bot', 'Anything else?', 2, 2, {}],
    ]);
  });

  it("starts a caller's turn with words heard while the agent spoke when the agent had not answered anyone", () => {
    const log = [
      { serverContent: { outputTranscription: { text: 'Welcome to Trattoria Roma.' } }, received_at: at(1) },
      { serverContent: { inputTranscription: { text: ' Hello?' } }, received_at: at(1.5) },
      { serverContent: { turnComplete: true }, received_at: at(2) },
      { serverContent: { inputTranscription: { text: ' Anyone there?' } }, received_at: at(3) },
    ] satisfies GeminiLogEntry[];
    expect(messagesOf(log)).toEqual([
      ['bot', 'Welcome to Trattoria Roma.', 0, 1, {}],
      ['user', 'Hello? Anyone there?', 0.5, 2, {}],
    ]);
  });

  it('marks the last agent turn interrupted when the flag comes after a tool call ended its words', () => {
    const log = [
      { serverContent: { outputTranscription: { text: 'Let me look that up' } }, received_at: at(1) },
      { toolCall: { functionCalls: [{ id: 'fc-1', name: 'lookup', args: {} }] }, received_at: at(2) },
      { serverContent: { interrupted: true }, received_at: at(2.5) },
    ] satisfies GeminiLogEntry[];
    expect(messagesOf(log)).toEqual([
      ['bot', 'Let me look that up', 0, 1, { interrupted: true }],
      ['function_call', '', 1, 1, { data: { id: 'fc-1', name: 'lookup', arguments: '{}' } }],
    ]);
  });

  it("counts the model's parts that are not speech (code it ran) and keeps its words", () => {
    const log = [
      {
        serverContent: { modelTurn: { parts: [{ executableCode: { code: 'print(2+2)' } }, { text: 'It is 4.' }] } },
        received_at: at(1),
      },
      { serverContent: { turnComplete: true }, received_at: at(2) },
    ] satisfies GeminiLogEntry[];
    const result = parseIngestBody(envelope(log), { source: 'gemini-live', webCallNumber: undefined });
    expect(result.ok && result.calls.map(({ call, dropped }) => [call.messages.map((message) => message.content), dropped])).toEqual([
      [['It is 4.'], { model_part: 1 }],
    ]);
  });

  it('reads entries wrapped as { received_at, event } and takes their stamps', () => {
    const log = [
      { received_at: at(1), event: { serverContent: { inputTranscription: { text: 'Hi.' } } } },
      { received_at: at(2), event: { serverContent: { outputTranscription: { text: 'Hello!' } } } },
      { received_at: at(3), event: { serverContent: { turnComplete: true } } },
    ];
    expect(geminiLiveFormat.recognises(log)).toBe(true);
    expect(messagesOf(log)).toEqual([
      ['user', 'Hi.', 0, 0, {}],
      ['bot', 'Hello!', 1, 2, {}],
    ]);
  });
});

describe('gemini-live: refusals name the path', () => {
  it.each<[string, unknown, string]>([
    ['a function call without an id', [{ toolCall: { functionCalls: [{ name: 'lookup', args: {} }] } }], 'transcript[0].toolCall.functionCalls[0].id'],
    ['a function call without a name (snake_case)', [{ tool_call: { function_calls: [{ id: 'fc-1' }] } }], 'transcript[0].tool_call.function_calls[0].name'],
    ['an entry that is no Live API message', [{ serverContent: { turnComplete: true } }, { transcript: 'hi' }], 'transcript[1]'],
    ['an entry with a type (not a Live API message)', [{ serverContent: { turnComplete: true }, type: 'x' }], 'transcript[0].type'],
    ['a stamp that is not an instant', [{ serverContent: { turnComplete: true }, received_at: 'soon' }], 'transcript[0].received_at'],
    ['a transcription that is not text', [{ serverContent: { inputTranscription: { text: 42 } } }], 'transcript[0].serverContent.inputTranscription.text'],
    ['a cancellation without ids', [{ toolCallCancellation: { ids: [] } }], 'transcript[0].toolCallCancellation.ids'],
  ])('%s', (_, log, path) => {
    expect(issuesOf(log)).toEqual([{ path, message: expect.any(String) }]);
  });
});

describe('gemini-live: recognises', () => {
  it('takes logs of Live API messages, camelCase or snake_case, bare or under events', () => {
    expect(geminiLiveFormat.recognises([{ serverContent: { turnComplete: true } }])).toBe(true);
    expect(geminiLiveFormat.recognises({ events: [{ tool_response: { function_responses: [] }, sent_at: at(1) }] })).toBe(true);
  });

  it('leaves logs without conversation, or with entries of other shapes, alone', () => {
    expect(geminiLiveFormat.recognises([{ setupComplete: {} }, { usageMetadata: {} }])).toBe(false);
    expect(geminiLiveFormat.recognises([{ serverContent: {} }, { type: 'response.done' }])).toBe(false);
    expect(geminiLiveFormat.recognises([{ serverContent: {}, type: 'x' }])).toBe(false);
    expect(geminiLiveFormat.recognises([])).toBe(false);
  });
});
