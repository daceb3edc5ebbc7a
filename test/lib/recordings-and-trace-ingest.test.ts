/**
 * What ingest does with a recording given as an S3 location and with a trace id, in every body that
 * can carry them: Cekura's format, Cekura's push body, a stack's envelope, `metadata.trace_id`.
 */
import { bytesAsJsonString, parseIngestBody, toCallRecord } from '../../lib/ingest';
import { parseRecordingBuckets } from '../../lib/recordings/location';
import { openaiChatInboundWithTools } from '../fixtures/sources/stacks/openai-chat/calls';
import { sampleCall } from '../support/fixtures';

const buckets = parseRecordingBuckets('call-recordings/connect/acme/,whole-bucket');

describe('recordings stored as S3 locations', () => {
  it('stores an allowed location as given, in both forms', () => {
    for (const recordingUrl of ['s3://whole-bucket/a/b.wav', 'call-recordings/connect/acme/CallRecordings/c 1.wav']) {
      const result = parseIngestBody(sampleCall({ recordingUrl }), { source: undefined, webCallNumber: undefined, recordingBuckets: buckets });
      expect(result.ok && result.calls[0]!.call.recordingUrl).toBe(recordingUrl);
    }
  });

  it('refuses a location outside the list, or any location with no list, naming recordingUrl; nothing of the request is kept', () => {
    const outside = parseIngestBody(
      { calls: [sampleCall({ id: 'fine' }), sampleCall({ id: 'other', recordingUrl: 's3://call-recordings/elsewhere/x.wav' })] },
      { source: undefined, webCallNumber: undefined, recordingBuckets: buckets },
    );
    expect(outside).toEqual({ ok: false, issues: [{ path: 'calls[1].recordingUrl', message: expect.stringMatching(/may not sign for/) }] });
    const none = parseIngestBody(sampleCall({ recordingUrl: 'whole-bucket/x.wav' }));
    expect(none).toEqual({ ok: false, issues: [{ path: 'recordingUrl', message: expect.stringMatching(/no recording bucket is configured/) }] });
  });

  it('names the field the recording came in: metadata.recording_url of the push body', () => {
    const push = {
      agent_id: 7,
      calls: [
        {
          id: 'p1',
          startedAt: '2025-01-01T10:00:00Z',
          endedAt: '2025-01-01T10:01:00Z',
          from_phone_number: '+16505551234',
          metadata: { recording_url: 's3://nope-bucket/x.wav' },
        },
      ],
    };
    expect(parseIngestBody(push, { source: undefined, webCallNumber: undefined, recordingBuckets: buckets })).toEqual({
      ok: false,
      issues: [{ path: 'calls[0].metadata.recording_url', message: expect.any(String) }],
    });
    push.calls[0]!.metadata.recording_url = 's3://whole-bucket/x.wav';
    const stored = parseIngestBody(push, { source: undefined, webCallNumber: undefined, recordingBuckets: buckets });
    expect(stored.ok && stored.calls[0]!.call.recordingUrl).toBe('s3://whole-bucket/x.wav');
  });

  it('still refuses what is neither a URL nor an S3 location', () => {
    const result = parseIngestBody(sampleCall({ recordingUrl: 'not a url' }));
    expect(result).toEqual({ ok: false, issues: [{ path: 'recordingUrl', message: expect.stringMatching(/URL, or an S3 location/) }] });
  });

  it('counts the signed link in the size a stored call takes in a response', () => {
    const plain = parseIngestBody(sampleCall({ recordingUrl: 'https://example.com/whole-bucket/a.wav' }));
    const s3 = parseIngestBody(sampleCall({ recordingUrl: 's3://whole-bucket/a.wav' }), {
      source: undefined,
      webCallNumber: undefined,
      recordingBuckets: buckets,
    });
    if (!plain.ok || !s3.ok) throw new Error('expected both stored');
    const plainRecord = toCallRecord(plain.calls[0]!, { retentionDays: 90 });
    const s3Record = toCallRecord(s3.calls[0]!, { retentionDays: 90 });
    expect(s3Record.responseBytes - bytesAsJsonString(s3Record.json)).toBeGreaterThan(2000);
    expect(plainRecord.responseBytes).toBe(bytesAsJsonString(plainRecord.json));
  });
});

describe('trace_id', () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';

  it("is taken from Cekura's format, the push body, a stack's traceId and metadata.trace_id", () => {
    const bodies = [
      sampleCall({ trace_id: traceId }),
      sampleCall({ metadata: { trace_id: traceId, other: 1 } }),
      {
        calls: [{ id: 'p1', startedAt: '2025-01-01T10:00:00Z', endedAt: '2025-01-01T10:01:00Z', from_phone_number: '+16505551234', trace_id: traceId }],
        agent_id: 4,
      },
      { ...openaiChatInboundWithTools, traceId },
    ];
    for (const body of bodies) {
      const result = parseIngestBody(body);
      expect([body, result.ok && result.calls[0]!.call.trace_id]).toEqual([body, traceId]);
    }
  });

  it('is refused with its path when it is not a trace id, or when two places disagree', () => {
    expect(parseIngestBody(sampleCall({ trace_id: 'x'.repeat(33) }))).toEqual({
      ok: false,
      issues: [{ path: 'trace_id', message: expect.stringMatching(/1-32 characters/) }],
    });
    expect(parseIngestBody(sampleCall({ metadata: { trace_id: 'f47ac10b-58cc-4372-a567-0e02b2c3d479' } }))).toEqual({
      ok: false,
      issues: [{ path: 'metadata.trace_id', message: expect.stringMatching(/UUID without its dashes/) }],
    });
    expect(parseIngestBody([sampleCall({ trace_id: 'a1', metadata: { trace_id: 'b2' } })])).toEqual({
      ok: false,
      issues: [{ path: '[0].metadata.trace_id', message: expect.stringMatching(/differs from the call's trace_id/) }],
    });
    expect(parseIngestBody({ ...openaiChatInboundWithTools, traceId: 42 })).toMatchObject({ ok: false, issues: [{ path: 'trace_id' }] });
  });
});
