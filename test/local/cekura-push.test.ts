/** Local mode pushes each ingested call to Cekura (a loopback stand-in) without delaying or failing the ingest. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type LocalApp, startLocalApp } from '../../local/app';
import { uniqueTableName } from '../support/dynamo';
import { captureOutput, type FakeCekura, startFakeCekura } from '../support/fake-cekura';
import { sampleCall } from '../support/fixtures';

const INGEST_KEY = 'local-push-ingest-key';
const CEKURA_KEY = 'ck_local_SECRET_5555';

let cekura: FakeCekura;
let app: LocalApp | undefined;
let dataDir: string;
let logs: ReturnType<typeof captureOutput>;

beforeEach(async () => {
  logs = captureOutput();
  cekura = await startFakeCekura();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cekura-push-'));
});
afterEach(async () => {
  await app?.stop();
  app = undefined;
  await cekura.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  logs.restore();
});

async function start(env: Record<string, string> = {}, onNotice?: (line: string) => void): Promise<LocalApp> {
  app = await startLocalApp({
    port: 0,
    dataDir,
    onNotice,
    env: {
      DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT,
      TABLE_NAME: uniqueTableName('cekura-push'),
      INGEST_API_KEYS: INGEST_KEY,
      READ_API_KEYS: 'local-push-read-key',
      CEKURA_AGENT_ID: '77',
      CEKURA_API_KEY: CEKURA_KEY,
      CEKURA_WEBHOOK_URL: cekura.url,
      CEKURA_API_BASE_URL: cekura.apiBaseUrl,
      ...env,
    },
  });
  return app;
}

const post = (local: LocalApp, body: unknown) =>
  fetch(`${local.url}/calls`, {
    method: 'POST',
    headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const recent = (id: string, overrides: Parameters<typeof sampleCall>[0] = {}) =>
  sampleCall({ id, ...overrides }, new Date(Date.now() - 3 * 60_000).toISOString());

describe('local push to Cekura', () => {
  it('pushes each stored call after the ingest answered, even while Cekura hangs', async () => {
    const local = await start();
    cekura.script('timeout');
    const started = Date.now();
    const response = await post(local, { calls: [recent('local-1'), recent('local-2')] });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ stored: 2, ids: ['local-1', 'local-2'] });
    expect(Date.now() - started).toBeLessThan(5_000);

    await cekura.waitFor(1);
    const [request] = cekura.requests;
    expect(request!.headers['x-cekura-api-key']).toBe(CEKURA_KEY);
    expect(request!.json.agent_id).toBe(77);
    expect(request!.json.calls.map((c: { id: string }) => c.id)).toEqual(['local-1', 'local-2']);
    // stop() does not wait out the hanging request's timeout and retries.
    const stopping = Date.now();
    await local.stop();
    app = undefined;
    expect(Date.now() - stopping).toBeLessThan(5_000);
  });

  it('answers the ingest normally when Cekura refuses, and logs the refusal without the key', async () => {
    const local = await start();
    cekura.script({ status: 400, body: '{"detail":"agent not found"}' });
    const response = await post(local, recent('local-3'));
    expect(response.status).toBe(200);
    await cekura.waitFor(1);
    for (let i = 0; i < 100 && !logs.text().includes('agent not found'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(logs.text()).toContain('agent not found');
    expect(logs.text()).not.toContain(CEKURA_KEY);
  });

  it('does not push without CEKURA_AGENT_ID, and refuses an agent id without a key', async () => {
    const local = await start({ CEKURA_AGENT_ID: '' });
    expect((await post(local, recent('local-4'))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect(cekura.requests).toHaveLength(0);
    await expect(start({ CEKURA_API_KEY: '' })).rejects.toThrow(/CEKURA_API_KEY/);
  });

  it('routes calls by CEKURA_AGENTS and sends each with the run found for it, and says so at startup', async () => {
    const notices: string[] = [];
    cekura.setRuns([{ id: 4001, agent: 88, status: 'running', inbound_number: '+1 (650) 555-1234', agent_number: '+14155550100' }]);
    const local = await start({ CEKURA_AGENT_ID: '', CEKURA_AGENTS: '{"+14155550100": 88}' }, (line) => notices.push(line));
    expect(notices).toContain('Pushing stored calls to Cekura (1 agent number mapped; run lookup on)');
    const response = await post(local, { calls: [recent('routed', { phoneNumber: '+1 415 555 0100' }), recent('lost', { phoneNumber: '+14155550199' })] });
    expect(response.status).toBe(200);
    await cekura.waitFor(1);
    await local.stop();
    app = undefined;
    expect(cekura.requests).toHaveLength(1);
    expect(cekura.requests[0]!.json).toMatchObject({
      agent_id: 88,
      calls: [{ id: 'routed', run_id: 4001, from_phone_number: '+16505551234', to_phone_number: '+14155550100' }],
    });
    expect(cekura.runRequests.map((r) => r.path)).toEqual(['/test_framework/v1/runs/?agent_id=88&page_size=100']);
    expect(logs.text()).toMatch(/calls without an agent[^\n]*"callsWithoutAgent":1/);
  });

  it('refuses to start with a malformed CEKURA_AGENTS, or CEKURA_PUSH=on without a key', async () => {
    await expect(start({ CEKURA_AGENTS: '{"+14155550100": "88"}' })).rejects.toThrow(
      'CEKURA_AGENTS["+14155550100"]: the Cekura agent id must be a positive integer',
    );
    await expect(start({ CEKURA_AGENT_ID: '', CEKURA_PUSH: 'on', CEKURA_API_KEY: '' })).rejects.toThrow(/CEKURA_API_KEY is not set/);
  });
});
