import * as v from 'valibot';
import { CallSchema } from '../../../lib/call';
import { isRecordingLocation } from '../../../lib/call/recording-url';
import { parseIngestBody } from '../../../lib/ingest';
import { sampleCall } from '../../support/fixtures';

const ACCEPTED = [
  'https://storage.vapi.ai/vapi-call-1-mono.wav',
  'HTTPS://recordings.example.com/a.wav?X-Amz-Signature=abc&X-Amz-Expires=300',
  's3://my-recordings/2026/12/04/call-1.wav',
  'S3://my.recordings-bucket/call 1.wav',
  // Amazon Connect's recording location: bucket/key, no scheme.
  'amazon-connect-1234abcd/connect/instance/CallRecordings/2026/12/04/contact_20261204T10:00_UTC.wav',
];

const REFUSED = [
  'javascript:alert(document.domain)',
  'JavaScript://%0Aalert(1)',
  'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
  'data:audio/wav;base64,UklGRg==',
  'file:///etc/passwd',
  'http://recordings.example.com/a.wav',
  'ftp://recordings.example.com/a.wav',
  'vbscript:msgbox(1)',
  'blob:https://example.com/uuid',
  'https://',
  '//evil.example.com/a.wav',
  '/local/path.wav',
  'bucket-without-key',
  's3://bucket-only',
  's3://bucket/',
  'Upper-Case-Bucket/key.wav',
  'ab/key.wav',
  '192.168.1.10/key.wav',
  'bad..bucket/key.wav',
  '-bucket/key.wav',
  'bucket/key\nwith a newline',
  '',
];

describe('recordingUrl (issue 22)', () => {
  it.each(ACCEPTED)('accepts %s', (value) => {
    expect(isRecordingLocation(value)).toBe(true);
    expect(v.safeParse(CallSchema, sampleCall({ recordingUrl: value })).success).toBe(true);
  });

  it.each(REFUSED)('refuses %j', (value) => {
    expect(isRecordingLocation(value)).toBe(false);
  });

  it('answers a refused link with a 400 naming recordingUrl, directly or through a converted source', () => {
    expect(parseIngestBody([sampleCall({ recordingUrl: 'javascript:alert(1)' })])).toEqual({
      ok: false,
      issues: [{ path: '[0].recordingUrl', message: 'must be an https URL, or an S3 location: s3://bucket/key, or bucket/key as Amazon Connect gives it' }],
    });
    const push = {
      id: 'push-1',
      startedAt: '2026-12-04T10:00:00Z',
      endedAt: '2026-12-04T10:01:00Z',
      from_phone_number: '+16505551234',
      metadata: { recording_url: 'data:text/html,<script>alert(1)</script>' },
    };
    expect(
      parseIngestBody({ agent_id: 1, calls: [push] }, { source: undefined, webCallNumber: undefined, now: Date.parse('2026-12-04T10:02:00Z') }),
    ).toMatchObject({
      ok: false,
      issues: [{ path: 'calls[0].recordingUrl' }],
    });
  });
});
