import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { type IngestOptions, parseIngestBody } from '../../../../lib/ingest';
import type { SourceName } from '../../../../lib/sources';
import { openaiRealtimeFormat } from '../../../../lib/sources/stacks/openai-realtime';
import { realtimeBetaUnstamped, realtimeBetaUnstampedEvents } from '../../../fixtures/sources/stacks/openai-realtime/beta-unstamped';
import { realtimeInboundWithToolEvents } from '../../../fixtures/sources/stacks/openai-realtime/inbound-with-tool';

const options = (source?: SourceName): IngestOptions => ({ source, webCallNumber: undefined });

const issuesOf = (envelope: unknown) => {
  const result = parseIngestBody(envelope, options('openai-realtime'));
  return result.ok ? undefined : result.issues;
};

const envelope = (transcript: unknown, extra: Record<string, unknown> = {}) => ({ id: 'rt-test', customer: { number: '+16505551234' }, ...extra, transcript });

const T = Date.parse('2025-06-06T10:00:00.000Z');

/** `read` on inline events, for rules the fixtures do not isolate. */
function readLog(events: unknown[]) {
  const reading = openaiRealtimeFormat.read(events);
  if (!reading.ok) throw new Error(`${reading.path}: ${reading.message}`);
  return reading;
}

const readMessages = (events: unknown[]) => readLog(events).messages;

describe('openai-realtime: session event logs', () => {
  // The calls of the fixtures are in the conformance corpus (test/conformance/openai-realtime/).

  it('needs startedAt when the log has no receipt times at all', () => {
    const { startedAt: _s, endedAt: _e, ...withoutTimes } = realtimeBetaUnstamped;
    expect(issuesOf(withoutTimes)).toEqual([{ path: 'startedAt', message: expect.stringContaining('is required') }]);
  });
});

describe('openai-realtime: reading rules', () => {
  it('times a caller turn without audio offsets by its speech_started receipt, else by its item event', () => {
    const messages = readMessages([
      { type: 'input_audio_buffer.speech_started', item_id: 'item_1', received_at: T + 1000 },
      { type: 'input_audio_buffer.speech_stopped', item_id: 'item_1', received_at: T + 2500 },
      {
        type: 'conversation.item.added',
        item: { id: 'item_1', type: 'message', role: 'user', content: [{ type: 'input_audio', transcript: null }] },
        received_at: T + 2600,
      },
      { type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_1', content_index: 0, transcript: ' First. ' },
      {
        type: 'conversation.item.created',
        item: { id: 'item_2', type: 'message', role: 'user', content: [{ type: 'input_audio', transcript: null }] },
        received_at: T + 4000,
      },
      { type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_2', content_index: 0, transcript: 'Second.' },
      { type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_3', content_index: 0, transcript: 'Third, untimed.' },
    ]);
    expect(messages).toEqual([
      { role: 'user', content: 'First.', start: { epochMs: T + 1000 }, end: { epochMs: T + 2500 } },
      { role: 'user', content: 'Second.', start: { epochMs: T + 4000 } },
      { role: 'user', content: 'Third, untimed.' },
    ]);
  });

  it('gives audio offsets as seconds when no event has a receipt time', () => {
    const messages = readMessages([
      { type: 'input_audio_buffer.speech_started', item_id: 'item_1', audio_start_ms: 1250 },
      { type: 'input_audio_buffer.speech_stopped', item_id: 'item_1', audio_end_ms: 2000 },
      { type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_1', content_index: 0, transcript: 'Hello?' },
    ]);
    expect(messages).toEqual([{ role: 'user', content: 'Hello?', start: { seconds: 1.25 }, end: { seconds: 2 } }]);
  });

  it('counts a client-created text message once when the server echoes it, timed by the echo', () => {
    const messages = readMessages([
      { type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'I am typing this.' }] } },
      {
        type: 'conversation.item.added',
        item: { id: 'item_9', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'I am typing this.' }] },
        received_at: T + 500,
      },
      {
        type: 'conversation.item.done',
        item: { id: 'item_9', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'I am typing this.' }] },
        received_at: T + 510,
      },
    ]);
    expect(messages).toEqual([{ role: 'user', content: 'I am typing this.', start: { epochMs: T + 500 } }]);
  });

  it('marks an item truncated by the app interrupted even when its response completed', () => {
    const messages = readMessages([
      { type: 'response.created', response: { id: 'resp_1', status: 'in_progress', output: [] }, received_at: T },
      {
        type: 'response.done',
        response: {
          id: 'resp_1',
          status: 'completed',
          output: [{ id: 'item_a', type: 'message', role: 'assistant', content: [{ type: 'text', text: 'Let me explain the whole' }] }],
        },
        received_at: T + 900,
      },
      { type: 'conversation.item.truncated', item_id: 'item_a', content_index: 0, audio_end_ms: 640 },
    ]);
    expect(messages).toEqual([{ role: 'bot', content: 'Let me explain the whole', start: { epochMs: T }, end: { epochMs: T + 900 }, interrupted: true }]);
  });

  it('leaves out a function call cut off with its cancelled response (never made), and a response cancelled before it said anything, counting both', () => {
    const { messages, dropped } = readLog([
      {
        type: 'response.done',
        response: {
          id: 'resp_1',
          status: 'cancelled',
          status_details: { type: 'cancelled', reason: 'turn_detected' },
          output: [
            { id: 'item_m', type: 'message', role: 'assistant', status: 'incomplete', content: [{ type: 'output_audio', transcript: '' }] },
            { id: 'item_f', type: 'function_call', status: 'incomplete', call_id: 'call_x', name: 'transfer_call', arguments: '{"dep' },
          ],
        },
      },
    ]);
    expect(messages).toEqual([]);
    expect(dropped).toEqual({ cancelled_function_call: 1, audio_only_turn: 1 });
  });

  it('counts a caller turn never transcribed, and content parts that are neither text nor speech', () => {
    const { messages, dropped } = readLog([
      { type: 'input_audio_buffer.speech_started', item_id: 'item_1', audio_start_ms: 100 },
      { type: 'input_audio_buffer.speech_stopped', item_id: 'item_1', audio_end_ms: 900 },
      {
        type: 'conversation.item.create',
        item: {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'Here is the receipt.' },
            { type: 'input_image', image_url: 'data:image/png;base64,AAAA' },
          ],
        },
      },
    ]);
    expect(messages).toEqual([{ role: 'user', content: 'Here is the receipt.' }]);
    expect(dropped).toEqual({ audio_only_turn: 1, input_image_part: 1 });
  });

  it('reads a wrapped entry with its stamp like a flat one', () => {
    expect(
      readMessages([
        { received_at: T, event: { type: 'response.created', response: { id: 'resp_1' } } },
        {
          received_at: T + 500,
          event: {
            type: 'response.done',
            response: { id: 'resp_1', output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hi.' }] }] },
          },
        },
      ]),
    ).toEqual([{ role: 'bot', content: 'Hi.', start: { epochMs: T }, end: { epochMs: T + 500 } }]);
  });

  it('accepts receipt times as epoch seconds and ISO 8601 too', () => {
    const messages = readMessages([
      { type: 'response.created', response: { id: 'resp_1' }, received_at: (T + 250) / 1000 },
      {
        type: 'response.done',
        response: { id: 'resp_1', status: 'completed', output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hi.' }] }] },
        received_at: new Date(T + 750).toISOString(),
      },
    ]);
    expect(messages).toEqual([{ role: 'bot', content: 'Hi.', start: { epochMs: T + 250 }, end: { epochMs: T + 750 } }]);
  });
});

describe('openai-realtime: refused logs name the part that cannot be read', () => {
  it.each([
    ['a transcript that is not a list of events', envelope({ events: 'all of them' }, { startedAt: '2025-06-06T10:00:00Z' }), 'transcript'],
    [
      'an entry that is not an event',
      envelope([{ type: 'response.created', response: { id: 'resp_1' } }, 42], { startedAt: '2025-06-06T10:00:00Z' }),
      'transcript[1]',
    ],
    [
      'a function call without its name',
      envelope([{ type: 'response.done', response: { id: 'resp_1', output: [{ id: 'item_f', type: 'function_call', call_id: 'call_1', arguments: '{}' }] } }], {
        startedAt: '2025-06-06T10:00:00Z',
      }),
      'transcript[0].response.output[0].name',
    ],
    [
      'a tool result whose call is not in the log',
      envelope({
        events: [
          { type: 'session.created', received_at: T },
          { type: 'response.done', response: { id: 'resp_1', output: [] } },
          { type: 'conversation.item.create', item: { type: 'function_call_output', call_id: 'call_gone', output: 'ok' } },
        ],
      }),
      'transcript.events[2].item.call_id',
    ],
    [
      'a receipt time that is no instant',
      envelope([{ type: 'response.created', response: { id: 'resp_1' }, received_at: 'yesterday' }]),
      'transcript[0].received_at',
    ],
    [
      'a negative audio offset',
      envelope([{ type: 'input_audio_buffer.speech_started', item_id: 'item_1', audio_start_ms: -20 }], { startedAt: '2025-06-06T10:00:00Z' }),
      'transcript[0].audio_start_ms',
    ],
    [
      'a DTMF event without its key',
      envelope([{ type: 'input_audio_buffer.dtmf_event_received', received_at: 1_751_000_000 }], { startedAt: '2025-06-06T10:00:00Z' }),
      'transcript[0].event',
    ],
    [
      'an MCP call without its name',
      envelope([{ type: 'response.done', response: { id: 'resp_1', output: [{ id: 'mcp_1', type: 'mcp_call', server_label: 's', arguments: '{}' }] } }], {
        startedAt: '2025-06-06T10:00:00Z',
      }),
      'transcript[0].response.output[0].name',
    ],
    [
      'response output that is not a list',
      envelope([{ type: 'response.done', response: { id: 'resp_1', output: { type: 'message' } } }], { startedAt: '2025-06-06T10:00:00Z' }),
      'transcript[0].response.output',
    ],
  ])('%s', (_, body, path) => {
    expect(issuesOf(body)).toEqual([{ path, message: expect.any(String) }]);
  });
});

/** Every export of the other stacks' fixture modules, except their samples of this format. */
function otherStacksExports(): [string, unknown][] {
  const root = join(__dirname, '../../../fixtures/sources/stacks');
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== 'openai-realtime')
    .flatMap((dir) =>
      readdirSync(join(root, dir.name))
        .filter((file) => file.endsWith('.ts'))
        .flatMap((file) =>
          Object.entries(require(join(root, dir.name, file)) as Record<string, unknown>).map(([name, value]): [string, unknown] => [
            `${dir.name}/${file}:${name}`,
            value,
          ]),
        ),
    )
    .filter(([name]) => !/realtime/i.test(name));
}

describe('openai-realtime: recognises', () => {
  it('recognises its logs, bare or as { events }', () => {
    expect(openaiRealtimeFormat.recognises(realtimeInboundWithToolEvents)).toBe(true);
    expect(openaiRealtimeFormat.recognises({ events: realtimeBetaUnstampedEvents })).toBe(true);
  });

  it("is false for the other stacks' fixtures", () => {
    const exports = otherStacksExports();
    for (const [name, value] of exports) {
      const candidates = [value, (value as { transcript?: unknown } | null)?.transcript];
      for (const candidate of candidates) expect([name, openaiRealtimeFormat.recognises(candidate)]).toEqual([name, false]);
    }
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a number', 42],
    ['a string', 'x'],
    ['an empty list', []],
    ['an empty object', {}],
    ['no events', { events: [] }],
    ['events that are not a list', { events: 'x' }],
    ['an entry that is not an event', [{ type: 'response.done', response: {} }, 42]],
    [
      'an entry without a type',
      [
        { type: 'response.done', response: {} },
        { role: 'user', content: 'hi' },
      ],
    ],
    ['only events that carry no conversation', [{ type: 'session.updated' }, { type: 'rate_limits.updated' }, { type: 'error' }]],
    [
      'LiveKit items (types without dots)',
      [
        { id: 'item_1', type: 'message', role: 'user', content: ['Hi'] },
        { id: 'item_2', type: 'function_call', call_id: 'c', name: 'n', arguments: '{}' },
      ],
    ],
    [
      'a LiveKit session report with its session events',
      {
        job_id: 'AJ_1',
        room: 'call-1',
        events: [
          { type: 'user_input_transcribed', transcript: 'Hi', is_final: true },
          { type: 'conversation_item_added', item: {} },
          { type: 'error', error: {} },
        ],
        chat_history: { items: [] },
      },
    ],
    [
      'OpenAI chat messages',
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
    ],
    ['Ultravox messages', { results: [{ role: 'MESSAGE_ROLE_USER', text: 'Hi' }], next: null, total: 1 }],
  ])('is false for %s', (_, transcript) => {
    expect(openaiRealtimeFormat.recognises(transcript)).toBe(false);
  });

  it('never throws, and read never throws, on any input', () => {
    const eventish = fc.record(
      {
        type: fc.constantFrom(
          'response.done',
          'response.created',
          'conversation.item.create',
          'conversation.item.added',
          'input_audio_buffer.speech_started',
          'conversation.item.input_audio_transcription.completed',
          'error',
        ),
        item_id: fc.anything(),
        response: fc.anything(),
        item: fc.anything(),
        received_at: fc.anything(),
        audio_start_ms: fc.anything(),
        transcript: fc.anything(),
      },
      { requiredKeys: ['type'] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.array(eventish), fc.record({ events: fc.array(eventish) })), (transcript) => {
        openaiRealtimeFormat.recognises(transcript);
        openaiRealtimeFormat.read(transcript);
      }),
      { seed: 20250606, numRuns: 2000 },
    );
  });
});
