/**
 * End to end on the local server (DynamoDB Local), a loopback S3 (s3rver) and the loopback Cekura:
 * a call whose recording is in S3 reaches Cekura with a link that fetches the object (the webhook for
 * a test call, Observe for a production one), GET /calls serves the link, and a location outside
 * RECORDING_BUCKETS is refused.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type LocalApp, startLocalApp } from '../../local/app';
import { uniqueTableName } from '../support/dynamo';
import { captureOutput, type FakeCekura, startFakeCekura } from '../support/fake-cekura';
import { sampleCall } from '../support/fixtures';
import { type LoopbackS3, startLoopbackS3 } from '../support/loopback-s3';

const INGEST_KEY = 'rec-ingest-key';
const READ_KEY = 'rec-read-key';
const audio = randomBytes(8192);

let cekura: FakeCekura;
let s3: LoopbackS3;
let app: LocalApp;
let dataDir: string;
let logs: ReturnType<typeof captureOutput>;
const notices: string[] = [];

beforeAll(async () => {
  logs = captureOutput();
  cekura = await startFakeCekura();
  s3 = await startLoopbackS3();
  await s3.put('amazon-connect-abc', 'connect/acme/CallRecordings/test.wav', audio);
  await s3.put('amazon-connect-abc', 'connect/acme/CallRecordings/prod.wav', audio);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recordings-'));
  app = await startLocalApp({
    port: 0,
    dataDir,
    onNotice: (line) => notices.push(line),
    env: {
      DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT,
      TABLE_NAME: uniqueTableName('recordings'),
      INGEST_API_KEYS: INGEST_KEY,
      READ_API_KEYS: READ_KEY,
      CEKURA_AGENT_ID: '77',
      CEKURA_API_KEY: 'ck_rec_SECRET',
      CEKURA_WEBHOOK_URL: cekura.url,
      CEKURA_API_BASE_URL: cekura.apiBaseUrl,
      CEKURA_OBSERVE: 'on',
      RECORDING_BUCKETS: 'amazon-connect-abc/connect/acme/CallRecordings/',
      RECORDING_LINK_MINUTES: '20',
      ...s3.env,
    },
  });
});
afterAll(async () => {
  await app?.stop();
  await cekura.close();
  await s3.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  logs.restore();
});

const post = (body: unknown) =>
  fetch(`${app.url}/calls`, {
    method: 'POST',
    headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const fetchBytes = async (link: string) => Buffer.from(await (await fetch(link)).arrayBuffer());
const now = () => new Date(Date.now() - 60_000).toISOString();

describe('recordings in S3, test and production calls', () => {
  it('says at startup which buckets it signs for', () => {
    expect(notices).toContain('Signing recording links for amazon-connect-abc/connect/acme/CallRecordings/');
  });

  it('a test call reaches the webhook and a production call Observe, each with a link that fetches its recording', async () => {
    const test = sampleCall(
      { id: 'rec-test', run_id: 5, trace_id: 'trace0001', recordingUrl: 's3://amazon-connect-abc/connect/acme/CallRecordings/test.wav' },
      now(),
    );
    const prod = sampleCall(
      { id: 'rec-prod', trace_id: 'trace0002', recordingUrl: 'amazon-connect-abc/connect/acme/CallRecordings/prod.wav', customer: { number: '+16505550042' } },
      now(),
    );
    const response = await post([test, prod]);
    expect(response.status).toBe(200);
    await cekura.waitFor(1);
    await cekura.waitForObserve(1);

    const pushed = cekura.requests[0]!.json.calls[0];
    expect(pushed).toMatchObject({ id: 'rec-test', run_id: 5, trace_id: 'trace0001' });
    expect((await fetchBytes(pushed.metadata.recording_url)).equals(audio)).toBe(true);
    const observed = cekura.observeRequests[0]!.json;
    expect(observed).toMatchObject({ call_id: 'rec-prod', agent: 77, trace_id: 'trace0002', transcript_type: 'cekura' });
    expect(new URL(observed.voice_recording_url).searchParams.get('X-Amz-Expires')).toBe('1200');
    expect((await fetchBytes(observed.voice_recording_url)).equals(audio)).toBe(true);

    // GET /calls, what Cekura pulls: the link too, and the trace id.
    const read = await fetch(`${app.url}/calls?number=${encodeURIComponent('+16505550042')}`, { headers: { authorization: READ_KEY } });
    const [served] = (await read.json()) as Array<{ id: string; recordingUrl: string; trace_id: string }>;
    expect(served).toMatchObject({ id: 'rec-prod', trace_id: 'trace0002' });
    expect(served!.recordingUrl.startsWith(`${s3.endpoint}/amazon-connect-abc/connect/acme/CallRecordings/prod.wav?`)).toBe(true);
    expect((await fetchBytes(served!.recordingUrl)).equals(audio)).toBe(true);
  });

  it('refuses a recording outside RECORDING_BUCKETS with a 400 naming recordingUrl, and stores nothing', async () => {
    const response = await post([
      sampleCall({ id: 'ok-one' }, now()),
      sampleCall({ id: 'elsewhere', recordingUrl: 's3://amazon-connect-abc/connect/other/x.wav' }, now()),
    ]);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { issues: Array<{ path: string; message: string }> } };
    expect(body.error.issues).toEqual([{ path: '[1].recordingUrl', message: expect.stringMatching(/may not sign for/) }]);
    const read = await fetch(`${app.url}/calls`, { headers: { authorization: READ_KEY } });
    expect(((await read.json()) as Array<{ id: string }>).map((c) => c.id)).not.toContain('ok-one');
  });
});
