/**
 * The Connect analysis Lambda end to end, on loopback: the real @aws-sdk/client-s3 against s3rver
 * (a real S3-compatible server) holding the instance's bucket, the real @aws-sdk/client-connect
 * against a DescribeContact stand-in speaking its JSON wire format, and the real store on DynamoDB
 * Local. No SDK is mocked. Covers the raw and redacted twins, a re-delivered event, a contact
 * Connect no longer knows, a KMS-denied read, and chat analysis files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectClient } from '@aws-sdk/client-connect';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import S3rver from 's3rver';
import { createConnectAnalysisHandler, type ObjectCreatedEvent } from '../../functions/connect-analysis';
import { contactDescriber, s3ObjectReader } from '../../lib/amazon-connect/aws-clients';
import type { ConnectAnalysisOptions, ConnectAnalysisPorts } from '../../lib/amazon-connect/pipeline';
import { parseInstanceArn } from '../../lib/amazon-connect/settings';
import {
  CONNECT_BUCKET,
  CONTACT_ID,
  connectedToAgentAt,
  contactLensChat,
  contactLensRaw,
  contactLensRedacted,
  describedContact,
  INSTANCE_ARN,
  INSTANCE_ID,
} from '../fixtures/sources/aws/contact-lens';
import { describeContactStandIn, kmsDeniedS3StandIn, type StandIn } from '../support/aws-stand-ins';
import { captureOutput } from '../support/capture-output';
import { freshStore } from '../support/store';

const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const INSTANCE = parseInstanceArn(INSTANCE_ARN)!;
const RAW_KEY = `Analysis/Voice/2025/11/04/${CONTACT_ID}_analysis_2025-11-04T14:02:43Z.json`;
const REDACTED_KEY = `Analysis/Voice/Redacted/2025/11/04/${CONTACT_ID}_analysis_redacted_2025-11-04T14:02:43Z.json`;
const FORGOTTEN_ID = '0b9e8d7c-6f5a-4e3d-9c2b-1a0f9e8d7c6b';
const FORGOTTEN_KEY = `Analysis/Voice/Redacted/2023/09/01/${FORGOTTEN_ID}_analysis_redacted_2023-09-01T10:00:00Z.json`;
const CHAT_KEY = `Analysis/Chat/Redacted/2025/11/04/${CONTACT_ID}_analysis_redacted_2025-11-04T14:05:12Z.json`;
const CHAT_UNDER_VOICE_KEY = `Analysis/Voice/Redacted/2025/11/04/5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a_analysis_redacted_2025-11-04T14:05:12Z.json`;
const KMS_KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/6f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';

const context = { functionName: 'connect-analysis', awsRequestId: 'test' } as Context;
const options = (overrides: Partial<ConnectAnalysisOptions> = {}): ConnectAnalysisOptions => ({
  bucket: CONNECT_BUCKET,
  redacted: true,
  retentionDays: 90,
  webCallNumber: undefined,
  now: () => Date.parse('2025-11-04T15:00:00Z'),
  ...overrides,
});

/** S3's `Object Created` event as EventBridge delivers it. */
const objectCreated = (key: string, bucket = CONNECT_BUCKET): ObjectCreatedEvent => ({
  version: '0',
  id: '17793124-05d4-b198-2fde-7ededc63b103',
  'detail-type': 'Object Created',
  source: 'aws.s3',
  account: '123456789012',
  time: '2025-11-04T14:04:02Z',
  region: 'us-east-1',
  resources: [`arn:aws:s3:::${bucket}`],
  detail: { bucket: { name: bucket }, object: { key, size: 8123 } },
});

let s3rver: S3rver;
let s3Dir: string;
let s3: S3Client;
let connectStandIn: StandIn;
let connect: ConnectClient;

beforeAll(async () => {
  s3Dir = mkdtempSync(join(tmpdir(), 's3rver-'));
  s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3Dir, configureBuckets: [{ name: CONNECT_BUCKET }] });
  const { port } = await s3rver.run();
  s3 = new S3Client({ endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, region: 'us-east-1', credentials: CREDENTIALS });
  const put = (key: string, body: unknown) =>
    s3.send(new PutObjectCommand({ Bucket: CONNECT_BUCKET, Key: key, Body: JSON.stringify(body), ContentType: 'application/json' }));
  await put(RAW_KEY, contactLensRaw);
  await put(REDACTED_KEY, contactLensRedacted);
  await put(FORGOTTEN_KEY, contactLensRedacted);
  await put(CHAT_KEY, contactLensChat);
  await put(CHAT_UNDER_VOICE_KEY, contactLensChat);

  connectStandIn = await describeContactStandIn(INSTANCE_ID, { [CONTACT_ID]: describedContact });
  connect = new ConnectClient({ endpoint: connectStandIn.endpoint, region: INSTANCE.region, credentials: CREDENTIALS });
});

afterAll(async () => {
  s3.destroy();
  connect.destroy();
  await connectStandIn.close();
  await s3rver.close();
  rmSync(s3Dir, { recursive: true, force: true });
});

async function setUp(overrides: Partial<ConnectAnalysisOptions> = {}, readObject?: ConnectAnalysisPorts['readObject']) {
  const fresh = await freshStore();
  const ports: ConnectAnalysisPorts = {
    readObject: readObject ?? s3ObjectReader(s3),
    describeContact: contactDescriber(connect, INSTANCE),
    store: fresh.store,
  };
  const handler = createConnectAnalysisHandler(ports, options(overrides));
  const items = async () => (await fresh.client.send(new ScanCommand({ TableName: fresh.tableName }))).Items ?? [];
  const storedCalls = async () =>
    (
      await fresh.store.queryCalls({
        number: '+16505551234',
        from: '2025-11-04T00:00:00.000Z',
        to: '2025-11-05T00:00:00.000Z',
        limit: 100,
        maxBytes: 6_000_000,
        after: undefined,
        now: Date.parse('2025-11-04T15:00:00Z') / 1000,
      })
    ).calls.map((json) => JSON.parse(json));
  return { handler, items, storedCalls };
}

describe('a redacted deployment (the default)', () => {
  it("stores the redacted twin as the contact's call, with numbers and times from DescribeContact, and skips the raw twin", async () => {
    const { handler, storedCalls } = await setUp();
    connectStandIn.requests.length = 0;
    await expect(handler(objectCreated(RAW_KEY), context)).resolves.toEqual({
      status: 'skipped',
      reason: 'the raw twin; this deployment stores the redacted one',
    });
    // The raw twin is never read nor described.
    expect(connectStandIn.requests).toEqual([]);
    await expect(handler(objectCreated(REDACTED_KEY), context)).resolves.toEqual({ status: 'stored', id: CONTACT_ID, messages: 10 });

    expect(
      connectStandIn.requests.map(({ method, path, headers }) => ({ method, path, signed: /^AWS4-HMAC-SHA256 /.test(String(headers.authorization)) })),
    ).toEqual([{ method: 'GET', path: `/contacts/${INSTANCE_ID}/${CONTACT_ID}`, signed: true }]);
    const calls = await storedCalls();
    expect(calls).toHaveLength(1);
    const call = calls[0];
    expect(call).toMatchObject({
      id: CONTACT_ID,
      startedAt: describedContact.InitiationTimestamp,
      endedAt: describedContact.DisconnectTimestamp,
      customer: { number: '+16505551234' },
      phoneNumber: '+14155550100',
      endedReason: 'CUSTOMER_DISCONNECT',
    });
    // Redacted: no link to the recording, which is not.
    expect(call.recordingUrl).toBeUndefined();
    const offsetS = (Date.parse(connectedToAgentAt) - Date.parse(describedContact.InitiationTimestamp)) / 1000;
    expect(call.messages[1]).toEqual({ role: 'user', content: 'Just hello. My name is [PII] and help.', start_time: offsetS + 0.16, end_time: offsetS + 4.64 });
    expect(call.metadata.adapter).toMatchObject({ source: 'amazon-connect', output: 'Redacted', offsetsFrom: 'contact.AgentInfo.ConnectedToAgentTimestamp' });
  });

  it('stores one call however often S3 delivers the event: the item is written unchanged', async () => {
    const { handler, items } = await setUp();
    await handler(objectCreated(REDACTED_KEY), context);
    const first = await items();
    await handler(objectCreated(REDACTED_KEY), context);
    await handler(objectCreated(REDACTED_KEY), context);
    const after = await items();
    expect(first).toHaveLength(1);
    // Byte for byte the same item: DynamoDB writes no stream record for it, so Cekura is not pushed to again.
    expect(after).toEqual(first);
  });

  it('skips, with a log line, a file whose contact Connect no longer knows (older than its 24-month retention)', async () => {
    const { handler, items } = await setUp();
    const output = captureOutput();
    let outcome: unknown;
    try {
      outcome = await handler(objectCreated(FORGOTTEN_KEY), context);
    } finally {
      output.restore();
    }
    expect(outcome).toEqual({
      status: 'skipped',
      reason: 'DescribeContact does not know this contact (older than its 24-month retention, or of another instance)',
    });
    expect(connectStandIn.requests.at(-1)?.path).toBe(`/contacts/${INSTANCE_ID}/${FORGOTTEN_ID}`);
    const logged = output.lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged).toEqual([expect.objectContaining({ level: 'INFO', message: 'analysis file skipped', key: FORGOTTEN_KEY })]);
    expect(await items()).toEqual([]);
  });

  it('skips chat analysis files with a log line, not an error: under Analysis/Chat, and one found under the voice prefix', async () => {
    const { handler, items } = await setUp();
    const output = captureOutput();
    let outcomes: unknown[];
    try {
      outcomes = [await handler(objectCreated(CHAT_KEY), context), await handler(objectCreated(CHAT_UNDER_VOICE_KEY), context)];
    } finally {
      output.restore();
    }
    expect(outcomes).toEqual([
      { status: 'skipped', reason: 'not a Contact Lens voice analysis file' },
      { status: 'skipped', reason: 'a CHAT analysis file, not a voice call' },
    ]);
    expect(output.lines().map((line) => (JSON.parse(line) as { level: string; message: string }).message)).toEqual([
      'analysis file skipped',
      'analysis file skipped',
    ]);
    expect(await items()).toEqual([]);
  });

  it('fails a read S3 refuses for the KMS key (403 AccessDenied), so the event is retried and dead-lettered, and stores nothing', async () => {
    const denied = await kmsDeniedS3StandIn(KMS_KEY_ARN);
    const deniedS3 = new S3Client({ endpoint: denied.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      const { handler, items } = await setUp({}, s3ObjectReader(deniedS3));
      const output = captureOutput();
      let failure: unknown;
      try {
        await handler(objectCreated(REDACTED_KEY), context);
      } catch (error) {
        failure = error;
      } finally {
        output.restore();
      }
      expect(failure).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      expect((failure as Error).message).toContain('kms:Decrypt');
      expect(denied.requests.map(({ method, path }) => ({ method, path }))).toEqual([
        { method: 'GET', path: `/${CONNECT_BUCKET}/${REDACTED_KEY.split('/').map(encodeURIComponent).join('/')}?x-id=GetObject` },
      ]);
      const [line] = output.lines().map((l) => JSON.parse(l) as { level: string; error: unknown; stack?: unknown });
      expect(line).toMatchObject({ level: 'ERROR', error: { name: 'AccessDenied' } });
      expect(JSON.stringify(line)).not.toMatch(/\bat .+\.(ts|js):\d+/);
      expect(await items()).toEqual([]);
    } finally {
      deniedS3.destroy();
      await denied.close();
    }
  });

  it('skips objects of another bucket', async () => {
    const { handler } = await setUp();
    await expect(handler(objectCreated(REDACTED_KEY, 'some-other-bucket'), context)).resolves.toEqual({
      status: 'skipped',
      reason: "object of bucket some-other-bucket, not the instance's bucket",
    });
  });
});

describe('a raw deployment (redacted: false)', () => {
  it("stores the raw twin, with the recording's S3 location, skips the redacted one, and the twins store one call", async () => {
    const recordingBucket = describedContact.Recordings[0]!.Location!.split('/')[0]!;
    const { handler, storedCalls } = await setUp({ redacted: false, recordingBuckets: [{ bucket: recordingBucket, prefix: 'connect/' }] });
    await expect(handler(objectCreated(REDACTED_KEY), context)).resolves.toEqual({
      status: 'skipped',
      reason: 'the redacted twin; this deployment stores the raw one',
    });
    await expect(handler(objectCreated(RAW_KEY), context)).resolves.toEqual({ status: 'stored', id: CONTACT_ID, messages: 10 });
    const calls = await storedCalls();
    expect(calls.map((call) => call.id)).toEqual([CONTACT_ID]);
    expect(calls[0].messages[1].content).toBe('Just hello. My name is Peter and help.');
    expect(calls[0].recordingUrl).toBe(`s3://${describedContact.Recordings[0]!.Location}`);
  });

  it('stores the call without its recording, and says why, when the recording is outside recordingBuckets', async () => {
    const { handler, storedCalls } = await setUp({ redacted: false, recordingBuckets: [{ bucket: 'another-bucket', prefix: '' }] });
    await expect(handler(objectCreated(RAW_KEY), context)).resolves.toEqual({ status: 'stored', id: CONTACT_ID, messages: 10 });
    const [call] = await storedCalls();
    expect(call.recordingUrl).toBeUndefined();
    expect(call.metadata.adapter.recording).toBe(
      `not linked: s3://${describedContact.Recordings[0]!.Location} is outside recordingBuckets (RECORDING_BUCKETS), so no link to it can be signed for Cekura`,
    );
  });
});

describe('s3ObjectReader', () => {
  it('reads a key an event gives URL-encoded (as S3 notifications encode keys) as well as one given as it is', async () => {
    const key = 'Analysis/Voice/Redacted/2025/11/04/odd name:1.json';
    await s3.send(new PutObjectCommand({ Bucket: CONNECT_BUCKET, Key: key, Body: '{"Channel":"VOICE"}' }));
    const read = s3ObjectReader(s3);
    await expect(read(CONNECT_BUCKET, key)).resolves.toBe('{"Channel":"VOICE"}');
    await expect(read(CONNECT_BUCKET, 'Analysis/Voice/Redacted/2025/11/04/odd+name%3A1.json')).resolves.toBe('{"Channel":"VOICE"}');
    await expect(read(CONNECT_BUCKET, 'Analysis/Voice/Redacted/2025/11/04/absent.json')).rejects.toMatchObject({ name: 'NoSuchKey' });
  });
});
