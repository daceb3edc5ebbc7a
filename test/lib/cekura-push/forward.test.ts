/** Pushing calls to Cekura's webhook, against a real HTTP server on loopback playing Cekura. */
import * as v from 'valibot';
import { CallSchema } from '../../../lib/call';
import { type ForwardOptions, forwardCalls, isRetryableStatus } from '../../../lib/cekura-push/forward';
import { RUN_LOOKUP_CACHE_DEFAULTS, RunLookupCache } from '../../../lib/cekura-push/runs';
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
    expect(result).toEqual({
      sent: ['call-1', 'call-2'],
      skipped: [],
      unrouted: [],
      failed: [],
      routes: [
        { id: 'call-1', agentId: 42, agentFrom: 'default', runId: undefined, run: 'lookup-off', channel: 'webhook' },
        { id: 'call-2', agentId: 42, agentFrom: 'default', runId: undefined, run: 'lookup-off', channel: 'webhook' },
      ],
      elsewhere: [],
    });
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
    expect(result.failed).toEqual([{ id: 'call-1', permanent: false, status: 500, reason: '{"detail":"status 500"}', attempts: 3, channel: 'webhook' }]);
  });

  it('times out a Cekura that never answers, and retries', async () => {
    // Long enough that a loaded machine's answer to the second attempt is never mistaken for no answer.
    cekura.script('timeout', 200);
    const result = await forwardCalls([stored()], options({ timeoutMs: 1500 }));
    expect(result.sent).toEqual(['call-1']);
    expect(cekura.requests).toHaveLength(2);

    cekura.script('timeout', 'timeout');
    const failed = await forwardCalls([stored()], options({ timeoutMs: 1500, maxAttempts: 2 }));
    expect(failed.failed).toEqual([{ id: 'call-1', permanent: false, status: undefined, reason: 'no answer within 1500 ms', attempts: 2, channel: 'webhook' }]);
  });

  it("does not retry a 400: the call fails permanently, and Cekura's answer is logged without the key", async () => {
    // A (hypothetical) Cekura that echoes the key back must not get it into the logs either.
    cekura.script({ status: 400, body: `{"run_id":["A valid integer is required."],"echo":"${KEY}"}` });
    const result = await forwardCalls([stored()], options());
    expect(cekura.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(result.failed).toEqual([
      {
        id: 'call-1',
        permanent: true,
        status: 400,
        reason: '{"run_id":["A valid integer is required."],"echo":"[redacted]"}',
        attempts: 1,
        channel: 'webhook',
      },
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
    expect(result).toMatchObject({ sent: ['recent'], skipped: ['old'], unrouted: [], failed: [] });
    expect(cekura.requests[0]!.json.calls.map((c: { id: string }) => c.id)).toEqual(['recent']);
    expect(logs.text()).toMatch(/cekura push skipped[^\n]*"old"/);

    const wide = await forwardCalls([old], options({ now: () => now, pushWindowMinutes: 24 * 60 }));
    expect(wide.sent).toEqual(['old']);
    // A backfill or a redrive pushes old calls on purpose.
    const backfill = await forwardCalls([stored({ id: 'ancient' })], options({ now: () => now + 365 * 86_400_000, ignorePushWindow: true }));
    expect(backfill).toMatchObject({ sent: ['ancient'], skipped: [] });
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

describe('classification', () => {
  it('retries only what retrying can fix', () => {
    for (const s of [408, 429, 500, 502, 503, 504]) expect(isRetryableStatus(s)).toBe(true);
    for (const s of [301, 400, 401, 403, 404, 413, 422]) expect(isRetryableStatus(s)).toBe(false);
  });
});

type SentCall = { id: string; run_id?: number };
const byAgent = (requests: FakeCekura['requests']) => Object.fromEntries(requests.map((r) => [r.json.agent_id, r.json.calls.map((c: SentCall) => c.id)]));

describe('forwardCalls: one POST per agent', () => {
  const AGENTS = { '+14155550100': 6 };

  it("routes each call by its own agent_id, else its agent number's entry in the map, else the default agent", async () => {
    const calls = [
      stored({ id: 'own', agent_id: 5, phoneNumber: '+14155550100' }),
      stored({ id: 'mapped', phoneNumber: '+14155550100' }),
      stored({ id: 'unmapped-number', phoneNumber: '+14155550199' }),
      stored({ id: 'no-number' }),
      stored({ id: 'own-6', agent_id: 6 }),
    ];
    const result = await forwardCalls(calls, options({ agents: AGENTS }));
    expect(cekura.requests).toHaveLength(3);
    expect(byAgent(cekura.requests)).toEqual({ 5: ['own'], 6: ['mapped', 'own-6'], 42: ['unmapped-number', 'no-number'] });
    expect(result.sent.sort()).toEqual(['mapped', 'no-number', 'own', 'own-6', 'unmapped-number']);
    expect(result.routes.map((r) => [r.id, r.agentId, r.agentFrom])).toEqual([
      ['own', 5, 'call'],
      ['mapped', 6, 'number'],
      ['own-6', 6, 'call'],
      ['unmapped-number', 42, 'default'],
      ['no-number', 42, 'default'],
    ]);
    // The agent is only at the top: each call keeps Cekura's call shape.
    for (const r of cekura.requests) for (const c of r.json.calls) expect(c).not.toHaveProperty('agent_id');
  });

  it('does not push a call no agent takes: reported unrouted and logged, the others sent', async () => {
    const result = await forwardCalls(
      [stored({ id: 'mapped', phoneNumber: '+14155550100' }), stored({ id: 'lost', phoneNumber: '+14155550199' })],
      options({ agentId: undefined, agents: AGENTS }),
    );
    expect(result).toMatchObject({ sent: ['mapped'], unrouted: ['lost'], failed: [], skipped: [] });
    expect(byAgent(cekura.requests)).toEqual({ 6: ['mapped'] });
    expect(logs.text()).toMatch(/calls without an agent are not pushed[^\n]*"lost"[^\n]*\+14155550199 not in CEKURA_AGENTS/);
  });

  it('sends nothing and reads no key when no call has an agent', async () => {
    const result = await forwardCalls([stored({ id: 'lost' })], options({ agentId: undefined, apiKey: async () => Promise.reject(new Error('not read')) }));
    expect(result).toEqual({ sent: [], skipped: [], unrouted: ['lost'], failed: [], routes: [], elsewhere: [] });
    expect(cekura.requests).toHaveLength(0);
  });

  it("splits only the refused agent's batch call by call", async () => {
    cekura.respondWith((r) => (r.json.calls.some((c: SentCall) => c.id === 'bad') ? 422 : 200));
    const result = await forwardCalls([stored({ id: 'a', agent_id: 5 }), stored({ id: 'bad', agent_id: 5 }), stored({ id: 'other', agent_id: 6 })], options());
    expect(result.sent.sort()).toEqual(['a', 'other']);
    expect(result.failed).toMatchObject([{ id: 'bad', permanent: true, status: 422 }]);
    const agent5 = cekura.requests.filter((r) => r.json.agent_id === 5).map((r) => r.json.calls.map((c: SentCall) => c.id));
    expect(agent5).toEqual([['a', 'bad'], ['a'], ['bad']]);
    expect(cekura.requests.filter((r) => r.json.agent_id === 6)).toHaveLength(1);
  });
});

describe('forwardCalls: run ids', () => {
  const lookup = () => ({ runLookup: { apiBaseUrl: cekura.apiBaseUrl, timeoutMs: 1_000, totalTimeoutMs: 2_000 } });
  const CALLER = '+16505551234';
  const AGENT_NUMBER = '+14155550100';
  const run = (id: number, overrides: Record<string, unknown> = {}) => ({
    id,
    agent: 42,
    status: 'running',
    inbound_number: CALLER,
    agent_number: AGENT_NUMBER,
    ...overrides,
  });
  const sentRuns = () => Object.fromEntries(cekura.requests.flatMap((r) => r.json.calls.map((c: SentCall) => [c.id, c.run_id])));

  it("sends a call's own run_id, or its metadata.cekura_run_id (integer or digits), and looks nothing up for them", async () => {
    cekura.setRuns([run(999)]);
    const result = await forwardCalls(
      [
        stored({ id: 'own', run_id: 11, metadata: { cekura_run_id: 99 } }),
        stored({ id: 'meta', metadata: { cekura_run_id: 12 } }),
        stored({ id: 'meta-text', metadata: { cekura_run_id: '13' } }),
      ],
      options(lookup()),
    );
    expect(sentRuns()).toEqual({ own: 11, meta: 12, 'meta-text': 13 });
    expect(result.routes.map((r) => r.run)).toEqual(['call', 'metadata', 'metadata']);
    expect(cekura.runRequests).toHaveLength(0);
  });

  it("finds the one active run of the call's agent with the caller's and the agent's numbers, with one lookup per agent", async () => {
    cekura.setRuns([
      run(501),
      run(502, { status: 'completed' }),
      run(503, { inbound_number: '+16505550000' }),
      run(504, { agent_number: '+14155550999' }),
      run(505, { agent: 43 }),
    ]);
    const result = await forwardCalls(
      [
        stored({ id: 'match', phoneNumber: AGENT_NUMBER }),
        stored({ id: 'other-caller', phoneNumber: AGENT_NUMBER, customer: { number: '+16505559999' } }),
        stored({ id: 'same-caller', phoneNumber: AGENT_NUMBER, customer: { number: CALLER, name: 'Bo' } }),
        stored({ id: 'agent-43', agent_id: 43, phoneNumber: AGENT_NUMBER }),
      ],
      options(lookup()),
    );
    expect(sentRuns()).toEqual({ match: 501, 'other-caller': undefined, 'same-caller': 501, 'agent-43': 505 });
    expect(result.routes.map((r) => [r.id, r.runId, r.run])).toEqual([
      ['match', 501, 'lookup'],
      ['other-caller', undefined, 'no-match'],
      ['same-caller', 501, 'lookup'],
      ['agent-43', 505, 'lookup'],
    ]);
    expect(cekura.runRequests.map((r) => r.path).sort()).toEqual([
      '/test_framework/v1/runs/?agent_id=42&page_size=100',
      '/test_framework/v1/runs/?agent_id=43&page_size=100',
    ]);
    for (const get of cekura.runRequests) expect(get.headers['x-cekura-api-key']).toBe(KEY);
  });

  it('matches a run Cekura lists under a formatted number, by its digits, whatever the status case', async () => {
    cekura.setRuns([run(601, { status: 'IN_PROGRESS', inbound_number: '+1 (650) 555-1234', agent_number: '+1 415-555-0100' })]);
    await forwardCalls([stored({ phoneNumber: AGENT_NUMBER })], options(lookup()));
    expect(sentRuns()).toEqual({ 'call-1': 601 });
  });

  it('ignores the agent number when the call has none', async () => {
    cekura.setRuns([run(602, { agent_number: '+14155550999' })]);
    await forwardCalls([stored()], options(lookup()));
    expect(sentRuns()).toEqual({ 'call-1': 602 });
  });

  it('pushes without run_id when several active runs match (a pooled caller number): never a guess', async () => {
    cekura.setRuns([run(701), run(702, { status: 'in_progress' })]);
    const result = await forwardCalls([stored({ phoneNumber: AGENT_NUMBER })], options(lookup()));
    expect(result.sent).toEqual(['call-1']);
    expect(result.routes).toEqual([
      { id: 'call-1', agentId: 42, agentFrom: 'default', runId: undefined, run: 'ambiguous', candidates: [701, 702], channel: 'webhook' },
    ]);
    expect(cekura.requests[0]!.json.calls[0]).not.toHaveProperty('run_id');
  });

  it('pushes without run_id, and logs without the key, when the runs API refuses the key (401)', async () => {
    cekura.setRuns([run(801)], { reply: { status: 401, body: `{"detail":"Invalid API key ${KEY}"}` } });
    const result = await forwardCalls([stored()], options(lookup()));
    expect(result).toMatchObject({ sent: ['call-1'], failed: [], routes: [{ run: 'lookup-failed', runId: undefined }] });
    expect(cekura.requests[0]!.json.calls[0]).not.toHaveProperty('run_id');
    expect(logs.text()).toMatch(/cekura run lookup failed[^\n]*401[^\n]*Invalid API key \[redacted\]/);
    expect(logs.text()).not.toContain(KEY);
  });

  it('pushes without run_id when the runs API answers too late', async () => {
    cekura.setRuns([run(802)], { delayMs: 1_000 });
    const result = await forwardCalls([stored()], options({ runLookup: { apiBaseUrl: cekura.apiBaseUrl, timeoutMs: 100 } }));
    expect(result).toMatchObject({ sent: ['call-1'], routes: [{ run: 'lookup-failed' }] });
    expect(logs.text()).toContain('no answer within 100 ms');
  });

  it('looks nothing up when the lookup is off', async () => {
    cekura.setRuns([run(803)]);
    const result = await forwardCalls([stored()], options());
    expect(result.routes).toMatchObject([{ run: 'lookup-off', runId: undefined }]);
    expect(cekura.runRequests).toHaveLength(0);
  });

  it("fetches each agent's runs once across pushes that share a cache (a backfill)", async () => {
    cekura.setRuns([run(901)]);
    const cache = new Map();
    const shared = options({ runLookup: { apiBaseUrl: cekura.apiBaseUrl, cache } });
    await forwardCalls([stored({ id: 'a' })], shared);
    await forwardCalls([stored({ id: 'b' })], shared);
    expect(sentRuns()).toEqual({ a: 901, b: 901 });
    expect(cekura.runRequests).toHaveLength(1);
  });
});

describe('forwardCalls: large answers and many lookups (issue 22)', () => {
  const lookup = (extra = {}) => ({ runLookup: { apiBaseUrl: cekura.apiBaseUrl, timeoutMs: 5_000, totalTimeoutMs: 10_000, ...extra } });
  const sentRuns = () => Object.fromEntries(cekura.requests.flatMap((r) => r.json.calls.map((c: SentCall) => [c.id, c.run_id])));

  it('pushes without run_id, and does not throw, when a runs page is huge: 200,000 runs, or past the size cap', async () => {
    const many = Array.from({ length: 200_000 }, (_, i) => ({ id: i + 1 }));
    cekura.setRuns([], { reply: { status: 200, body: JSON.stringify({ next: null, results: many }) } });
    const first = await forwardCalls([stored({ id: 'many-runs' })], options(lookup()));
    expect(first.routes).toMatchObject([{ id: 'many-runs', run: 'no-match' }]);

    const run = '{"id":7,"agent":42,"status":"running","inbound_number":"+16505551234"},';
    cekura.setRuns([], { reply: { status: 200, body: `{"results":[${run.repeat(Math.ceil((8 * 1024 * 1024) / run.length))}{"id":8}]}` } });
    const second = await forwardCalls([stored({ id: 'huge-page' })], options(lookup()));
    expect(second.routes).toMatchObject([{ id: 'huge-page', run: 'lookup-failed', runId: undefined }]);
    expect(sentRuns()).toEqual({ 'many-runs': undefined, 'huge-page': undefined });
    expect(logs.text()).toContain('the answer is larger than 4194304 bytes');
  });

  it("keeps only the start of the webhook's answer, however long", async () => {
    cekura.script({ status: 400, body: `{"detail":"${'x'.repeat(16 * 1024 * 1024)}"}` });
    const result = await forwardCalls([stored({ id: 'refused' })], options());
    expect(result.failed).toMatchObject([{ id: 'refused', permanent: true, status: 400 }]);
    expect(result.failed[0]!.reason).toBe(`{"detail":"${'x'.repeat(1_000 - '{"detail":"'.length)}`);
  });

  it('shares one lookup per agent across pushes that share a RunLookupCache, and bounds lookups at once', async () => {
    const agents = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`+1415555010${i}`, 100 + i]));
    cekura.setRuns(
      Object.entries(agents).map(([number, agent]) => ({ id: agent * 10, agent, status: 'running', inbound_number: '+16505551234', agent_number: number })),
      { delayMs: 50 },
    );
    let inFlight = 0;
    let mostInFlight = 0;
    const counting: typeof fetch = async (input, init) => {
      const isLookup = String(input).includes('/runs/');
      if (isLookup) mostInFlight = Math.max(mostInFlight, ++inFlight);
      try {
        const response = await fetch(input, init);
        if (isLookup) await response.clone().text();
        return response;
      } finally {
        if (isLookup) inFlight -= 1;
      }
    };
    const calls = Object.keys(agents).map((number, i) => stored({ id: `c${i}`, phoneNumber: number }));
    const lookups = new RunLookupCache({ maxConcurrent: 3 });
    const shared = options({ agentId: undefined, agents, fetch: counting, ...lookup({ lookups }) });
    await forwardCalls(calls, shared);
    await forwardCalls(calls, shared);
    expect(cekura.runRequests).toHaveLength(8);
    expect(mostInFlight).toBe(3);
    expect(Object.values(sentRuns())).toEqual(Object.values(agents).map((agent) => agent * 10));

    // Without a cache of its own, a push still runs at most a few lookups at once (RUN_LOOKUP_CACHE_DEFAULTS).
    mostInFlight = 0;
    await forwardCalls(calls, options({ agentId: undefined, agents, fetch: counting, ...lookup() }));
    expect(cekura.runRequests).toHaveLength(16);
    expect(mostInFlight).toBe(RUN_LOOKUP_CACHE_DEFAULTS.maxConcurrent);
  });
});
