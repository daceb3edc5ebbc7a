/**
 * Recording links fetched from a real S3-compatible server on loopback (s3rver), signed by the
 * adapter's signer through the real S3 client: the link reaches the object and returns its bytes.
 */
import { randomBytes } from 'node:crypto';
import { parseRecordingBuckets } from '../../../lib/recordings/location';
import { recordingSignerFromEnv, s3RecordingSigner, signStoredCallJson } from '../../../lib/recordings/signer';
import { type LoopbackS3, startLoopbackS3 } from '../../support/loopback-s3';

let s3: LoopbackS3;
const audio = randomBytes(4096);

beforeAll(async () => {
  s3 = await startLoopbackS3();
  await s3.put('call-recordings', 'connect/acme/CallRecordings/2026/c-1.wav', audio);
});
afterAll(() => s3?.close());

describe('recording links against a loopback S3', () => {
  it('a signed link to an s3:// location fetches the object', async () => {
    const sign = s3RecordingSigner({ buckets: parseRecordingBuckets('call-recordings/connect/acme/'), client: s3.client, linkMinutes: 5 });
    const link = await sign('s3://call-recordings/connect/acme/CallRecordings/2026/c-1.wav');
    expect(link.startsWith(`${s3.endpoint}/call-recordings/`)).toBe(true);
    expect(new URL(link).searchParams.get('X-Amz-Expires')).toBe('300');
    const response = await fetch(link);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(audio)).toBe(true);
  });

  it('the signer built from RECORDING_* settings signs the bucket/key form, and a stored call is served with its link', async () => {
    const sign = recordingSignerFromEnv({ RECORDING_BUCKETS: 'call-recordings', RECORDING_LINK_MINUTES: '15', ...s3.env });
    expect(sign).toBeDefined();
    const stored = JSON.stringify({ id: 'c-1', recordingUrl: 'call-recordings/connect/acme/CallRecordings/2026/c-1.wav', metadata: { note: 'x' } });
    const served = JSON.parse(await signStoredCallJson(stored, sign)) as { id: string; recordingUrl: string; metadata: unknown };
    expect(served).toMatchObject({ id: 'c-1', metadata: { note: 'x' } });
    expect(new URL(served.recordingUrl).searchParams.get('X-Amz-Expires')).toBe('900');
    const response = await fetch(served.recordingUrl);
    expect(Buffer.from(await response.arrayBuffer()).equals(audio)).toBe(true);
  });

  it('a call without an S3 recording is served as the stored bytes', async () => {
    const sign = s3RecordingSigner({ buckets: parseRecordingBuckets('call-recordings'), client: s3.client });
    for (const stored of [
      '{"id":"a","recordingUrl":"https://example.com/a.wav"}',
      '{"id":"b","messages":[{"content":"\\"recordingUrl\\":\\"s3://x\\""}]}',
      '{"id":"c"}',
    ]) {
      expect(await signStoredCallJson(stored, sign)).toBe(stored);
    }
    expect(recordingSignerFromEnv({})).toBeUndefined();
  });
});
