/**
 * The forwarder Lambda: DynamoDB Streams new images → Cekura (a real HTTP server on loopback),
 * partial batch failures for what may still succeed, the dead-letter queue at once for refusals.
 */

import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import * as v from 'valibot';
import { cloudWatchUnroutedCounter, createForwarderHandler } from '../../functions/cekura-forwarder';
import { type CallInput, CallSchema } from '../../lib/call';
import { type DeadLetter, sqsDeadLetterSender } from '../../lib/cekura-push/dead-letters';
import { SMOKE_ID_PREFIX, SMOKE_NUMBER } from '../../lib/operations/smoke';
import { captureOutput, type FakeCekura, startFakeCekura } from '../support/fake-cekura';
import { sampleCall } from '../support/fixtures';

const KEY = 'ck_live_forwarder_SECRET_9876';
const STARTED = new Date(Date.now() - 2 * 60_000).toISOString();

let seq = 100;
/** A stream record as Lambda delivers it: DynamoDB JSON, `docz` as base64. */
function streamRecord(
  id: string,
  options: { eventName?: 'INSERT' | 'MODIFY' | 'REMOVE'; compressed?: boolean; content?: string; broken?: boolean; call?: Partial<CallInput> } = {},
): DynamoDBRecord {
  const json = JSON.stringify(
    v.parse(
      CallSchema,
      sampleCall(
        { id, ...(options.content ? { messages: [{ role: 'bot', content: options.content, start_time: 0, end_time: 1 }] } : {}), ...options.call },
        STARTED,
      ),
    ),
  );
  const eventName = options.eventName ?? 'INSERT';
  const image = options.broken
    ? { pk: { S: `custom#${id}` } }
    : { pk: { S: `custom#${id}` }, ...(options.compressed ? { docz: { B: gzipSync(json).toString('base64') } } : { doc: { S: json } }) };
  seq += 1;
  return {
    eventID: `evt-${seq}`,
    eventName,
    eventSource: 'aws:dynamodb',
    dynamodb: {
      Keys: { pk: { S: `custom#${id}` } },
      SequenceNumber: String(seq),
      StreamViewType: 'NEW_IMAGE',
      ...(eventName === 'REMOVE' ? {} : { NewImage: image as never }),
    },
  };
}
const event = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });
const idsSent = (cekura: FakeCekura) => cekura.requests.map((r) => r.json.calls.map((c: { id: string }) => c.id));

let cekura: FakeCekura;
let letters: DeadLetter[];
let logs: ReturnType<typeof captureOutput>;

beforeEach(async () => {
  cekura = await startFakeCekura();
  letters = [];
  logs = captureOutput();
});
afterEach(async () => {
  logs.restore();
  await cekura.close();
});

const handler = (overrides: { deadLetters?: (l: DeadLetter) => Promise<void> } = {}) =>
  createForwarderHandler({
    forward: { agentId: 9, apiKey: async () => KEY, url: cekura.url, sleep: async () => {}, maxAttempts: 3 },
    deadLetters: overrides.deadLetters ?? (async (letter) => void letters.push(letter)),
  });

describe('cekura forwarder handler', () => {
  it('pushes inserted and replaced calls (plain and gzip items) in one request, skipping removals', async () => {
    const result = await handler()(
      event(streamRecord('a'), streamRecord('b', { eventName: 'MODIFY', compressed: true }), streamRecord('gone', { eventName: 'REMOVE' })),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(idsSent(cekura)).toEqual([['a', 'b']]);
    expect(cekura.requests[0]!.json.agent_id).toBe(9);
    expect(cekura.requests[0]!.headers['x-cekura-api-key']).toBe(KEY);
  });

  it("never pushes npm run smoke's synthetic call, and pushes the others of the batch", async () => {
    const smoke = streamRecord(`${SMOKE_ID_PREFIX}1`, { call: { customer: { number: SMOKE_NUMBER } } });
    expect(await handler()(event(smoke, streamRecord('real')))).toEqual({ batchItemFailures: [] });
    expect(idsSent(cekura)).toEqual([['real']]);
  });

  it('pushes a call replaced twice in one batch once, with its latest version', async () => {
    await handler()(event(streamRecord('a', { content: 'first' }), streamRecord('a', { eventName: 'MODIFY', content: 'second' })));
    expect(idsSent(cekura)).toEqual([['a']]);
    expect(cekura.requests[0]!.json.calls[0].messages[0].content).toBe('second');
  });

  it('reports a call Cekura keeps failing as a partial batch failure, for the event source mapping to retry', async () => {
    cekura.respondWith((r) => (r.json.calls.some((c: { id: string }) => c.id === 'flaky') ? 503 : 200));
    const records = [streamRecord('ok-1'), streamRecord('flaky')];
    const result = await handler()(event(...records));
    // 503 is retryable: the batch is tried 3 times in process, then its records are reported failed
    // (the mapping retries from the lowest; a re-sent call is harmless).
    expect(cekura.requests).toHaveLength(3);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(records.map((r) => r.dynamodb!.SequenceNumber));
    expect(letters).toEqual([]);
  });

  it('dead-letters a call Cekura refuses (4xx) at once, without retrying it, and delivers the others', async () => {
    cekura.respondWith((r) =>
      r.json.calls.some((c: { id: string }) => c.id === 'bad') ? { status: 400, body: '{"detail":"Run IDs not found or deleted: [1]"}' } : 200,
    );
    const bad = streamRecord('bad');
    const result = await handler()(event(streamRecord('good'), bad));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(idsSent(cekura)).toEqual([['good', 'bad'], ['good'], ['bad']]);
    expect(letters).toEqual([
      {
        pk: 'custom#bad',
        callId: 'bad',
        channel: 'webhook',
        status: 400,
        reason: '{"detail":"Run IDs not found or deleted: [1]"}',
        eventId: bad.eventID,
        sequenceNumber: bad.dynamodb!.SequenceNumber,
        at: expect.any(String),
      },
    ]);
    expect(logs.text()).toContain('Run IDs not found or deleted');
    expect(logs.text()).not.toContain(KEY);
  });

  it('dead-letters an item with no document, and reports the record failed when the dead-letter send fails', async () => {
    const broken = streamRecord('broken', { broken: true });
    const result = await handler()(event(broken));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(letters).toMatchObject([{ pk: 'custom#broken', callId: undefined, status: undefined, reason: expect.stringMatching(/no document/) }]);

    cekura.script(401);
    const refused = streamRecord('r');
    const failing = handler({ deadLetters: async () => Promise.reject(new Error('SQS down')) });
    expect(await failing(event(refused))).toEqual({ batchItemFailures: [{ itemIdentifier: refused.dynamodb!.SequenceNumber }] });
  });

  it('fails the whole batch (for the mapping to retry) when the key cannot be read', async () => {
    const noKey = createForwarderHandler({
      forward: { agentId: 9, apiKey: async () => Promise.reject(new Error('secret unavailable')), url: cekura.url },
      deadLetters: async (l) => void letters.push(l),
    });
    await expect(noKey(event(streamRecord('a')))).rejects.toThrow(/secret unavailable/);
    expect(cekura.requests).toHaveLength(0);
  });

  it('skips and logs calls past the push window: nothing is sent, nothing fails', async () => {
    const old: DynamoDBRecord = streamRecord('old');
    const image = old.dynamodb!.NewImage! as { doc: { S: string } };
    image.doc.S = JSON.stringify(v.parse(CallSchema, sampleCall({ id: 'old' }, '2025-01-01T10:00:00.000Z')));
    expect(await handler()(event(old))).toEqual({ batchItemFailures: [] });
    expect(cekura.requests).toHaveLength(0);
    expect(logs.text()).toMatch(/cekura push skipped[^\n]*"old"/);
  });
});

describe('cekura forwarder: agents and runs', () => {
  const AGENT_NUMBER = '+14155550100';

  it('sends one POST per agent, each call with the run found for it', async () => {
    cekura.setRuns([{ id: 3001, agent: 21, status: 'running', inbound_number: '+1 650 555 1234', agent_number: AGENT_NUMBER }]);
    const forward = createForwarderHandler({
      forward: {
        agents: { [AGENT_NUMBER]: 21 },
        agentId: 9,
        apiKey: async () => KEY,
        url: cekura.url,
        runLookup: { apiBaseUrl: cekura.apiBaseUrl },
        sleep: async () => {},
      },
      deadLetters: async (l) => void letters.push(l),
    });
    const result = await forward(
      event(
        streamRecord('mapped', { call: { phoneNumber: AGENT_NUMBER } }),
        streamRecord('default'),
        streamRecord('own', { call: { agent_id: 33, run_id: 77 } }),
      ),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    const posts = Object.fromEntries(
      cekura.requests.map((r) => [r.json.agent_id, r.json.calls.map((c: { id: string; run_id?: number }) => [c.id, c.run_id ?? null])]),
    );
    expect(posts).toEqual({ 21: [['mapped', 3001]], 9: [['default', null]], 33: [['own', 77]] });
    // Agent 33's call carries its run: only agents 21 and 9 were looked up.
    expect(cekura.runRequests.map((r) => new URL(r.path, cekura.apiBaseUrl).searchParams.get('agent_id')).sort()).toEqual(['21', '9']);
  });

  it('neither pushes, fails nor dead-letters a call without an agent: it counts it in CekuraCallAdapter/CallsWithoutAgent', async () => {
    const forward = createForwarderHandler({
      forward: { agents: { [AGENT_NUMBER]: 21 }, apiKey: async () => KEY, url: cekura.url, sleep: async () => {} },
      deadLetters: async (l) => void letters.push(l),
      countUnrouted: cloudWatchUnroutedCounter(),
    });
    const result = await forward(
      event(
        streamRecord('lost-1'),
        streamRecord('mapped', { call: { phoneNumber: AGENT_NUMBER } }),
        streamRecord('lost-2', { call: { phoneNumber: '+14155550199' } }),
      ),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(letters).toEqual([]);
    expect(cekura.requests.map((r) => r.json.calls.map((c: { id: string }) => c.id))).toEqual([['mapped']]);
    const emf = logs
      .text()
      .split('\n')
      .filter((line) => line.includes('"_aws"'))
      .map(
        (line) =>
          JSON.parse(line) as Record<string, unknown> & {
            _aws: { CloudWatchMetrics: Array<{ Namespace: string; Metrics: Array<{ Name: string; Unit: string }> }> };
          },
      );
    expect(emf).toHaveLength(1);
    expect(emf[0]!._aws.CloudWatchMetrics[0]).toEqual({
      Namespace: 'CekuraCallAdapter',
      Dimensions: [['service']],
      Metrics: [{ Name: 'CallsWithoutAgent', Unit: 'Count' }],
    });
    // The alarm (cdk/constructs/cekura-forwarder.ts) names this dimension: the service name the Lambda is given.
    expect(emf[0]).toMatchObject({ CallsWithoutAgent: 2, service: 'cekura-call-adapter' });
    expect(logs.text()).toMatch(/calls without an agent are not pushed[^\n]*"lost-1"[^\n]*"lost-2"/);
  });

  it('emits no metric when every call has an agent', async () => {
    let counted = 0;
    const forward = createForwarderHandler({
      forward: { agentId: 9, apiKey: KEY, url: cekura.url },
      deadLetters: async () => {},
      countUnrouted: (n) => {
        counted += n;
      },
    });
    await forward(event(streamRecord('a')));
    expect(counted).toBe(0);
  });
});

describe('SQS dead-letter sender', () => {
  it('sends each letter as one SQS SendMessage to the queue, and fails when SQS refuses it', async () => {
    // A loopback server in SQS's place: the real SDK client, only its endpoint changed.
    const sqs = await startFakeCekura('/');
    try {
      const queueUrl = `${sqs.url.replace(/\/$/, '')}/123456789012/dlq`;
      const client = new SQSClient({
        endpoint: sqs.url,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
        maxAttempts: 1,
      });
      const send = sqsDeadLetterSender({ queueUrl, client });
      const letter: DeadLetter = { pk: 'custom#x', callId: 'x', status: 400, reason: 'no', eventId: 'e', sequenceNumber: '1', at: '2025-01-01T00:00:00.000Z' };
      sqs.script({ status: 200, body: JSON.stringify({ MessageId: 'm-1', MD5OfMessageBody: createHash('md5').update(JSON.stringify(letter)).digest('hex') }) });
      await send(letter);
      const [request] = sqs.requests;
      expect(request!.headers['x-amz-target']).toBe('AmazonSQS.SendMessage');
      expect(request!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/sqs\/aws4_request/);
      expect(request!.json).toEqual({ QueueUrl: queueUrl, MessageBody: JSON.stringify(letter) });

      sqs.script({ status: 400, body: '{"__type":"com.amazon.coral.service#AccessDeniedException","message":"denied"}' });
      await expect(send(letter)).rejects.toThrow(/denied/i);
    } finally {
      await sqs.close();
    }
  });
});

describe('the two forwarders with Cekura Observe on', () => {
  const forwarder = (channel: 'webhook' | 'observe', countUnrouted?: (n: number) => void) =>
    createForwarderHandler({
      forward: {
        agentId: 9,
        agents: {},
        apiKey: async () => KEY,
        url: cekura.url,
        sleep: async () => {},
        maxAttempts: 2,
        observe: { url: `${cekura.apiBaseUrl}/observability/v1/observe/` },
        channels: [channel],
      },
      deadLetters: async (letter) => void letters.push(letter),
      countUnrouted,
    });

  it('each sends its own way from the same records; a refusal of one way is dead-lettered saying which', async () => {
    const records = [streamRecord('test-call', { call: { run_id: 31 } }), streamRecord('prod-call'), streamRecord('prod-refused')];
    cekura.scriptObserve(201, { status: 400, body: '{"transcript_json":["Invalid"]}' });
    expect(await forwarder('webhook')(event(...records))).toEqual({ batchItemFailures: [] });
    expect(await forwarder('observe')(event(...records))).toEqual({ batchItemFailures: [] });
    expect(idsSent(cekura)).toEqual([['test-call']]);
    expect(cekura.observeRequests.map((r) => r.json.call_id)).toEqual(['prod-call', 'prod-refused']);
    expect(letters).toEqual([expect.objectContaining({ pk: 'custom#prod-refused', callId: 'prod-refused', status: 400, channel: 'observe' })]);
  });

  it('Observe being down fails only the Observe forwarder (the stream retries it); the webhook forwarder delivers', async () => {
    const records = [streamRecord('test-call', { call: { run_id: 31 } }), streamRecord('prod-call')];
    cekura.scriptObserve(503, 503);
    const observe = await forwarder('observe')(event(...records));
    expect(observe.batchItemFailures).toEqual([{ itemIdentifier: records[1]!.dynamodb!.SequenceNumber }]);
    expect(await forwarder('webhook')(event(...records))).toEqual({ batchItemFailures: [] });
    expect(idsSent(cekura)).toEqual([['test-call']]);
    expect(letters).toEqual([]);
  });
});
