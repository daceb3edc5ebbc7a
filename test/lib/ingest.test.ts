import { bytesAsJsonString, MAX_CALLS_PER_REQUEST, parseIngestBody, toCallRecord } from '../../lib/ingest';
import { sampleCall } from '../support/fixtures';

describe('parseIngestBody', () => {
  it('accepts one call, an array, or { calls: [...] }', () => {
    const one = sampleCall({ id: 'a' });
    const two = sampleCall({ id: 'b' });
    for (const body of [one, [one, two], { calls: [one, two] }]) {
      const result = parseIngestBody(body);
      expect(result.ok).toBe(true);
      if (result.ok) expect(result.calls.map((c) => c.call.id)).toEqual(Array.isArray(body) || 'calls' in body ? ['a', 'b'] : ['a']);
    }
  });

  it('rejects the whole request when any call is invalid, naming each problem with its path', () => {
    const bad = sampleCall({ id: 'bad' });
    (bad.messages[0] as { start_time: unknown }).start_time = 'soon';
    const result = parseIngestBody({ calls: [sampleCall({ id: 'ok' }), sampleCall(), sampleCall(), bad, { ...sampleCall(), customer: {} }] });
    expect(result).toEqual({
      ok: false,
      issues: [
        { path: 'calls[3].messages[0].start_time', message: 'must be a number of seconds from the start of the call' },
        { path: 'calls[4].customer.number', message: 'is required' },
      ],
    });
  });

  it('uses [i] paths for a bare array and no prefix for a single call', () => {
    const result = parseIngestBody([sampleCall(), { ...sampleCall(), id: 5 }]);
    expect(!result.ok && result.issues).toEqual([{ path: '[1].id', message: 'must be a string' }]);
    const single = parseIngestBody({ ...sampleCall(), id: 5 });
    expect(!single.ok && single.issues).toEqual([{ path: 'id', message: 'must be a string' }]);
  });

  it('refuses empty and oversized batches', () => {
    expect(parseIngestBody([])).toMatchObject({ ok: false, issues: [{ path: 'calls', message: 'must contain at least one call' }] });
    const many = Array.from({ length: MAX_CALLS_PER_REQUEST + 1 }, (_, i) => sampleCall({ id: `c${i}` }));
    expect(parseIngestBody({ calls: many })).toMatchObject({ ok: false, issues: [{ path: 'calls' }] });
    expect(parseIngestBody(many.slice(1)).ok).toBe(true);
  });

  it('refuses bodies that are not calls at all, saying which formats were tried', () => {
    for (const body of [null, 'text', 42, { calls: 'nope' }]) expect(parseIngestBody(body).ok).toBe(false);
    expect(parseIngestBody({ hello: 'world' })).toEqual({
      ok: false,
      issues: [{ path: '', message: expect.stringContaining('tried cekura-push, custom, vapi, retell, elevenlabs, cekura, livekit') }],
    });
  });

  it('keeps the last of two calls with the same id', () => {
    const result = parseIngestBody([sampleCall({ id: 'x', endedReason: 'first' }), sampleCall({ id: 'x', endedReason: 'second' })]);
    expect(result.ok && result.calls.map((c) => c.call.endedReason)).toEqual(['second']);
  });
});

describe('toCallRecord', () => {
  it('expires the call retentionDays after it started and sizes it as it will appear in a response', () => {
    const parsed = parseIngestBody(sampleCall({ startedAt: '2025-01-01T00:00:00Z', endedAt: '2025-01-01T00:01:00Z' }));
    if (!parsed.ok) throw new Error('fixture invalid');
    const record = toCallRecord(parsed.calls[0]!, { retentionDays: 90 });
    expect(record.expiresAt).toBe(Date.parse('2025-04-01T00:00:00Z') / 1000);
    expect(JSON.parse(record.json)).toEqual(parsed.calls[0]!.call);
    expect(record.source).toBe('custom');
    // Escaped once more inside the Lambda response envelope.
    expect(record.responseBytes).toBe(JSON.stringify(record.json).length - 2);
    expect(record.responseBytes).toBeGreaterThan(record.json.length);
  });
});

describe('bytesAsJsonString', () => {
  it.each([
    ['plain ascii'],
    ['quotes " and backslashes \\ and \\"'],
    ['control \n\t\u0001 characters'],
    ['unicode: café, 東京, emoji 🎉'],
    ['a lone surrogate \ud800 and its mate \udc00 apart'],
  ])('counts exactly what a second serialisation would add: %j', (text) => {
    const json = JSON.stringify({ content: text, nested: [text] });
    expect(bytesAsJsonString(json)).toBe(Buffer.byteLength(JSON.stringify(json)) - 2);
  });
});

describe('a payload clearly meant for one format', () => {
  const call = { id: 'c-1', startedAt: '2025-01-01T10:00:00Z', endedAt: '2025-01-01T10:01:00Z', customer: { number: '+16505551234' }, messages: [] };

  it("names the custom format's missing field instead of answering 'no known format'", () => {
    const { id: _, ...noId } = call;
    expect(parseIngestBody(noId)).toEqual({ ok: false, issues: [{ path: 'id', message: 'is required' }] });
    const { messages: __, startedAt: ___, ...twoKeys } = call;
    expect(parseIngestBody({ customer: twoKeys.customer, hello: 1 })).toEqual({
      ok: false,
      issues: [{ path: '', message: expect.stringContaining('no known format') }],
    });
  });

  it('answers a stack envelope whose export no source recognises about its transcript, with the formats tried, startedAt / endedAt or not', () => {
    const envelope = { id: 'c-2', customer: call.customer, transcript: { turns: [{ speaker: 'agent', words: 'Hi' }] } };
    const timed = { ...envelope, startedAt: call.startedAt, endedAt: call.endedAt };
    for (const [body, path] of [
      [envelope, 'transcript'],
      [timed, 'transcript'],
      [{ calls: [timed] }, 'calls[0].transcript'],
    ] as const) {
      expect(parseIngestBody(body)).toEqual({
        ok: false,
        issues: [{ path, message: expect.stringMatching(/^is in no known format \(tried cekura-push, custom, .*livekit.*ultravox.*\)/) }],
      });
    }
  });

  it("names the push format's fields for a push call missing its id", () => {
    const result = parseIngestBody({ calls: [{ startedAt: call.startedAt, endedAt: call.endedAt, from_phone_number: '+16505551234' }] });
    expect(result).toEqual({ ok: false, issues: [{ path: 'calls[0].id', message: 'is required' }] });
  });
});

describe('a startedAt in the future (issue 22)', () => {
  const now = Date.parse('2026-12-04T12:00:00.000Z');
  const at = (offsetMs: number) => new Date(now + offsetMs).toISOString();

  it('is refused beyond 5 minutes ahead of the given clock, with the path of the field', () => {
    expect(parseIngestBody(sampleCall({ id: 'a' }, at(5 * 60_000)), { source: undefined, webCallNumber: undefined, now }).ok).toBe(true);
    const ahead = parseIngestBody([sampleCall({ id: 'b' }, at(5 * 60_000 + 1_000))], { source: undefined, webCallNumber: undefined, now });
    expect(ahead).toEqual({
      ok: false,
      issues: [
        {
          path: '[0].startedAt',
          message:
            "is 5 minutes ahead of the server's clock: a call cannot start in the future (at most 5 minutes of clock difference are accepted); check the sender's clock and time zone",
        },
      ],
    });
    const farAhead = parseIngestBody({ calls: [sampleCall({ id: 'c' }, '9999-12-31T00:00:00.000Z')] }, { source: undefined, webCallNumber: undefined, now });
    expect(farAhead).toMatchObject({ ok: false, issues: [{ path: 'calls[0].startedAt', message: expect.stringMatching(/^is 29\d{5} days ahead/) }] });
  });

  it('names the source a converted call came from', () => {
    const observe = { call_id: 'o', timestamp: at(3_600_000), customer_number: '+16505551234', transcript_json: [] };
    expect(parseIngestBody(observe, { source: undefined, webCallNumber: undefined, now })).toMatchObject({
      ok: false,
      issues: [{ path: 'startedAt', message: expect.stringMatching(/^is 60 minutes ahead .*\(in the call converted from cekura\)$/) }],
    });
  });
});
