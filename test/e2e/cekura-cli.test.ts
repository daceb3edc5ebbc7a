/**
 * `npm run cekura -- push` end to end: calls ingested into the local server over HTTP, the command
 * run as a child process, and what a fake Cekura (webhook and runs API, on loopback) received.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CallInput } from '../../lib/call';
import { progressWriter } from '../../scripts/cekura';
import { type FakeCekura, startFakeCekura } from '../support/fake-cekura';
import { sampleCall } from '../support/fixtures';
import { useLocalApp } from '../support/local-app';

const ROOT = join(__dirname, '..', '..');
const CEKURA_KEY = 'ck_cli_SECRET_31337';
const READ_KEY = 'cli-read-key';
const INGEST_KEY = 'cli-ingest-key';
const FROM = '2025-03-01T00:00:00Z';
const TO = '2025-03-02T00:00:00Z';

const AGENT_NUMBER = '+14155550100'; // → agent 201
const SUPPORT_NUMBER = '+14155550102'; // → agent 200

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cekuraCli(args: string[], env: Record<string, string>): Promise<Run> {
  return promisify(execFile)('npx', ['tsx', 'scripts/cekura.ts', ...args], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

const call = (id: string, minute: number, overrides: Partial<CallInput> = {}) =>
  sampleCall({ id, ...overrides }, `2025-03-01T10:${String(minute).padStart(2, '0')}:00.000Z`);
type Sent = { id: string; run_id?: number; from_phone_number: string; to_phone_number?: string };

describe('npm run cekura -- push', () => {
  const local = useLocalApp({ READ_API_KEYS: READ_KEY, INGEST_API_KEYS: INGEST_KEY, RETENTION_DAYS: '36500' });
  let cekura: FakeCekura;
  let env: Record<string, string>;

  beforeAll(async () => {
    cekura = await startFakeCekura();
    env = {
      ADAPTER_READ_KEY: READ_KEY,
      CEKURA_AGENTS: JSON.stringify({ [AGENT_NUMBER]: 201, [SUPPORT_NUMBER]: 200 }),
      CEKURA_API_KEY: CEKURA_KEY,
      CEKURA_WEBHOOK_URL: cekura.url,
      CEKURA_API_BASE_URL: cekura.apiBaseUrl,
    };
    const calls = [
      call('c-mapped', 1, { phoneNumber: AGENT_NUMBER }),
      call('c-pooled', 2, { phoneNumber: SUPPORT_NUMBER, customer: { number: '+16505550001' } }),
      call('c-own', 3, { agent_id: 202, run_id: 77 }),
      call('c-meta', 4, { phoneNumber: SUPPORT_NUMBER, metadata: { cekura_run_id: '78' } }),
      call('c-lost', 5, { phoneNumber: '+14155550199' }),
      call('c-refused', 6, { phoneNumber: AGENT_NUMBER, customer: { number: '+16505559999' } }),
      sampleCall({ id: 'c-outside' }, '2025-03-05T10:00:00.000Z'),
    ];
    const response = await fetch(`${local.app.url}/calls`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(calls),
    });
    expect(response.status).toBe(200);
  });
  afterAll(async () => {
    await cekura.close();
  });
  beforeEach(() => {
    cekura.requests.length = 0;
    cekura.runRequests.length = 0;
    cekura.respondWith(undefined);
    // One run per page: the lookups must follow `next`.
    cekura.setRuns(
      [
        { id: 9000, agent: 201, status: 'completed', inbound_number: '+16505551234', agent_number: AGENT_NUMBER },
        { id: 9001, agent: 201, status: 'running', inbound_number: '+1 (650) 555-1234', agent_number: '+1 415 555 0100' },
        { id: 9100, agent: 200, status: 'running', inbound_number: '+16505550001', agent_number: SUPPORT_NUMBER },
        { id: 9101, agent: 200, status: 'in_progress', inbound_number: '+16505550001', agent_number: SUPPORT_NUMBER },
      ],
      { pageSize: 1 },
    );
  });

  it("pushes the window's calls per agent with their runs, reports each call, and exits 1 when Cekura refused one", async () => {
    cekura.respondWith((r) => (r.json.calls.some((c: Sent) => c.id === 'c-refused') ? { status: 400, body: '{"detail":"Invalid call"}' } : 200));
    const run = await cekuraCli(['push', '--url', local.app.url, '--from', FROM, '--to', TO, '--page-size', '2'], env);
    expect(run.code).toBe(1);

    // What Cekura received: one POST per agent (agent 201's refused batch re-sent call by call).
    const posts = cekura.requests.map((r) => [r.json.agent_id, r.json.calls.map((c: Sent) => [c.id, c.run_id ?? null])]);
    expect(posts).toEqual(
      expect.arrayContaining([
        [
          201,
          [
            ['c-mapped', 9001],
            ['c-refused', null],
          ],
        ],
        [201, [['c-mapped', 9001]]],
        [201, [['c-refused', null]]],
        [
          200,
          [
            ['c-pooled', null],
            ['c-meta', 78],
          ],
        ],
        [202, [['c-own', 77]]],
      ]),
    );
    expect(cekura.requests).toHaveLength(5);
    for (const r of cekura.requests) expect(r.headers['x-cekura-api-key']).toBe(CEKURA_KEY);
    const mapped = cekura.requests[0]!.json.calls.find((c: Sent) => c.id === 'c-mapped');
    expect(mapped).toMatchObject({ from_phone_number: '+16505551234', to_phone_number: AGENT_NUMBER });
    // Agents 201 and 200 looked up once each, two pages each; agent 202's call had its run.
    const lookups = cekura.runRequests.map((r) => new URL(r.path, cekura.apiBaseUrl).searchParams);
    expect(lookups.map((q) => `${q.get('agent_id')}:${q.get('page') ?? 1}`).sort()).toEqual(['200:1', '200:2', '201:1', '201:2']);

    expect(run.stdout).toContain('sent 4, skipped 0, unrouted 1, failed 1');
    const lines = run.stdout.split('\n').map((l) => l.trim().replace(/\s+/g, ' '));
    expect(lines).toEqual(
      expect.arrayContaining([
        'sent c-mapped agent 201 (by its agent number) run 9001 (looked up) -> test-run webhook',
        'sent c-pooled agent 200 (by its agent number) no run (several active runs match: 9100, 9101) -> test-run webhook',
        "sent c-own agent 202 (the call's agent_id) run 77 (the call's run_id) -> test-run webhook",
        'sent c-meta agent 200 (by its agent number) run 78 (metadata.cekura_run_id) -> test-run webhook',
        'unrouted c-lost no agent: no agent_id, agent number +14155550199 not in CEKURA_AGENTS, and no default agent (CEKURA_AGENT_ID)',
        'failed c-refused agent 201 (by its agent number) no run (no active run matches) -> test-run webhook HTTP 400: {"detail":"Invalid call"}',
      ]),
    );
    expect(run.stdout).not.toContain('c-outside');
    // Not a terminal: plain progress lines on stderr.
    expect(run.stderr).toContain('pushed 6/6 calls');
    expect(run.stderr).toMatch(/read 6 calls \(3 pages\)/);
    expect(`${run.stdout}${run.stderr}`).not.toContain(CEKURA_KEY);
  });

  it('--dry-run prints what would be sent and sends nothing', async () => {
    const run = await cekuraCli(
      ['push', '--url', `${local.app.url}/calls`, '--key', READ_KEY, '--from', FROM, '--to', TO, '--number', '+16505550001', '--dry-run'],
      { ...env, ADAPTER_READ_KEY: '' },
    );
    expect(run.code).toBe(0);
    expect(cekura.requests).toHaveLength(0);
    expect(run.stdout).toContain('dry run: would send 1, skipped 0, unrouted 0, failed 0');
    expect(run.stdout).toMatch(/POST agent_id=200: 1 call, \d+ bytes/);
    expect(run.stdout).toMatch(
      /would\s+c-pooled {2}agent 200 \(by its agent number\) {2}no run \(several active runs match: 9100, 9101\) {2}-> test-run webhook {2}from \+16505550001 to \+14155550102, 4 messages/,
    );
  });

  it('pushes without run ids when the runs API refuses the key, and says why on stderr without the key', async () => {
    cekura.setRuns([], { reply: { status: 401, body: '{"detail":"Invalid API key"}' } });
    const run = await cekuraCli(['push', '--url', local.app.url, '--from', FROM, '--to', TO, '--number', '+16505551234'], env);
    expect(run.code).toBe(0);
    const sent = cekura.requests.flatMap((r) => r.json.calls.map((c: Sent) => [c.id, c.run_id ?? null]));
    // Calls that carry their run need no lookup.
    expect(sent.sort()).toEqual([
      ['c-mapped', null],
      ['c-meta', 78],
      ['c-own', 77],
    ]);
    expect(run.stdout).toMatch(/sent\s+c-mapped {2}agent 201 \(by its agent number\) {2}no run \(run lookup failed, see the log\)/);
    expect(run.stderr).toMatch(/cekura run lookup failed[^\n]*"status":401/);
    expect(run.stderr).not.toContain(CEKURA_KEY);
  });

  it('with CEKURA_OBSERVE=on, sends the call no test run matches to Observe and says which way each call went', async () => {
    cekura.observeRequests.length = 0;
    const run = await cekuraCli(['push', '--url', local.app.url, '--from', FROM, '--to', TO], {
      ...env,
      CEKURA_OBSERVE: 'on',
      CEKURA_REDACT_FIELDS: 'phone_number',
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Cekura: 2 agent numbers mapped; run lookup on; production calls (no test run) to Observe');
    expect(run.stdout).toContain('sent 5, skipped 0, unrouted 1, failed 0');
    const lines = run.stdout.split('\n').map((l) => l.trim().replace(/\s+/g, ' '));
    expect(lines).toEqual(
      expect.arrayContaining([
        'sent c-mapped agent 201 (by its agent number) run 9001 (looked up) -> test-run webhook (a test call)',
        'sent c-pooled agent 200 (by its agent number) no run (several active runs match: 9100, 9101) -> test-run webhook (a test call: several active runs match)',
        'sent c-refused agent 201 (by its agent number) no run (no active run matches) -> Observe (production: no test run)',
      ]),
    );
    const webhookIds = cekura.requests.flatMap((r) => r.json.calls.map((c: Sent) => c.id)).sort();
    expect(webhookIds).toEqual(['c-mapped', 'c-meta', 'c-own', 'c-pooled']);
    expect(cekura.observeRequests).toHaveLength(1);
    expect(cekura.observeRequests[0]!.json).toMatchObject({
      call_id: 'c-refused',
      agent: 201,
      transcript_type: 'cekura',
      customer_number: '+16505559999',
      redact_fields: ['phone_number'],
      transcript_json: expect.arrayContaining([expect.objectContaining({ role: 'Main Agent' }), expect.objectContaining({ role: 'Testing Agent' })]),
    });
    expect(`${run.stdout}${run.stderr}`).not.toContain(CEKURA_KEY);
  });

  it('refuses bad usage and missing settings with exit code 2, naming what is missing', async () => {
    const noKey = await cekuraCli(['push', '--url', local.app.url, '--from', FROM, '--to', TO], { ...env, CEKURA_API_KEY: '' });
    expect([noKey.code, noKey.stderr]).toEqual([2, expect.stringContaining('Set CEKURA_API_KEY')]);
    const badAgents = await cekuraCli(['push', '--url', local.app.url, '--from', FROM, '--to', TO], { ...env, CEKURA_AGENTS: '{"+14155550100": "201"}' });
    expect([badAgents.code, badAgents.stderr]).toEqual([
      2,
      expect.stringContaining('CEKURA_AGENTS["+14155550100"]: the Cekura agent id must be a positive integer'),
    ]);
    const badDate = await cekuraCli(['push', '--url', local.app.url, '--from', 'yesterday', '--to', TO], env);
    expect([badDate.code, badDate.stderr]).toEqual([2, expect.stringContaining('--from must be an ISO 8601 instant')]);
    expect(cekura.requests).toHaveLength(0);
  });
});

describe('progress on stderr', () => {
  const record = (isTTY: boolean) => {
    const written: string[] = [];
    return { written, progress: progressWriter({ isTTY, write: (text: string) => written.push(text) }) };
  };

  it('redraws one line with a bar on a terminal, ending it once done', () => {
    const tty = record(true);
    tty.progress('pushed 1/4 calls', false, { done: 1, total: 4 });
    tty.progress('pushed 4/4 calls', true, { done: 4, total: 4 });
    expect(tty.written).toEqual([`\r\x1b[K[${'#'.repeat(8)}${'.'.repeat(22)}] pushed 1/4 calls`, `\r\x1b[K[${'#'.repeat(30)}] pushed 4/4 calls\n`]);
  });

  it('writes plain lines to a pipe or a file', () => {
    const pipe = record(false);
    pipe.progress('pushed 1/4 calls', false, { done: 1, total: 4 });
    expect(pipe.written).toEqual(['pushed 1/4 calls\n']);
  });
});
