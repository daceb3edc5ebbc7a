import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { type IngestOptions, parseIngestBody } from '../../../../lib/ingest';
import type { SourceName } from '../../../../lib/sources';
import { openaiRealtimeFormat } from '../../../../lib/sources/stacks/openai-realtime';
import { realtimeBetaUnstamped, realtimeBetaUnstampedEvents } from '../../../fixtures/sources/stacks/openai-realtime/beta-unstamped';
import { realtimeInboundWithTool, realtimeInboundWithToolEvents } from '../../../fixtures/sources/stacks/openai-realtime/inbound-with-tool';
import { realtimeInterruptedLateTranscript } from '../../../fixtures/sources/stacks/openai-realtime/interrupted-late-transcript';
import { ingestedAs } from '../../../support/ingested';

const options = (source?: SourceName): IngestOptions => ({ source, webCallNumber: undefined });

const ingested = (envelope: unknown) => ingestedAs('openai-realtime', envelope);

const issuesOf = (envelope: unknown) => {
  const result = parseIngestBody(envelope, options('openai-realtime'));
  return result.ok ? undefined : result.issues;
};

const envelope = (transcript: unknown, extra: Record<string, unknown> = {}) => ({ id: 'rt-test', customer: { number: '+16505551234' }, ...extra, transcript });

const T = Date.parse('2025-06-06T10:00:00.000Z');

/** `read` on inline events, for rules the fixtures do not isolate. */
function readMessages(events: unknown[]) {
  const reading = openaiRealtimeFormat.read(events);
  if (!reading.ok) throw new Error(`${reading.path}: ${reading.message}`);
  return reading.messages;
}

describe('openai-realtime: session event logs', () => {
  it('maps a GA inbound call with a function call and its result (sent by the app, echoed by the server), field by field', () => {
    const { call, untimedMessages } = ingested(realtimeInboundWithTool);
    expect(untimedMessages).toBeUndefined();
    expect(call).toEqual({
      id: 'rt-call-bright-smile-1',
      startedAt: '2025-06-02T15:00:00.000Z',
      endedAt: '2025-06-02T15:00:16.000Z',
      customer: { number: '+16505551234' },
      phoneNumber: '+14155550100',
      endedReason: 'customer-ended-call',
      metadata: { twilioCallSid: 'CA5f1e0c9a8b7d6e5f4a3b2c1d0e9f8a7b' },
      messages: [
        // response.created 310 ms .. response.done 2980 ms
        { role: 'bot', content: 'Thanks for calling Bright Smile Dental, this is Maya. How can I help?', start_time: 0.31, end_time: 2.98 },
        // audio_start_ms 4100 / audio_end_ms 6900 from session.created, not the transcription's arrival
        { role: 'user', content: 'Hi, I need to move my cleaning to Thursday morning.', start_time: 4.1, end_time: 6.9 },
        {
          role: 'function_call',
          content: '',
          start_time: 7.91,
          end_time: 7.91,
          data: { id: 'call_Qm3x8KdT2vYp', name: 'reschedule_appointment', arguments: '{"day":"thursday","time_of_day":"morning"}' },
        },
        {
          role: 'function_call_result',
          content: '',
          start_time: 8.4,
          end_time: 8.4,
          data: { id: 'call_Qm3x8KdT2vYp', name: 'reschedule_appointment', result: '{"confirmed":true,"day":"Thursday","time":"10:00"}' },
        },
        { role: 'bot', content: "You're all set for Thursday at ten. Anything else I can help with?", start_time: 8.5, end_time: 11.82 },
        { role: 'user', content: "No, that's everything. Thanks!", start_time: 12.48, end_time: 13.65 },
        { role: 'bot', content: "You're welcome, have a great day!", start_time: 13.95, end_time: 15.3 },
      ],
    });
  });

  it('marks a cancelled response interrupted and places a late caller transcript by its audio, before the reply it triggered', () => {
    const { call, untimedMessages } = ingested(realtimeInterruptedLateTranscript);
    expect(untimedMessages).toBeUndefined();
    expect(call).toEqual({
      id: 'rt-call-hours-2',
      // No startedAt given: the earliest instant, the first caller turn (audio 700 ms after the log's first receipt).
      startedAt: '2025-06-03T09:30:00.700Z',
      endedAt: '2025-06-03T09:30:12.000Z',
      customer: { number: '+442079460958' },
      phoneNumber: '+14155550100',
      messages: [
        { role: 'user', content: 'What are your opening hours this week?', start_time: 0, end_time: 1.54 },
        { role: 'bot', content: 'We are open Monday to Friday from eight to six, and on', start_time: 1.83, end_time: 4.64, interrupted: true },
        { role: 'user', content: 'Sorry, are you open on Saturday?', start_time: 4.35, end_time: 6.05 },
        { role: 'bot', content: 'Yes, on Saturdays we are open from nine to one.', start_time: 6.33, end_time: 7.95 },
        { role: 'user', content: 'Great, thanks.', start_time: 9.2, end_time: 10.05 },
        { role: 'bot', content: 'You are welcome. Goodbye!', start_time: 10.4, end_time: 11.3 },
      ],
    });
  });

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

  it('drops a function call cut off with its cancelled response (never made), and a response cancelled before it said anything', () => {
    const messages = readMessages([
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
