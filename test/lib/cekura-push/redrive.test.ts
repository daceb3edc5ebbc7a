/**
 * Redrive of the dead-letter queue: the real SQS client against a small SQS stand-in on loopback
 * (ReceiveMessage / DeleteMessage, JSON protocol), calls read back from DynamoDB Local, pushes to
 * the fake Cekura. A message is deleted only once Cekura accepted its call.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetter } from '../../../lib/cekura-push/dead-letters';
import { regionOfQueueUrl, sqsDeadLetterQueue } from '../../../lib/cekura-push/dead-letters';
import { readLetter, redriveDeadLetters } from '../../../lib/cekura-push/redrive';
import { parseIngestBody, toCallRecord } from '../../../lib/ingest';
import { parseRecordingBuckets } from '../../../lib/recordings/location';
import { storedKey } from '../../../lib/store/dynamodb-call-store';
import { printRedrive, storedCallReader } from '../../../scripts/cekura';
import { captureOutput, type FakeCekura, startFakeCekura } from '../../support/fake-cekura';
import { sampleCall } from '../../support/fixtures';
import { freshStore, recordsOf } from '../../support/store';

const KEY = 'ck_redrive_SECRET_777';

/** An SQS queue on loopback: what is received stays hidden (a long visibility timeout) until deleted. */
async function startFakeSqs(): Promise<{
  endpoint: string;
  queueUrl: string;
  send(body: string): string;
  visible(): string[];
  all(): string[];
  deletes: number;
  close(): Promise<void>;
}> {
  const messages: Array<{ id: string; handle: string; body: string; hidden: boolean }> = [];
  const state = { deletes: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { MaxNumberOfMessages?: number; ReceiptHandle?: string };
      const target = String(req.headers['x-amz-target']);
      let output: unknown = {};
      if (target === 'AmazonSQS.ReceiveMessage') {
        const batch = messages.filter((m) => !m.hidden).slice(0, input.MaxNumberOfMessages ?? 1);
        for (const m of batch) {
          m.hidden = true;
          m.handle = randomUUID();
        }
        output = {
          Messages: batch.map((m) => ({ MessageId: m.id, ReceiptHandle: m.handle, MD5OfBody: createHash('md5').update(m.body).digest('hex'), Body: m.body })),
        };
      } else if (target === 'AmazonSQS.DeleteMessage') {
        const i = messages.findIndex((m) => m.handle === input.ReceiptHandle);
        if (i >= 0) messages.splice(i, 1);
        state.deletes += 1;
      } else {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: 'com.amazonaws.sqs#UnsupportedOperation', message: target }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(output));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    queueUrl: `${endpoint}/123456789012/cekura-dlq`,
    send(body) {
      const id = randomUUID();
      messages.push({ id, handle: '', body, hidden: false });
      return id;
    },
    visible: () => messages.filter((m) => !m.hidden).map((m) => m.body),
    all: () => messages.map((m) => m.body),
    get deletes() {
      return state.deletes;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A letter as the forwarder writes it, for the call `id` (its table key as the store writes it). */
const letter = (id: string | undefined, overrides: Partial<DeadLetter> = {}): string =>
  JSON.stringify({
    pk: id === undefined ? undefined : storedKey(id),
    callId: id,
    status: 400,
    reason: '{"detail":"Run IDs not found"}',
    eventId: 'e1',
    sequenceNumber: '1',
    at: '2025-03-01T10:05:00.000Z',
    ...overrides,
  });
const onFailureRecord = JSON.stringify({
  requestContext: {
    requestId: 'r-1',
    functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:forwarder',
    condition: 'RetryAttemptsExhausted',
    approximateInvokeCount: 4,
  },
  responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
  version: '1.0',
  timestamp: '2025-03-01T10:20:00.000Z',
  DDBStreamBatchInfo: {
    shardId: 'shardId-000001',
    startSequenceNumber: '100',
    endSequenceNumber: '120',
    approximateArrivalOfFirstRecord: '2025-03-01T10:00:00Z',
    approximateArrivalOfLastRecord: '2025-03-01T10:01:00Z',
    batchSize: 3,
    streamArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/calls/stream/2025-01-01T00:00:00.000',
  },
});

let cekura: FakeCekura;
let sqs: Awaited<ReturnType<typeof startFakeSqs>>;
let logs: ReturnType<typeof captureOutput>;
beforeEach(async () => {
  cekura = await startFakeCekura();
  sqs = await startFakeSqs();
  logs = captureOutput();
});
afterEach(async () => {
  logs.restore();
  await cekura.close();
  await sqs.close();
});

describe('redrive of the dead-letter queue', () => {
  it("re-pushes each letter's stored call with its agent and run, deletes only what Cekura accepted, and leaves the rest", async () => {
    const { client, tableName, store } = await freshStore();
    await store.putCalls([
      ...recordsOf([
        sampleCall({ id: 'fixed', phoneNumber: '+14155550100' }),
        sampleCall({ id: 'still-bad' }),
        sampleCall({ id: 'other', phoneNumber: '+14155550199' }),
      ]),
      // Expired: never served, so never pushed either.
      ...recordsOf([sampleCall({ id: 'expired' })], 1),
    ]);
    cekura.setRuns([{ id: 5150, agent: 31, status: 'running', inbound_number: '+16505551234', agent_number: '+14155550100' }]);
    cekura.respondWith((r) => (r.json.calls.some((c: { id: string }) => c.id === 'still-bad') ? { status: 400, body: '{"detail":"Invalid"}' } : 200));

    const fixed = sqs.send(letter('fixed'));
    const fixedAgain = sqs.send(letter('fixed'));
    sqs.send(letter('still-bad'));
    sqs.send(letter('other'));
    sqs.send(letter('expired'));
    sqs.send(letter('never-stored'));
    sqs.send(letter(undefined, { reason: 'undecodable stored call: no document' }));
    sqs.send(onFailureRecord);
    sqs.send('not json');

    const queueClient = new SQSClient({
      endpoint: sqs.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
    const outcomes = await redriveDeadLetters({
      queue: sqsDeadLetterQueue({ queueUrl: sqs.queueUrl, client: queueClient, waitTimeSeconds: 0 }),
      readCall: storedCallReader(client, tableName),
      forward: {
        agentId: 30,
        agents: { '+14155550100': 31 },
        apiKey: KEY,
        url: cekura.url,
        runLookup: { apiBaseUrl: cekura.apiBaseUrl },
        sleep: async () => {},
        maxAttempts: 1,
      },
    });

    // Pushed: the fixed call once (two letters), the refused one once, the other to the default agent.
    expect(cekura.requests.map((r) => [r.json.agent_id, r.json.calls.map((c: { id: string; run_id?: number }) => [c.id, c.run_id ?? null])])).toEqual([
      [31, [['fixed', 5150]]],
      [30, [['still-bad', null]]],
      [30, [['other', null]]],
    ]);
    expect(outcomes.map((o) => [o.kind, 'callId' in o ? o.callId : undefined])).toEqual([
      ['redriven', 'fixed'],
      ['redriven', 'fixed'],
      ['failed', 'still-bad'],
      ['redriven', 'other'],
      ['not-redrivable', undefined],
      ['not-redrivable', undefined],
      ['not-redrivable', undefined],
      ['not-redrivable', undefined],
      ['not-redrivable', undefined],
    ]);
    // Both letters of the accepted call are gone; everything else is still in the queue.
    expect(sqs.deletes).toBe(3);
    expect(sqs.all()).toHaveLength(6);
    expect(sqs.all()).not.toContain(letter('fixed'));
    expect(outcomes.map((o) => o.messageId).slice(0, 2)).toEqual([fixed, fixedAgain]);

    const lines: string[] = [];
    printRedrive(outcomes, false, (line) => lines.push(line));
    const text = lines.join('\n');
    expect(lines[0]).toBe('redriven 3, not redrivable 5, unrouted 0, failed 1');
    expect(text).toMatch(/redriven\s+fixed {2}agent 31 \(by its agent number\) {2}run 5150 \(looked up\) {2}-> test-run webhook {2}\(message deleted\)/);
    expect(text).toMatch(/failed\s+still-bad {2}HTTP 400: \{"detail":"Invalid"\} \(left in the queue\)/);
    expect(text).toContain(`call ${storedKey('expired')} is no longer stored`);
    expect(text).toContain(`call ${storedKey('never-stored')} is no longer stored`);
    expect(text).toContain('the stored item had no readable key');
    expect(text).toContain('a stream position, not a call');
    expect(text).toContain('records from 2025-03-01T10:00:00Z .. 2025-03-01T10:01:00Z');
    expect(logs.text()).not.toContain(KEY);
    client.destroy();
  });

  it('leaves a call no agent takes in the queue', async () => {
    const { client, tableName, store } = await freshStore();
    await store.putCalls(recordsOf([sampleCall({ id: 'lost', phoneNumber: '+14155550199' })]));
    sqs.send(letter('lost'));
    const outcomes = await redriveDeadLetters({
      queue: sqsDeadLetterQueue({
        queueUrl: sqs.queueUrl,
        client: new SQSClient({ endpoint: sqs.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }),
        waitTimeSeconds: 0,
      }),
      readCall: storedCallReader(client, tableName),
      forward: { agents: { '+14155550100': 31 }, apiKey: KEY, url: cekura.url },
    });
    expect(outcomes).toMatchObject([{ kind: 'unrouted', callId: 'lost' }]);
    expect(cekura.requests).toHaveLength(0);
    expect(sqs.deletes).toBe(0);
    client.destroy();
  });

  it('redrives an Observe letter to Observe only, with the recording signed, and says so; a call now a test call stays', async () => {
    const { client, tableName, store } = await freshStore();
    const parsed = parseIngestBody([sampleCall({ id: 'prod', recordingUrl: 's3://rec-bucket/prod.wav' }), sampleCall({ id: 'now-test', run_id: 8 })], {
      source: undefined,
      webCallNumber: undefined,
      recordingBuckets: parseRecordingBuckets('rec-bucket'),
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    await store.putCalls(parsed.calls.map((sourced) => toCallRecord(sourced, { retentionDays: 3650 })));
    sqs.send(letter('prod', { channel: 'observe' }));
    sqs.send(letter('now-test', { channel: 'observe' }));
    const signed: string[] = [];
    const outcomes = await redriveDeadLetters({
      queue: sqsDeadLetterQueue({
        queueUrl: sqs.queueUrl,
        client: new SQSClient({ endpoint: sqs.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }),
        waitTimeSeconds: 0,
      }),
      readCall: storedCallReader(client, tableName),
      forward: {
        agentId: 30,
        apiKey: KEY,
        url: cekura.url,
        observe: { url: `${cekura.apiBaseUrl}/observability/v1/observe/` },
        signRecording: async (location) => {
          signed.push(location);
          return 'https://rec-bucket.s3.amazonaws.com/prod.wav?X-Amz-Signature=abc';
        },
      },
    });
    expect(outcomes).toMatchObject([
      { kind: 'redriven', callId: 'prod', route: { channel: 'observe', run: 'lookup-off' } },
      { kind: 'failed', callId: 'now-test', reason: expect.stringMatching(/now a test call/) },
    ]);
    expect(cekura.observeRequests.map((r) => [r.json.call_id, r.json.voice_recording_url])).toEqual([
      ['prod', 'https://rec-bucket.s3.amazonaws.com/prod.wav?X-Amz-Signature=abc'],
    ]);
    expect(signed).toEqual(['s3://rec-bucket/prod.wav']);
    expect(cekura.requests).toHaveLength(0);
    expect(sqs.visible()).toHaveLength(0);
    expect(sqs.all()).toHaveLength(1);
    const lines: string[] = [];
    printRedrive(outcomes, false, (line) => lines.push(line), true);
    expect(lines.join('\n')).toMatch(
      /redriven\s+prod {2}agent 30 \(the default agent\) {2}no run \(lookup off\) {2}-> Observe \(production: no test run\) {2}\(message deleted\)/,
    );
    client.destroy();
  });

  it('in a dry run, plans and reports but pushes and deletes nothing', async () => {
    const { client, tableName, store } = await freshStore();
    await store.putCalls(recordsOf([sampleCall({ id: 'fixed', metadata: { cekura_run_id: 12 } })]));
    sqs.send(letter('fixed'));
    const outcomes = await redriveDeadLetters({
      queue: sqsDeadLetterQueue({
        queueUrl: sqs.queueUrl,
        client: new SQSClient({ endpoint: sqs.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }),
        waitTimeSeconds: 0,
      }),
      readCall: storedCallReader(client, tableName),
      forward: { agentId: 30, apiKey: KEY, url: cekura.url },
      dryRun: true,
    });
    expect(outcomes).toMatchObject([{ kind: 'would-redrive', callId: 'fixed', route: { agentId: 30, runId: 12, run: 'metadata' } }]);
    expect(cekura.requests).toHaveLength(0);
    expect(sqs.deletes).toBe(0);
    client.destroy();
  });
});

describe('dead-letter messages', () => {
  it("tells the forwarder's letters from the mapping's on-failure records", () => {
    expect(readLetter(letter('a'))).toMatchObject({ kind: 'call', letter: { pk: storedKey('a'), callId: 'a' } });
    expect(readLetter(onFailureRecord)).toMatchObject({ kind: 'other', why: expect.stringContaining('shard shardId-000001, sequence 100..120') });
    expect(readLetter('[]')).toMatchObject({ kind: 'other' });
    expect(readLetter('{"hello":1}')).toMatchObject({ kind: 'other', why: 'neither a forwarder letter nor an on-failure record' });
  });

  it('finds the region in a queue URL', () => {
    expect(regionOfQueueUrl('https://sqs.eu-west-1.amazonaws.com/123456789012/dlq')).toBe('eu-west-1');
    expect(regionOfQueueUrl('https://sqs.cn-north-1.amazonaws.com.cn/123456789012/dlq')).toBe('cn-north-1');
    expect(regionOfQueueUrl('http://127.0.0.1:9324/000000000000/dlq')).toBeUndefined();
  });
});
