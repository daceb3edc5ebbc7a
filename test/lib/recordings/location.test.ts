import {
  allowedBy,
  formatRecordingBuckets,
  parseLinkMinutes,
  parseRecordingBuckets,
  parseS3Location,
  recordingLocationProblem,
  signedLinkAllowanceBytes,
} from '../../../lib/recordings/location';

describe('S3 locations of recordings', () => {
  it('reads s3://bucket/key and the bucket/key form of Amazon Connect, keys as given', () => {
    expect(parseS3Location('s3://my-recordings/calls/2026/a b%20c.wav')).toEqual({ bucket: 'my-recordings', key: 'calls/2026/a b%20c.wav' });
    expect(parseS3Location('amazon-connect-1a2b3c/connect/acme/CallRecordings/2026/01/05/c1_20260105T10:00_UTC.wav')).toEqual({
      bucket: 'amazon-connect-1a2b3c',
      key: 'connect/acme/CallRecordings/2026/01/05/c1_20260105T10:00_UTC.wav',
    });
  });

  it('is not fooled by URLs and things that are not buckets', () => {
    for (const value of [
      'https://recordings.example.com/a.wav',
      'http://bucket/key',
      'file:///etc/passwd',
      'javascript:alert(1)/x',
      's3://bucket-only',
      's3://Bucket/key',
      'ab/key',
      '192.168.1.1/key',
      'bucket..name/key',
      's3://bucket/',
      '/bucket/key',
      `bucket/${'k'.repeat(1025)}`,
      'bucket/line\nbreak',
    ]) {
      expect([value, parseS3Location(value)]).toEqual([value, undefined]);
    }
  });

  it('parses RECORDING_BUCKETS and names a bad entry', () => {
    expect(parseRecordingBuckets(' a-bucket , connect-xyz/connect/acme/CallRecordings/ ,s3://third.bucket/p')).toEqual([
      { bucket: 'a-bucket', prefix: '' },
      { bucket: 'connect-xyz', prefix: 'connect/acme/CallRecordings/' },
      { bucket: 'third.bucket', prefix: 'p' },
    ]);
    expect(parseRecordingBuckets(undefined)).toEqual([]);
    expect(parseRecordingBuckets('  ')).toEqual([]);
    expect(() => parseRecordingBuckets('good-bucket,Bad_Bucket')).toThrow(/RECORDING_BUCKETS: "Bad_Bucket"/);
    expect(() => parseRecordingBuckets('bucket/prefix*')).toThrow(/no wildcards/);
    expect(formatRecordingBuckets(parseRecordingBuckets('a-bucket,b-bucket/x/'))).toBe('a-bucket,b-bucket/x/');
  });

  it('allows a location only in a listed bucket and under its prefix', () => {
    const buckets = parseRecordingBuckets('whole-bucket,connect-xyz/connect/acme/CallRecordings/');
    const allowed = (value: string) => allowedBy(parseS3Location(value)!, buckets) !== undefined;
    expect(allowed('s3://whole-bucket/anything/at/all.wav')).toBe(true);
    expect(allowed('connect-xyz/connect/acme/CallRecordings/2026/x.wav')).toBe(true);
    expect(allowed('connect-xyz/connect/acme/Analysis/x.json')).toBe(false);
    expect(allowed('s3://other-bucket/x.wav')).toBe(false);
  });

  it('says why a location may not be stored, and nothing for https or an allowed location', () => {
    const buckets = parseRecordingBuckets('rec-bucket/calls/');
    expect(recordingLocationProblem('https://example.com/a.wav', buckets)).toBeUndefined();
    expect(recordingLocationProblem('s3://rec-bucket/calls/a.wav', buckets)).toBeUndefined();
    expect(recordingLocationProblem('s3://rec-bucket/other/a.wav', buckets)).toMatch(/rec-bucket.*allowed: rec-bucket\/calls\/.*RECORDING_BUCKETS/);
    expect(recordingLocationProblem('s3://rec-bucket/calls/a.wav', [])).toMatch(/no recording bucket is configured/);
  });

  it('reads the link lifetime in whole minutes up to 7 days', () => {
    expect(parseLinkMinutes('30')).toBe(30);
    expect(parseLinkMinutes(10080)).toBe(10080);
    for (const bad of ['0', '10081', '1.5', 'soon', -1]) expect(() => parseLinkMinutes(bad)).toThrow(/RECORDING_LINK_MINUTES/);
  });

  it('allows more bytes for a longer key', () => {
    expect(signedLinkAllowanceBytes({ bucket: 'b-bucket', key: 'k'.repeat(500) })).toBeGreaterThan(
      signedLinkAllowanceBytes({ bucket: 'b-bucket', key: 'k' }) + 1000,
    );
  });
});
