/**
 * Production calls to Cekura Observe: the body (pure), and the push that sends test calls to the
 * webhook and production calls to Observe, against the loopback stand-in for Cekura, which checks
 * each Observe body as Cekura's API reference describes it.
 */
import { randomBytes } from 'node:crypto';
import * as v from 'valibot';
import { CallSchema } from '../../../lib/call';
import { type ForwardOptions, forwardCalls, planPush } from '../../../lib/cekura-push/forward';
import { buildObserveBody, observeCallId, observeUrl, parseRedactFields } from '../../../lib/cekura-push/observe';
import { cekuraConfigFromEnv } from '../../../lib/cekura-push/settings';
import { parseRecordingBuckets } from '../../../lib/recordings/location';
import { s3RecordingSigner } from '../../../lib/recordings/signer';
import { captureOutput, type FakeCekura, observeBodyProblems, startFakeCekura } from '../../support/fake-cekura';
import { sampleCall } from '../../support/fixtures';
import { type LoopbackS3, startLoopbackS3 } from '../../support/loopback-s3';

const KEY = 'ck_live_OBSERVE_key_0987654321';
const ENDED = Date.parse('2025-01-01T10:01:00.000Z');
const CALLER = '+16505551234';
const stored = (overrides = {}) => v.parse(CallSchema, sampleCall(overrides));

describe('the Observe body', () => {
  it('has Title Case roles, tool data, seconds from the start, the call details, and nothing empty', () => {
    const call = stored({
      id: 'prod-1',
      phoneNumber: '+14155550100',
      endedReason: 'customer-ended-call',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      metadata: { team: 'billing' },
      messages: [...sampleCall().messages, { role: 'system', content: 'transferred to billing', start_time: 8, end_time: 8 }],
    });
    const body = buildObserveBody(call, 42, { redactFields: ['phone_number', 'email_address'] });
    expect(body).toEqual({
      call_id: 'prod-1',
      agent: 42,
      transcript_type: 'cekura',
      transcript_json: [
        { role: 'Main Agent', content: 'Hi, how can I help?', start_time: 1.5, end_time: 3.2 },
        { role: 'Testing Agent', content: 'Book me for Tuesday.', start_time: 4.1, end_time: 6.8 },
        { role: 'Function Call', content: '', start_time: 7, end_time: 7.1, data: { id: 'tool_1', name: 'book', arguments: '{"day":"tuesday"}' } },
        { role: 'Function Call Result', content: '', start_time: 7.1, end_time: 7.2, data: { id: 'tool_1', name: 'book', result: 'ok' } },
      ],
      timestamp: '2025-01-01T10:00:00.000Z',
      customer_number: CALLER,
      call_ended_reason: 'customer-ended-call',
      metadata: { team: 'billing', agent_number: '+14155550100', system_messages_not_sent: 1 },
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      redact_fields: ['phone_number', 'email_address'],
    });
    expect(observeBodyProblems({ headers: { 'x-cekura-api-key': KEY }, json: body })).toBeUndefined();

    const bare = buildObserveBody(stored({ endedReason: undefined }), 7);
    for (const key of ['voice_recording_url', 'trace_id', 'redact_fields', 'call_ended_reason']) expect(bare).not.toHaveProperty(key);
  });

  it('fits a long call id in 100 characters, the same way every time, keeping the whole id in metadata', () => {
    const id = `session-${'é'.repeat(150)}`;
    const body = buildObserveBody(stored({ id }), 42);
    expect([...body.call_id]).toHaveLength(100);
    expect(body.call_id).toBe(observeCallId(id));
    expect(observeCallId(`${id}x`)).not.toBe(body.call_id);
    expect(body.metadata.adapter_call_id).toBe(id);
    expect(observeCallId('a'.repeat(100))).toBe('a'.repeat(100));
  });

  it('is what the stand-in refuses when it is wrong: lower-case roles, a 101-character call_id, an empty trace_id, epoch times', () => {
    const good = buildObserveBody(stored(), 42);
    const problems = (json: unknown) => observeBodyProblems({ headers: { 'x-cekura-api-key': KEY }, json });
    expect(problems({ ...good, transcript_json: [{ ...good.transcript_json[0], role: 'bot' }] })).toMatchObject({
      transcript_json: { 0: [expect.stringMatching(/role "bot"/)] },
    });
    expect(problems({ ...good, call_id: 'x'.repeat(101) })).toMatchObject({ call_id: [expect.stringMatching(/100 characters/)] });
    expect(problems({ ...good, trace_id: '' })).toMatchObject({ trace_id: expect.any(Array) });
    expect(problems({ ...good, transcript_json: [{ ...good.transcript_json[0], start_time: 1735725601.5 }] })).toMatchObject({
      transcript_json: expect.any(Object),
    });
    const { call_id: _dropped, ...withoutId } = good;
    expect(problems(withoutId)).toMatchObject({ call_id: ['This field is required.'] });
  });

  it('reads its settings: CEKURA_OBSERVE, CEKURA_REDACT_FIELDS and the API base', () => {
    const config = cekuraConfigFromEnv({
      CEKURA_AGENT_ID: '5',
      CEKURA_OBSERVE: 'on',
      CEKURA_REDACT_FIELDS: 'phone_number, ssn',
      CEKURA_API_BASE_URL: 'https://api.example.test/',
    });
    expect(config?.observe).toEqual({ url: 'https://api.example.test/observability/v1/observe/', redactFields: ['phone_number', 'ssn'] });
    expect(cekuraConfigFromEnv({ CEKURA_AGENT_ID: '5' })?.observe).toBeUndefined();
    expect(cekuraConfigFromEnv({ CEKURA_AGENT_ID: '5', CEKURA_OBSERVE: 'on', CEKURA_CHANNEL: 'observe' })?.channels).toEqual(['observe']);
    expect(() => cekuraConfigFromEnv({ CEKURA_AGENT_ID: '5', CEKURA_CHANNEL: 'observe' })).toThrow(/CEKURA_OBSERVE=on/);
    expect(() => cekuraConfigFromEnv({ CEKURA_AGENT_ID: '5', CEKURA_OBSERVE: 'yes' })).toThrow(/CEKURA_OBSERVE/);
    expect(() => parseRedactFields('phone_number,bad field')).toThrow(/"bad field"/);
    expect(observeUrl('https://api.cekura.ai')).toBe('https://api.cekura.ai/observability/v1/observe/');
  });
});

describe('test calls to the webhook, production calls to Observe', () => {
  let cekura: FakeCekura;
  let logs: ReturnType<typeof captureOutput>;
  beforeEach(async () => {
    cekura = await startFakeCekura();
    logs = captureOutput();
  });
  afterEach(async () => {
    logs.restore();
    await cekura.close();
  });

  const run = (id: number, inbound = CALLER) => ({ id, agent: 42, status: 'running', inbound_number: inbound, agent_number: null });
  const options = (overrides: Partial<ForwardOptions> = {}): ForwardOptions => ({
    agentId: 42,
    apiKey: KEY,
    url: cekura.url,
    runLookup: { apiBaseUrl: cekura.apiBaseUrl, timeoutMs: 1_000, totalTimeoutMs: 2_000 },
    observe: { url: observeUrl(cekura.apiBaseUrl) },
    now: () => ENDED + 60_000,
    sleep: async () => {},
    random: () => 1,
    timeoutMs: 2_000,
    ...overrides,
  });

  it('sends a call with a run (own or looked up) to the webhook and one with none to Observe, and says which went where', async () => {
    cekura.setRuns([run(901)]);
    const calls = [stored({ id: 'looked-up' }), stored({ id: 'own-run', run_id: 77 }), stored({ id: 'production', customer: { number: '+16505559999' } })];
    const result = await forwardCalls(calls, options());
    expect(result.sent.sort()).toEqual(['looked-up', 'own-run', 'production']);
    expect(result.failed).toEqual([]);
    expect(Object.fromEntries(result.routes.map((r) => [r.id, [r.channel, r.run]]))).toEqual({
      'looked-up': ['webhook', 'lookup'],
      'own-run': ['webhook', 'call'],
      production: ['observe', 'no-match'],
    });
    expect(cekura.requests.flatMap((r) => r.json.calls.map((c: { id: string }) => c.id)).sort()).toEqual(['looked-up', 'own-run']);
    expect(cekura.observeRequests.map((r) => [r.json.call_id, r.json.agent, r.headers['x-cekura-api-key']])).toEqual([['production', 42, KEY]]);
    expect(logs.text()).not.toContain(KEY);
  });

  it('sends a call matching several active runs to the webhook (a test call), never to Observe', async () => {
    cekura.setRuns([run(1), run(2)]);
    const result = await forwardCalls([stored()], options());
    expect(result.routes).toMatchObject([{ channel: 'webhook', run: 'ambiguous' }]);
    expect(cekura.observeRequests).toHaveLength(0);
  });

  it('with the lookup off, a call without its own run is production', async () => {
    const result = await forwardCalls([stored({ id: 'p' }), stored({ id: 't', metadata: { cekura_run_id: '12' } })], options({ runLookup: undefined }));
    expect(Object.fromEntries(result.routes.map((r) => [r.id, r.channel]))).toEqual({ p: 'observe', t: 'webhook' });
  });

  it('does not guess when the run lookup fails: the call fails, retryable, and goes nowhere', async () => {
    cekura.setRuns([], { reply: 503 });
    const result = await forwardCalls([stored({ id: 'unknown' }), stored({ id: 'own', run_id: 5 })], options());
    expect(result.sent).toEqual(['own']);
    expect(result.failed).toEqual([
      { id: 'unknown', permanent: false, status: undefined, reason: expect.stringMatching(/run lookup failed/), attempts: 0, channel: undefined },
    ]);
    expect(cekura.observeRequests).toHaveLength(0);
  });

  it('Observe failing does not hold the webhook back, nor the webhook failing Observe', async () => {
    cekura.setRuns([run(901)]);
    cekura.scriptObserve(500, 500, 500, 500);
    const first = await forwardCalls([stored({ id: 'test' }), stored({ id: 'prod', customer: { number: '+16505559999' } })], options({ maxAttempts: 4 }));
    expect(first.sent).toEqual(['test']);
    expect(first.failed).toMatchObject([{ id: 'prod', permanent: false, status: 500, attempts: 4, channel: 'observe' }]);

    cekura.script(500, 500, 500, 500);
    const second = await forwardCalls([stored({ id: 'test' }), stored({ id: 'prod', customer: { number: '+16505559999' } })], options({ maxAttempts: 4 }));
    expect(second.sent).toEqual(['prod']);
    expect(second.failed).toMatchObject([{ id: 'test', permanent: false, status: 500, attempts: 4, channel: 'webhook' }]);
  });

  it('a call Observe refuses fails permanently, and a call Observe already has (409) counts as sent', async () => {
    cekura.scriptObserve({ status: 400, body: '{"agent":["Invalid pk \\"42\\" - object does not exist."]}' });
    const refused = await forwardCalls([stored({ id: 'prod' })], options({ runLookup: undefined }));
    expect(refused.failed).toMatchObject([{ id: 'prod', permanent: true, status: 400, channel: 'observe' }]);
    expect(refused.failed[0]!.reason).toContain('object does not exist');

    await forwardCalls([stored({ id: 'again' })], options({ runLookup: undefined }));
    const resent = await forwardCalls([stored({ id: 'again' })], options({ runLookup: undefined }));
    expect(cekura.observeRequests.slice(-2).map((r) => r.json.call_id)).toEqual(['again', 'again']);
    expect(resent).toMatchObject({ sent: ['again'], failed: [] });
  });

  it('a forwarder of one way leaves the other way to the other forwarder', async () => {
    cekura.setRuns([run(901)]);
    const calls = [stored({ id: 'test' }), stored({ id: 'prod', customer: { number: '+16505559999' } })];
    const webhookOnly = await forwardCalls(calls, options({ channels: ['webhook'] }));
    expect(webhookOnly).toMatchObject({ sent: ['test'], elsewhere: ['prod'] });
    const observeOnly = await forwardCalls(calls, options({ channels: ['observe'] }));
    expect(observeOnly).toMatchObject({ sent: ['prod'], elsewhere: ['test'] });
    expect(cekura.observeRequests).toHaveLength(1);
    expect(cekura.requests).toHaveLength(1);
  });

  it('plans Observe calls in a dry run without sending them', async () => {
    const plan = await planPush([stored({ id: 'prod' })], options({ runLookup: undefined }));
    expect(plan.observe.map((o) => [o.route.id, o.body.call_id, o.body.transcript_type])).toEqual([['prod', 'prod', 'cekura']]);
    expect(cekura.observeRequests).toHaveLength(0);
  });

  describe('with a recording in S3', () => {
    let s3: LoopbackS3;
    const audio = randomBytes(2048);
    beforeAll(async () => {
      s3 = await startLoopbackS3();
      await s3.put('rec-bucket', 'calls/prod.wav', audio);
      await s3.put('rec-bucket', 'calls/test.wav', audio);
    });
    afterAll(() => s3?.close());

    it('both ways reach Cekura with a link that fetches the object; the stored location stays as it was', async () => {
      cekura.setRuns([run(901)]);
      const sign = s3RecordingSigner({ buckets: parseRecordingBuckets('rec-bucket/calls/'), client: s3.client, linkMinutes: 10 });
      const test = stored({ id: 'test', recordingUrl: 's3://rec-bucket/calls/test.wav' });
      const prod = stored({ id: 'prod', customer: { number: '+16505559999' }, recordingUrl: 'rec-bucket/calls/prod.wav' });
      const result = await forwardCalls([test, prod], options({ signRecording: sign }));
      expect(result.sent.sort()).toEqual(['prod', 'test']);
      const links = [cekura.requests[0]!.json.calls[0].metadata.recording_url as string, cekura.observeRequests[0]!.json.voice_recording_url as string];
      for (const link of links) {
        expect(link.startsWith(`${s3.endpoint}/rec-bucket/calls/`)).toBe(true);
        const response = await fetch(link);
        expect(Buffer.from(await response.arrayBuffer()).equals(audio)).toBe(true);
      }
      expect(test.recordingUrl).toBe('s3://rec-bucket/calls/test.wav');
    });

    it('a link that cannot be made leaves the recording out of the push, not the call', async () => {
      const failing = async () => {
        throw new Error('Region is missing');
      };
      const result = await forwardCalls(
        [stored({ id: 'prod', recordingUrl: 's3://rec-bucket/calls/prod.wav' })],
        options({ runLookup: undefined, signRecording: failing }),
      );
      expect(result.sent).toEqual(['prod']);
      expect(cekura.observeRequests[0]!.json).not.toHaveProperty('voice_recording_url');
      expect(logs.text()).toMatch(/could not sign the recording link/);
    });
  });
});
