/** Which Cekura run a call belongs to: its own id, the match rule, and the runs API over loopback HTTP. */
import { type CekuraRun, fetchAgentRuns, matchRun, parseApiBaseUrl, RUN_LOOKUP_DEFAULTS, RunLookupCache, runIdFromCall } from '../../../lib/cekura-push/runs';
import { type FakeCekura, type FakeRun, startFakeCekura } from '../../support/fake-cekura';

const KEY = 'ck_runs_SECRET_4242';

describe('runIdFromCall', () => {
  it('takes run_id, else metadata.cekura_run_id as an integer or its digits', () => {
    expect(runIdFromCall({ run_id: 7, metadata: { cekura_run_id: 8 } })).toEqual({ runId: 7, from: 'call' });
    expect(runIdFromCall({ metadata: { cekura_run_id: 8 } })).toEqual({ runId: 8, from: 'metadata' });
    expect(runIdFromCall({ metadata: { cekura_run_id: '9' } })).toEqual({ runId: 9, from: 'metadata' });
  });

  it('ignores anything that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, '', 'abc', '12a', ' 12', '1e3', null, true, { id: 1 }, 2 ** 53]) {
      expect(runIdFromCall({ metadata: { cekura_run_id: bad } })).toBeUndefined();
    }
    expect(runIdFromCall({})).toBeUndefined();
  });
});

describe('matchRun', () => {
  const caller = '+16505551234';
  const agentNumber = '+14155550100';
  const run = (id: number, overrides: Partial<CekuraRun> = {}): CekuraRun => ({
    id,
    agent: 42,
    status: 'running',
    inboundNumber: caller,
    agentNumber,
    ...overrides,
  });
  const call = { customer: { number: caller }, phoneNumber: agentNumber };

  it("takes the one run of the agent, active, with the caller's and the agent's digits", () => {
    expect(matchRun([run(1)], 42, call)).toEqual({ kind: 'one', runId: 1 });
    expect(matchRun([run(1, { status: 'In_Progress' })], 42, call)).toEqual({ kind: 'one', runId: 1 });
    expect(matchRun([run(1, { inboundNumber: '+1 (650) 555-1234', agentNumber: '1.415.555.0100' })], 42, call)).toEqual({ kind: 'one', runId: 1 });
  });

  it('refuses another agent, an inactive run, another caller, another agent number or a missing one', () => {
    for (const other of [
      run(1, { agent: 43 }),
      run(1, { agent: undefined }),
      run(1, { status: 'completed' }),
      run(1, { status: 'pending' }),
      run(1, { status: '' }),
      run(1, { inboundNumber: '+16505550000' }),
      run(1, { inboundNumber: undefined }),
      run(1, { agentNumber: '+14155550999' }),
      run(1, { agentNumber: undefined }),
    ]) {
      expect(matchRun([other], 42, call)).toEqual({ kind: 'none' });
    }
  });

  it("ignores the run's agent number when the call has none", () => {
    expect(matchRun([run(1, { agentNumber: undefined })], 42, { customer: { number: caller } })).toEqual({ kind: 'one', runId: 1 });
  });

  it('gives no run when several match, naming them', () => {
    expect(matchRun([run(1), run(2, { status: 'in_progress' }), run(3, { status: 'completed' })], 42, call)).toEqual({ kind: 'several', runIds: [1, 2] });
    // The same run listed twice (pages shifting while read) is one run.
    expect(matchRun([run(1), run(1)], 42, call)).toEqual({ kind: 'one', runId: 1 });
  });
});

describe('fetchAgentRuns against the runs API', () => {
  let cekura: FakeCekura;
  beforeEach(async () => {
    cekura = await startFakeCekura();
  });
  afterEach(async () => {
    await cekura.close();
  });

  const runs = (n: number, agent = 42): FakeRun[] =>
    Array.from({ length: n }, (_, i) => ({ id: 100 + i, agent, status: 'running', inbound_number: `+1650555${String(1000 + i)}` }));
  const fetchRuns = (overrides = {}) =>
    fetchAgentRuns(42, { apiBaseUrl: cekura.apiBaseUrl, apiKey: KEY, timeoutMs: 1_000, totalTimeoutMs: 3_000, ...overrides });
  const pages = () => cekura.runRequests.map((r) => new URL(r.path, cekura.apiBaseUrl).searchParams.get('page'));

  it("asks for the agent's runs by 100 with the key, and follows next across pages", async () => {
    cekura.setRuns([...runs(5), ...runs(2, 43)], { pageSize: 2 });
    const result = await fetchRuns();
    expect(result).toEqual({
      ok: true,
      pages: 3,
      truncated: false,
      runs: runs(5).map((r) => ({ id: r.id, agent: 42, status: 'running', inboundNumber: r.inbound_number, agentNumber: undefined })),
    });
    expect(cekura.runRequests[0]!.path).toBe('/test_framework/v1/runs/?agent_id=42&page_size=100');
    expect(pages()).toEqual([null, '2', '3']);
    for (const r of cekura.runRequests) expect(r.headers['x-cekura-api-key']).toBe(KEY);
  });

  it('reads at most 5 pages', async () => {
    cekura.setRuns(runs(12), { pageSize: 2 });
    const result = await fetchRuns();
    expect(cekura.runRequests).toHaveLength(5);
    expect(result).toMatchObject({ ok: true, pages: 5, truncated: true });
    expect(result.ok && result.runs.map((r) => r.id)).toEqual(runs(10).map((r) => r.id));
  });

  it('does not follow next to another origin (the key would go with it)', async () => {
    cekura.setRuns(runs(4), { pageSize: 2, nextOrigin: 'https://elsewhere.example.com' });
    const result = await fetchRuns();
    expect(cekura.runRequests).toHaveLength(1);
    expect(result).toMatchObject({ ok: true, pages: 1, truncated: true });
  });

  it('fails, without the key in the reason, on 401 and 5xx', async () => {
    cekura.setRuns(runs(1), { reply: { status: 401, body: `{"detail":"bad key ${KEY}"}` } });
    const refused = await fetchRuns();
    expect(refused).toEqual({ ok: false, status: 401, reason: 'HTTP 401: {"detail":"bad key [redacted]"}' });
    cekura.setRuns(runs(1), { reply: 503 });
    expect(await fetchRuns()).toMatchObject({ ok: false, status: 503 });
  });

  it('fails on an answer that is not JSON, or has no list of runs', async () => {
    cekura.setRuns([], { reply: { status: 200, body: '<html>maintenance</html>' } });
    expect(await fetchRuns()).toMatchObject({ ok: false, status: 200, reason: expect.stringMatching(/^the answer is not JSON/) });
    cekura.setRuns([], { reply: { status: 200, body: '{"detail":"ok"}' } });
    expect(await fetchRuns()).toMatchObject({ ok: false, reason: expect.stringMatching(/no list of runs/) });
  });

  it('fails when one answer is too slow, and when all pages together are', async () => {
    cekura.setRuns(runs(1), { delayMs: 500 });
    expect(await fetchRuns({ timeoutMs: 100 })).toEqual({ ok: false, status: undefined, reason: 'no answer within 100 ms' });

    // Each page on time, the whole lookup not: page 2 would end at ~200 ms.
    cekura.setRuns(runs(3), { pageSize: 1, delayMs: 100 });
    expect(await fetchRuns({ timeoutMs: 1_000, totalTimeoutMs: 150 })).toEqual({
      ok: false,
      status: undefined,
      reason: 'no complete answer within 150 ms (all pages)',
    });
  });

  it('skips list entries that are not runs', async () => {
    cekura.setRuns([{ id: 'x' as unknown as number, agent: 42, status: 'running' }, ...runs(1)]);
    const result = await fetchRuns();
    expect(result.ok && result.runs.map((r) => r.id)).toEqual([100]);
  });
});

describe('parseApiBaseUrl', () => {
  it('takes https (or http to this machine), without a trailing slash', () => {
    expect(parseApiBaseUrl('https://api.cekura.ai/')).toBe('https://api.cekura.ai');
    expect(parseApiBaseUrl('https://proxy.example.com/cekura')).toBe('https://proxy.example.com/cekura');
    expect(parseApiBaseUrl('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
  });

  it('refuses plain http to the network, a query, and what is not a URL', () => {
    for (const bad of ['http://api.cekura.ai', 'https://api.cekura.ai?x=1', 'api.cekura.ai', '', 42]) expect(() => parseApiBaseUrl(bad)).toThrow(/https URL/);
  });
});

/** A fetch whose answers' bodies count the bytes the reader pulled from them. */
function countingFetch(inner: typeof fetch = fetch) {
  const counter = { bytesRead: 0, inFlight: 0, mostInFlight: 0 };
  const wrapped: typeof fetch = async (input, init) => {
    counter.inFlight += 1;
    counter.mostInFlight = Math.max(counter.mostInFlight, counter.inFlight);
    let response: Response;
    try {
      response = await inner(input, init);
    } catch (error) {
      counter.inFlight -= 1;
      throw error;
    }
    const source = response.body;
    if (!source) {
      counter.inFlight -= 1;
      return response;
    }
    const reader = source.getReader();
    let open = true;
    const close = () => {
      if (open) counter.inFlight -= 1;
      open = false;
    };
    const counted = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) {
          close();
          controller.close();
          return;
        }
        counter.bytesRead += value.byteLength;
        controller.enqueue(value);
      },
      async cancel(reason) {
        close();
        await reader.cancel(reason);
      },
    });
    return new Response(counted, { status: response.status, headers: response.headers });
  };
  return { fetch: wrapped, counter };
}

/** An answer that never ends: 64 KiB chunks of a JSON list of runs, for as long as it is read. */
function bottomlessRunsFetch(): typeof fetch {
  return async () => {
    const chunk = new TextEncoder().encode(`${'{"id":1,"agent":42,"status":"running"},'.repeat(1_600)}`);
    let first = true;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(first ? new TextEncoder().encode('{"results":[') : chunk);
        first = false;
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
  };
}

describe('fetchAgentRuns with large answers (issue 22)', () => {
  let cekura: FakeCekura;
  beforeEach(async () => {
    cekura = await startFakeCekura();
  });
  afterEach(async () => {
    await cekura.close();
  });
  const fetchRuns = (overrides = {}) =>
    fetchAgentRuns(42, { apiBaseUrl: cekura.apiBaseUrl, apiKey: KEY, timeoutMs: 5_000, totalTimeoutMs: 10_000, ...overrides });

  it('reads a page of 200,000 runs without throwing (their spread into push threw a RangeError)', async () => {
    const results = Array.from({ length: 200_000 }, (_, i) => ({ id: i + 1 }));
    cekura.setRuns([], { reply: { status: 200, body: JSON.stringify({ count: results.length, next: null, results }) } });
    const result = await fetchRuns();
    expect(result).toMatchObject({ ok: true, pages: 1, truncated: false });
    expect(result.ok && result.runs.length).toBe(200_000);
  });

  it('stops reading a huge runs page at the cap, from the loopback fake, and fails the lookup naming the cap', async () => {
    const { fetch: counting, counter } = countingFetch();
    // 24 MiB of runs, six times the 4 MiB cap.
    const run = '{"id":7,"agent":42,"status":"running","inbound_number":"+16505551234"},';
    const body = `{"count":1,"next":null,"results":[${run.repeat(Math.ceil((24 * 1024 * 1024) / run.length))}{"id":8}]}`;
    cekura.setRuns([], { reply: { status: 200, body } });
    const result = await fetchRuns({ fetch: counting });
    expect(result).toEqual({ ok: false, status: 200, reason: `the answer is larger than ${RUN_LOOKUP_DEFAULTS.maxPageBytes} bytes: not read further` });
    expect(counter.bytesRead).toBeLessThan(RUN_LOOKUP_DEFAULTS.maxPageBytes + 1024 * 1024);
  });

  it('stops reading an answer that never ends, and keeps the pages read before it', async () => {
    const { fetch: counting, counter } = countingFetch(bottomlessRunsFetch());
    expect(await fetchRuns({ fetch: counting, maxPageBytes: 1024 * 1024 })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('larger than 1048576 bytes'),
    });
    expect(counter.bytesRead).toBeLessThan(1024 * 1024 + 128 * 1024);

    // Page 1 is read; page 2 never ends: the lookup keeps page 1's runs, truncated.
    cekura.setRuns(
      Array.from({ length: 3 }, (_, i) => ({ id: 300 + i, agent: 42, status: 'running', inbound_number: '+16505551234' })),
      { pageSize: 1 },
    );
    const bottomless = bottomlessRunsFetch();
    const secondPageBottomless: typeof fetch = (input, init) => (String(input).includes('page=2') ? bottomless(input, init) : fetch(input, init));
    const result = await fetchRuns({ fetch: secondPageBottomless, maxPageBytes: 1024 * 1024 });
    expect(result).toMatchObject({ ok: true, pages: 1, truncated: true });
    expect(result.ok && result.runs.map((r) => r.id)).toEqual([300]);
  });
});

describe('RunLookupCache (issue 22)', () => {
  let cekura: FakeCekura;
  beforeEach(async () => {
    cekura = await startFakeCekura();
    cekura.setRuns([
      { id: 501, agent: 42, status: 'running', inbound_number: '+16505551234' },
      ...[43, 44, 45, 46, 47, 48].map((agent) => ({ id: agent * 10, agent, status: 'running' })),
    ]);
  });
  afterEach(async () => {
    await cekura.close();
  });
  const options = (overrides = {}) => ({ apiBaseUrl: cekura.apiBaseUrl, apiKey: KEY, timeoutMs: 5_000, totalTimeoutMs: 10_000, ...overrides });

  it("reuses an agent's lookup for calls that started before it (by the clock margin), for ttlMs", async () => {
    let now = Date.parse('2026-12-04T12:00:00Z');
    const cache = new RunLookupCache({ ttlMs: 30_000, clockMarginMs: 60_000, now: () => now });
    const startedLongAgo = now - 5 * 60_000;
    expect(await cache.lookup(42, options(), startedLongAgo)).toMatchObject({ ok: true, runs: [{ id: 501 }] });
    now += 10_000;
    await cache.lookup(42, options(), startedLongAgo);
    expect(cekura.runRequests).toHaveLength(1);
    // Another agent, another key: their own lookups.
    await cache.lookup(43, options(), startedLongAgo);
    await cache.lookup(42, options({ apiKey: 'another-key' }), startedLongAgo);
    expect(cekura.runRequests).toHaveLength(3);
    // A call that started less than the margin before the cached lookup: its run may be newer than the list.
    await cache.lookup(42, options(), now - 10_000 - 59_000);
    expect(cekura.runRequests).toHaveLength(4);
    // Past ttlMs: asked again.
    now += 30_000;
    await cache.lookup(42, options(), startedLongAgo);
    expect(cekura.runRequests).toHaveLength(5);
  });

  it('does not keep a failed lookup', async () => {
    const cache = new RunLookupCache();
    cekura.setRuns([], { reply: 503 });
    expect(await cache.lookup(42, options(), 0)).toMatchObject({ ok: false, status: 503 });
    cekura.setRuns([{ id: 9, agent: 42, status: 'running' }]);
    expect(await cache.lookup(42, options(), 0)).toMatchObject({ ok: true, runs: [{ id: 9 }] });
    expect(cekura.runRequests).toHaveLength(2);
  });

  it('runs at most maxConcurrent lookups at once; a lookup that waits past its budget fails, never throws', async () => {
    cekura.setRuns([{ id: 1, agent: 42, status: 'running' }, ...[43, 44, 45, 46, 47, 48].map((agent) => ({ id: agent, agent, status: 'running' }))], {
      delayMs: 100,
    });
    const { fetch: counting, counter } = countingFetch();
    const cache = new RunLookupCache({ maxConcurrent: 2 });
    const results = await Promise.all([42, 43, 44, 45, 46, 47, 48].map((agent) => cache.lookup(agent, options({ fetch: counting }), 0)));
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true, true, true, true]);
    expect(counter.mostInFlight).toBe(2);

    // One slot, held by a lookup that never gets an answer: the next gives up when its budget is spent.
    cekura.setRuns([], { reply: 'timeout' });
    const single = new RunLookupCache({ maxConcurrent: 1, ttlMs: 0 });
    const hung = single.lookup(42, options({ timeoutMs: 400, totalTimeoutMs: 2_000 }), 0);
    const waiting = single.lookup(43, options({ timeoutMs: 100, totalTimeoutMs: 100 }), 0);
    expect(await waiting).toEqual({ ok: false, status: undefined, reason: 'no lookup slot free within 100 ms (1 lookups at a time)' });
    expect(await hung).toMatchObject({ ok: false, reason: 'no answer within 400 ms' });
  });
});
