import { formatDuration, formatSeconds, prettyJsonText, summariseCall, turnsOf, viewCall } from '../../lib/viewer/call-view';
import { sampleCall } from '../support/fixtures';

/** A call as GET serves it (JSON round trip of a valid input). */
const served = (overrides: Parameters<typeof sampleCall>[0] = {}) => JSON.parse(JSON.stringify(sampleCall(overrides))) as Record<string, unknown>;

describe('turnsOf', () => {
  it('keeps the served order, with role, times and text of each turn', () => {
    const turns = turnsOf(served());
    expect(turns.map((t) => [t.kind, t.index, t.start, t.end])).toEqual([
      ['speech', 0, 1.5, 3.2],
      ['speech', 1, 4.1, 6.8],
      ['tool', 2, 7, 7.1],
    ]);
    expect(turns[0]).toMatchObject({ role: 'bot', text: 'Hi, how can I help?', interrupted: false, latency: undefined });
    expect(turns[1]).toMatchObject({ role: 'user', text: 'Book me for Tuesday.' });
  });

  it('pairs a tool call with the result of the same id, whatever lies between them', () => {
    const call = served({
      messages: [
        { role: 'function_call', content: '', start_time: 1, end_time: 1.1, data: { id: 'a', name: 'lookup', arguments: '{"q":"x","n":[1,2]}' } },
        { role: 'function_call', content: '', start_time: 1.2, end_time: 1.3, data: { id: 'b', name: 'book', arguments: 'not json' } },
        { role: 'function_call_result', content: '', start_time: 2, end_time: 2.1, data: { id: 'b', name: 'book', result: 'booked' } },
        {
          role: 'function_call_result',
          content: '',
          start_time: 3,
          end_time: 3.1,
          data: { id: 'a', name: 'lookup', result: '{"found":true}' },
          is_error: true,
        },
      ],
    });
    const turns = turnsOf(call);
    expect(turns).toEqual([
      {
        kind: 'tool',
        index: 0,
        start: 1,
        end: 1.1,
        id: 'a',
        name: 'lookup',
        arguments: '{\n  "q": "x",\n  "n": [\n    1,\n    2\n  ]\n}',
        result: { index: 3, start: 3, end: 3.1, text: '{\n  "found": true\n}', isError: true },
      },
      {
        kind: 'tool',
        index: 1,
        start: 1.2,
        end: 1.3,
        id: 'b',
        name: 'book',
        arguments: 'not json',
        result: { index: 2, start: 2, end: 2.1, text: 'booked', isError: false },
      },
    ]);
  });

  it('shows a call without a result, and a result without a call, on their own', () => {
    const call = served({
      messages: [
        { role: 'function_call', content: '', start_time: 1, end_time: 1.1, data: { id: 'lost', name: 'book', arguments: '{}' } },
        { role: 'function_call_result', content: '', start_time: 2, end_time: 2.1, data: { id: 'stray', name: 'book', result: 'ok' } },
      ],
    });
    expect(turnsOf(call)).toEqual([
      expect.objectContaining({ kind: 'tool', id: 'lost', result: undefined }),
      expect.objectContaining({ kind: 'unpaired-result', id: 'stray', result: expect.objectContaining({ text: 'ok', index: 1 }) }),
    ]);
  });

  it("measures the agent's response from the caller's last words, across tool calls, only when answering the caller", () => {
    const call = served({
      messages: [
        { role: 'bot', content: 'Hello', start_time: 0.5, end_time: 1 },
        { role: 'bot', content: 'Anything else?', start_time: 1.2, end_time: 2 },
        { role: 'user', content: 'Book it', start_time: 2.5, end_time: 3.25 },
        { role: 'system', content: 'note', start_time: 3.3, end_time: 3.3 },
        { role: 'function_call', content: '', start_time: 3.4, end_time: 3.5, data: { id: 't', name: 'book', arguments: '{}' } },
        { role: 'function_call_result', content: '', start_time: 3.6, end_time: 3.7, data: { id: 't', name: 'book', result: 'ok' } },
        { role: 'bot', content: 'Done', start_time: 4.35, end_time: 5, interrupted: true },
        { role: 'user', content: 'Wait—', start_time: 4.9, end_time: 5.5 },
        { role: 'bot', content: 'Yes?', start_time: 5.4, end_time: 6 },
      ],
    });
    const speech = turnsOf(call).filter((t) => t.kind === 'speech');
    expect(speech.map((t) => [t.text, t.latency])).toEqual([
      ['Hello', undefined],
      ['Anything else?', undefined],
      ['Book it', undefined],
      ['Done', 1.1],
      ['Wait—', undefined],
      // Started before the caller stopped: a negative gap, shown as is.
      ['Yes?', -0.1],
    ]);
    expect(speech.find((t) => t.text === 'Done')).toMatchObject({ interrupted: true });
    expect(turnsOf(call).filter((t) => t.kind === 'system')).toEqual([{ kind: 'system', index: 3, start: 3.3, end: 3.3, text: 'note' }]);
  });

  it('reads whatever was served without throwing: missing times, odd roles, no messages', () => {
    expect(turnsOf({ messages: [{ role: 'narrator', content: 'x' }, null, { role: 'bot', content: 5, start_time: '1' }] })).toEqual([
      { kind: 'other', index: 0, start: undefined, end: undefined, role: 'narrator', text: 'x' },
      { kind: 'other', index: 1, start: undefined, end: undefined, role: '', text: '' },
      { kind: 'speech', index: 2, start: undefined, end: undefined, role: 'bot', text: '5', interrupted: false, latency: undefined },
    ]);
    for (const odd of [null, 'x', [], {}, { messages: 'no' }]) expect(turnsOf(odd)).toEqual([]);
  });
});

describe('viewCall and summariseCall', () => {
  it('gives the row of the list: id, number, start, duration, message count, warnings', () => {
    expect(summariseCall(served())).toEqual({
      id: 'call-1',
      number: '+16505551234',
      startedAt: '2025-01-01T10:00:00.000Z',
      durationS: 60,
      messageCount: 4,
      warnings: [],
    });
  });

  it('lists the details in the format order, then any extra field, and the raw JSON as served', () => {
    const call = { ...served({ endedReason: 'hangup', metadata: { team: 'a' }, phoneNumber: '+14155550100' }), agent_id: 7, surprise: true };
    const view = viewCall(call);
    expect(view.details).toEqual([
      ['customer number', '+16505551234'],
      ['customer name', 'Ada'],
      ['id', 'call-1'],
      ['started at', '2025-01-01T10:00:00.000Z'],
      ['ended at', '2025-01-01T10:01:00.000Z'],
      ['ended reason', 'hangup'],
      ["agent's number", '+14155550100'],
      ['Cekura agent id', '7'],
      ['metadata', '{\n  "team": "a"\n}'],
      ['surprise', 'true'],
    ]);
    expect(JSON.parse(view.raw)).toEqual(call);
    expect(view).toMatchObject({ id: 'call-1', endedAt: '2025-01-01T10:01:00.000Z', durationS: 60, messageCount: 4 });
  });

  it('offers an https recording link to play (a signed S3 link is one), and nothing else; shows the trace id', () => {
    const signed = 'https://rec-bucket.s3.us-east-1.amazonaws.com/calls/a.wav?X-Amz-Signature=abc';
    const view = viewCall({ ...served(), recordingUrl: signed, trace_id: '4bf92f35' });
    expect(view.recording).toBe(signed);
    expect(view.details).toEqual(
      expect.arrayContaining([
        ['recording URL', signed],
        ['Cekura trace id', '4bf92f35'],
      ]),
    );
    for (const recordingUrl of ['s3://rec-bucket/calls/a.wav', 'rec-bucket/calls/a.wav', 'http://example.com/a.wav', 'javascript:alert(1)', undefined]) {
      expect(viewCall({ ...served(), recordingUrl }).recording).toBeUndefined();
    }
  });

  it('has no duration when the instants do not parse or are backwards', () => {
    expect(summariseCall({ startedAt: 'x', endedAt: '2025-01-01T10:00:00Z' }).durationS).toBeUndefined();
    expect(summariseCall({ startedAt: '2025-01-01T10:00:01Z', endedAt: '2025-01-01T10:00:00Z' }).durationS).toBeUndefined();
  });
});

describe('formatting', () => {
  it('prints seconds with the precision served, and durations as m:ss or h:mm:ss', () => {
    expect([formatSeconds(7), formatSeconds(7.1), formatSeconds(12.3456), formatSeconds(undefined)]).toEqual(['7 s', '7.1 s', '12.346 s', '?']);
    expect([formatDuration(0), formatDuration(65), formatDuration(3723.4), formatDuration(undefined)]).toEqual(['0:00', '1:05', '1:02:03', '?']);
  });

  it('indents JSON text and leaves anything else as it is', () => {
    expect(prettyJsonText('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettyJsonText(' [1] ')).toBe('[\n  1\n]');
    for (const text of ['ok', '{broken', '"a string"', '42', '']) expect(prettyJsonText(text)).toBe(text);
  });
});
