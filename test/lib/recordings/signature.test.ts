/**
 * The signature of a recording link, checked without any S3 server (s3rver does not check
 * signatures): the SDK's own SignatureV4 reproduces AWS's published example of query-string
 * authentication, then recomputes the signature of the links this adapter makes from what each
 * link says (host, path, query, scope, expiry) at a fixed clock.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { parseRecordingBuckets } from '../../../lib/recordings/location';
import { s3RecordingSigner } from '../../../lib/recordings/signer';

/** AWS's example keys (AWS docs, "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)"). */
const EXAMPLE_CREDENTIALS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const EXAMPLE_DATE = new Date('2013-05-24T00:00:00Z');

function signerFor(credentials: { accessKeyId: string; secretAccessKey: string }, region = 'us-east-1') {
  return new SignatureV4({ service: 's3', region, credentials, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
}

/** The signature SignatureV4 computes for everything a pre-signed URL says except its signature. */
async function recomputeSignature(link: string, credentials = EXAMPLE_CREDENTIALS): Promise<string> {
  const url = new URL(link);
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) if (key !== 'X-Amz-Signature') query[key] = value;
  const credential = query['X-Amz-Credential']!.split('/');
  const date = query['X-Amz-Date']!;
  const signingDate = new Date(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`);
  const request = new HttpRequest({
    method: 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    // As sent: S3 signs the path already percent-encoded, not encoded again (uriEscapePath: false).
    path: url.pathname,
    query,
    // S3's query authentication signs no payload: the hash in the canonical request is UNSIGNED-PAYLOAD.
    headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  });
  const presigned = await signerFor(credentials, credential[2]).presign(request, {
    signingDate,
    expiresIn: Number(query['X-Amz-Expires']),
    unhoistableHeaders: new Set(['x-amz-content-sha256']),
    unsignableHeaders: new Set(['x-amz-content-sha256']),
  });
  return String(presigned.query?.['X-Amz-Signature']);
}

describe('recording links are signed as AWS specifies', () => {
  it("SignatureV4 reproduces AWS's published query-string authentication example", async () => {
    const request = new HttpRequest({
      method: 'GET',
      protocol: 'https:',
      hostname: 'examplebucket.s3.amazonaws.com',
      path: '/test.txt',
      headers: { host: 'examplebucket.s3.amazonaws.com', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    const presigned = await signerFor(EXAMPLE_CREDENTIALS).presign(request, {
      signingDate: EXAMPLE_DATE,
      expiresIn: 86_400,
      unhoistableHeaders: new Set(['x-amz-content-sha256']),
      unsignableHeaders: new Set(['x-amz-content-sha256']),
    });
    expect(presigned.query).toMatchObject({
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request',
      'X-Amz-Date': '20130524T000000Z',
      'X-Amz-Expires': '86400',
      'X-Amz-SignedHeaders': 'host',
      // AWS's published signature for this request.
      'X-Amz-Signature': 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    });
  });

  const client = new S3Client({ region: 'us-east-1', credentials: EXAMPLE_CREDENTIALS });
  afterAll(() => client.destroy());
  const sign = s3RecordingSigner({
    buckets: parseRecordingBuckets('examplebucket,amazon-connect-1a2b/connect/acme/CallRecordings/'),
    linkMinutes: 90,
    client,
    now: () => EXAMPLE_DATE,
  });

  it('signs an s3:// location into an https GET link whose signature covers what it says', async () => {
    const link = await sign('s3://examplebucket/calls/2026/c-1.wav');
    const url = new URL(link);
    expect(url.protocol).toBe('https:');
    expect(url.host).toBe('examplebucket.s3.us-east-1.amazonaws.com');
    expect(url.pathname).toBe('/calls/2026/c-1.wav');
    expect(url.searchParams.get('X-Amz-Expires')).toBe(String(90 * 60));
    expect(url.searchParams.get('X-Amz-Credential')).toBe('AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
    expect(url.searchParams.get('X-Amz-Signature')).toBe(await recomputeSignature(link));
    // Recorded when this test was written (SDK 3.1178): the whole canonical request, key encoding included, is pinned.
    expect(url.searchParams.get('X-Amz-Signature')).toBe(RECORDED_SIGNATURE);
  });

  it('signs the bucket/key form of Amazon Connect, with a key that needs encoding', async () => {
    const key = 'connect/acme/CallRecordings/2026/01/05/c 1_20260105T10:00_UTC.wav';
    const link = await sign(`amazon-connect-1a2b/${key}`);
    const url = new URL(link);
    expect(url.host).toBe('amazon-connect-1a2b.s3.us-east-1.amazonaws.com');
    expect(decodeURIComponent(url.pathname)).toBe(`/${key}`);
    expect(url.searchParams.get('X-Amz-Signature')).toBe(await recomputeSignature(link));
  });

  it('a link changed after signing, or signed with another secret, does not verify', async () => {
    const link = await sign('s3://examplebucket/calls/2026/c-1.wav');
    const signature = new URL(link).searchParams.get('X-Amz-Signature');
    expect(await recomputeSignature(link.replace('c-1.wav', 'c-2.wav'))).not.toBe(signature);
    expect(await recomputeSignature(link.replace('X-Amz-Expires=5400', 'X-Amz-Expires=604800'))).not.toBe(signature);
    expect(await recomputeSignature(link, { ...EXAMPLE_CREDENTIALS, secretAccessKey: 'another-secret' })).not.toBe(signature);
  });

  it('leaves https links as they are and does not sign outside the allowlist', async () => {
    expect(await sign('https://recordings.example.com/a.wav')).toBe('https://recordings.example.com/a.wav');
    expect(await sign('s3://other-bucket/a.wav')).toBe('s3://other-bucket/a.wav');
    expect(await sign('amazon-connect-1a2b/connect/acme/Analysis/a.json')).toBe('amazon-connect-1a2b/connect/acme/Analysis/a.json');
  });
});

const RECORDED_SIGNATURE = 'e64a8f2eceb44e84ed3d8bc008fb06c2e5de93149a706363364ac871a8fa7228';
