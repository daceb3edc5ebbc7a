/** Pushing calls to Cekura's webhook, against a real HTTP server on loopback playing Cekura. */
import * as v from 'valibot';
import { CallSchema } from '../../../lib/call';
import { cekuraConfigFromEnv, forwardCalls, type ForwardOptions, isRetryableStatus } from '../../../lib/cekura-push/forward';
import { captureOutput, type FakeCekura, startFakeCekura } from '../../support/fake-cekura';
import { sampleCall } from '../../support/fixtures';

const KEY = 'ck_live_SECRET_key_1234567890';
const ENDED = Date.parse('2025-01-01T10:01:00.000Z');
const stored = (overrides = {}) => v.parse(CallSchema, sampleCall(overrides));

let cekura: FakeCekura;
let sleeps: number[];
let logs: ReturnType<typeof captureOutput>;

beforeEach(async () => {
  cekura = await startFakeCekura();
  sleeps = [];
  logs = captureOutput();
});
afterEach(async () => {
  logs.restore();
  await cekura.close();
});

const options = (overrides: Partial<ForwardOptions> = {}): ForwardOptions => ({
  agentId: 42,
  apiKey: KEY,
  url: cekura.url,
  now: () => ENDED + 60_000,
  sleep: async (ms) => void sleeps.push(ms),
  random: () => 1,
  timeoutMs: 2_000,
  ...overrides,
});

describe('forwardCalls', () => {
  it('POSTs the calls with the key header and an integer agent id, in Cekura webhook format', async () => {
    const call = stored({ phoneNumber: '+14155550100', recordingUrl: 'https://r.example.com/1.wav', endedReason: 'customer-ended-call' });
    const result = await forwardCalls([call, stored({ id: 'call-2' })], options());
    expect(result).toEqual({ sent: ['call-1', 'call-2'], skipped: [], failed: [] });
    expect(cekura.requests).toHaveLength(1);
    const [request] = cekura.requests;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/test_framework/custom-provider-transcript-webhook/');
    expect(request!.headers['x-cekura-api-key']).toBe(KEY);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.json.agent_id).toBe(42);
    expect(request!.json.calls).toHaveLength(2);
    expect(request!.json.calls[0]).toEqual({
      id: 'call-1',
      startedAt: '2025-01-01T10:00:00.000Z',
      endedAt: '2025-01-01T10:01:00.000Z',
      to_phone_number: '+14155550100',
      from_phone_number: '+16505551234',
      endedReason: 'customer-ended-call',
      metadata: { recording_url: 'https://r.example.com/1.wav' },
      messages: [
        { role: 'bot', content: 'Hi, how can I help?', start_time: 1.5, end_time: 3.2 },
        { role: 'user', content: 'Book me for Tuesday.', start_time: 4.1, end_time: 6.8 },
        { role: 'function_call', content: '', start_time: 7, end_time: 7.1, data: { id: 'tool_1', name: 'book', arguments: '{"day":"tuesday"}' } },
        { role: 'function_call_result', content: '', start_time: 7.1, end_time: 7.2, data: { id: 'tool_1', name: 'book', result: 'ok' } },
      ],
    });
    for (const m of request!.json.calls[1].messages) expect(typeof m.content).toBe('string');
  });

  it('sends epoch milliseconds when configured, and reads the key from a provider', async () => {
    await forwardCalls([stored()], options({ messageTimes: 'epoch-ms', apiKey: async () => KEY }));
    expect(cekura.requests[0]!.json.calls[0].messages[0]).toMatchObject({ start_time: Date.parse('2025-01-01T10:00:01.500Z') });
    expect(cekura.requests[0]!.headers['x-cekura-api-key']).toBe(KEY);
  });

  it('retries 500, 429 and 503 with growing backoff (Retry-After honoured), then succeeds', async () => {
    cekura.script(500, { status: 429, headers: { 'retry-after': '3' } }, 503);
    const result = await forwardCalls([stored()], options());
    expect(result.sent).toEqual(['call-1']);
    expect(cekura.requests).toHaveLength(4);
    expect(sleeps).toEqual([500, 3000, 2000]);
    expect(new Set(cekura.requests.map((r) => r.body)).size).toBe(1);
  });

  it('gives up after maxAttempts on retryable failures and reports them retryable', async () => {
    cekura.script(500, 500, 500, 500, 500);
    const result = await forwardCalls([stored()], options({ maxAttempts: 3 }));
    expect(cekura.requests).toHaveLength(3);
    expect(result.failed).toEqual([{ id: 'call-1', permanent: false, status: 500, reason: '{"detail":"status 500"}', attempts: 3 }]);
  });

  it('times out a Cekura that never answers, and retries', async () => {
    cekura.script('timeout', 200);
    const result = await forwardCalls([stored()], options({ timeoutMs: 150 }));
    expect(result.sent).toEqual(['call-1']);
    expect(cekura.requests).toHaveLength(2);

    cekura.script('timeout', 'timeout');
    const failed = await forwardCalls([stored()], options({ timeoutMs: 150, maxAttempts: 2 }));
    expect(failed.failed).toEqual([{ id: 'call-1', permanent: false, status: undefined, reason: 'no answer within 150 ms', attempts: 2 }]);
  });

  it('does not retry a 400: the call fails permanently, and Cekura\'s answer is logged without the key', async () => {
    // A (hypothetical) Cekura that echoes the key back must not get it into the logs either.
    cekura.script({ status: 400, body: `{"run_id":["A valid integer is required."],"echo":"${KEY}"}` });
    const result = await forwardCalls([stored()], options());
    expect(cekura.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(result.failed).toEqual([
      { id: 'call-1', permanent: true, status: 400, reason: '{"run_id":["A valid integer is required."],"echo":"[redacted]"}', attempts: 1 },
    ]);
    const out = logs.text();
    expect(out).toContain('cekura refused the push');
    expect(out).toContain('A valid integer is required.');
    expect(out).not.toContain(KEY);
  });

  it('splits a refused batch call by call, so only the refused call fails', async () => {
    cekura.respondWith((r) => (r.json.calls.some((c: { id: string }) => c.id === 'bad') ? { status: 422, body: '{"detail":"bad call"}' } : 200));
    const result = await forwardCalls([stored({ id: 'a' }), stored({ id: 'bad' }), stored({ id: 'b' })], options());
    expect(result.sent).toEqual(['a', 'b']);
    expect(result.failed).toMatchObject([{ id: 'bad', permanent: true, status: 422 }]);
    expect(cekura.requests.map((r) => r.json.calls.map((c: { id: string }) => c.id))).toEqual([['a', 'bad', 'b'], ['a'], ['bad'], ['b']]);
  });

  it('skips (and logs) calls that ended before the push window, sending the rest', async () => {
    const now = Date.parse('2025-01-01T12:00:00.000Z');
    const old = stored({ id: 'old' });
    const recent = v.parse(CallSchema, sampleCall({ id: 'recent' }, '2025-01-01T11:52:00.000Z'));
    const result = await forwardCalls([old, recent], options({ now: () => now }));
    expect(result).toEqual({ sent: ['recent'], skipped: ['old'], failed: [] });
    expect(cekura.requests[0]!.json.calls.map((c: { id: string }) => c.id)).toEqual(['recent']);
    expect(logs.text()).toMatch(/cekura push skipped[^\n]*"old"/);

    const wide = await forwardCalls([old], options({ now: () => now, pushWindowMinutes: 24 * 60 }));
    expect(wide.sent).toEqual(['old']);
  });

  it('sends nothing, and needs no key, when every call is too old', async () => {
    const result = await forwardCalls([stored()], options({ now: () => ENDED + 11 * 60_000, apiKey: async () => Promise.reject(new Error('not read')) }));
    expect(result.skipped).toEqual(['call-1']);
    expect(cekura.requests).toHaveLength(0);
  });

  it('never logs the key, on success or failure', async () => {
    cekura.script(500, 200);
    await forwardCalls([stored()], options());
    cekura.script(401);
    await forwardCalls([stored()], options());
    expect(logs.text()).toContain('cekura push sent');
    expect(logs.text()).not.toContain(KEY);
  });
});

describe('classification and configuration', () => {
  it('retries only what retrying can fix', () => {
    for (const s of [408, 429, 500, 502, 503, 504]) expect(isRetryableStatus(s)).toBe(true);
    for (const s of [301, 400, 401, 403, 404, 413, 422]) expect(isRetryableStatus(s)).toBe(false);
  });

  it('reads CEKURA_* env, off without an agent id', () => {
    expect(cekuraConfigFromEnv({})).toBeUndefined();
    expect(cekuraConfigFromEnv({ CEKURA_AGENT_ID: '7' })).toEqual({
      agentId: 7,
      url: 'https://api.cekura.ai/test_framework/custom-provider-transcript-webhook/',
      messageTimes: 'relative-seconds',
      pushWindowMinutes: 10,
    });
    expect(cekuraConfigFromEnv({ CEKURA_AGENT_ID: '7', CEKURA_MESSAGE_TIMES: 'epoch-ms', CEKURA_PUSH_WINDOW_MINUTES: '60' })).toMatchObject({ messageTimes: 'epoch-ms', pushWindowMinutes: 60 });
    expect(() => cekuraConfigFromEnv({ CEKURA_AGENT_ID: 'x' })).toThrow(/positive integer/);
    expect(() => cekuraConfigFromEnv({ CEKURA_AGENT_ID: '7', CEKURA_MESSAGE_TIMES: 'ms' })).toThrow(/relative-seconds/);
  });
});
