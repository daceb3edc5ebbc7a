/**
 * `npm run verify` end to end: against the local server (which must pass), and against a small
 * HTTP server answering the mistakes Cekura integrations make (each must be named).
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type VerifyReport, verifyEndpoint } from '../../lib/verify/run';
import { main } from '../../scripts/verify';
import { sampleCall } from '../support/fixtures';
import { useLocalApp } from '../support/local-app';

const READ_KEY = 'verify-read-key';
const INGEST_KEY = 'verify-ingest-key';
const NUMBER = '+16505551234';

const statusOf = (report: VerifyReport) => Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
const detailsOf = (report: VerifyReport, id: string) => report.checks.find((c) => c.id === id)?.details ?? [];

describe('verify against the local server', () => {
  const local = useLocalApp({ READ_API_KEYS: READ_KEY, INGEST_API_KEYS: INGEST_KEY });

  beforeAll(async () => {
    const startedAt = new Date(Date.now() - 5 * 60_000).toISOString();
    const stored = await fetch(`${local.app.url}/calls`, {
      method: 'POST',
      headers: { authorization: INGEST_KEY, 'content-type': 'application/json' },
      body: JSON.stringify([sampleCall({ id: 'v-1' }, startedAt), sampleCall({ id: 'v-2', customer: { number: '+14155550000' } }, startedAt)]),
    });
    expect(stored.status).toBe(200);
  });

  it('passes every check, the number included', async () => {
    const report = await verifyEndpoint({ url: `${local.app.url}/calls`, key: READ_KEY, number: NUMBER });
    expect(statusOf(report)).toEqual({
      https: 'warn',
      reachable: 'pass',
      auth: 'pass',
      shape: 'pass',
      schema: 'pass',
      number: 'pass',
      times: 'pass',
      tools: 'pass',
      clock: 'pass',
    });
    expect(report.ok).toBe(true);
    expect(JSON.stringify(report)).not.toContain(READ_KEY);
  });

  it('given the base URL (the stack ApiUrl), checks its /calls: no false "anyone can read these calls" from the viewer page', async () => {
    const lines: string[] = [];
    expect(await main(['--url', `${local.app.url}/`, '--key', READ_KEY, '--number', NUMBER], {}, (t) => lines.push(t))).toBe(0);
    expect(lines.join('\n')).toContain(`Verifying ${local.app.url}/calls for ${NUMBER}`);
    expect(lines.join('\n')).not.toContain('anyone can read');
  });

  it('fails a number with no call, and a key that is not the read key', async () => {
    const missing = await verifyEndpoint({ url: `${local.app.url}/calls`, key: READ_KEY, number: '+442079460958' });
    expect([missing.ok, statusOf(missing).number]).toEqual([false, 'fail']);
    const ingest = await verifyEndpoint({ url: `${local.app.url}/calls`, key: INGEST_KEY });
    expect(statusOf(ingest)).toMatchObject({ auth: 'fail', shape: 'fail', schema: 'skip' });
  });

  it('runs as `npm run verify` (tsx scripts/verify.ts) with --json and an exit code for CI', async () => {
    const run = promisify(execFile);
    const tsx = require.resolve('tsx/cli');
    const { stdout } = await run(
      process.execPath,
      [tsx, 'scripts/verify.ts', '--url', `${local.app.url}/calls`, '--key', READ_KEY, '--number', NUMBER, '--json'],
      { cwd: join(__dirname, '..', '..') },
    );
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, counts: { fail: 0 } });
    const failing = await run(process.execPath, [tsx, 'scripts/verify.ts', '--url', `${local.app.url}/calls`, '--key', 'nope'], {
      cwd: join(__dirname, '..', '..'),
    }).catch((error: { code: number; stdout: string }) => error);
    expect((failing as { code: number }).code).toBe(1);
    expect((failing as { stdout: string }).stdout).toMatch(/^FAIL {2}auth/m);
  });
});

describe('`VERIFY_API_KEY=… npm run -s verify -- --json`, as the README gives it', () => {
  const local = useLocalApp({ READ_API_KEYS: READ_KEY, INGEST_API_KEYS: INGEST_KEY });

  it('prints JSON alone (ready for jq), never the key, and takes the key from the environment', async () => {
    const run = promisify(execFile);
    const { stdout, stderr } = await run('npm', ['run', '-s', 'verify', '--', '--url', `${local.app.url}/calls`, '--json'], {
      cwd: join(__dirname, '..', '..'),
      env: { ...process.env, VERIFY_API_KEY: READ_KEY },
    });
    // The whole of stdout is one JSON document: no npm banner before it, nothing after it.
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, counts: { fail: 0 } });
    expect(stdout.trimStart().startsWith('{')).toBe(true);
    expect(`${stdout}${stderr}`).not.toContain(READ_KEY);
  });
});

/** A server that gets one thing wrong per path. */
function brokenServer(): Promise<{ url: string; server: Server }> {
  const start = Date.parse('2025-01-01T10:00:00.000Z');
  const call = JSON.parse(JSON.stringify(sampleCall({}, new Date(start).toISOString()))) as ReturnType<typeof sampleCall>;
  const epochMs = { ...call, messages: call.messages.map((m) => ({ ...m, start_time: start + m.start_time * 1000, end_time: start + m.end_time * 1000 })) };
  const authorised = (header: string | undefined, bearerToo = true) => header === READ_KEY || (bearerToo && header === `Bearer ${READ_KEY}`);
  const server = createServer((req, res) => {
    const json = (status: number, body: unknown, type = 'application/json') => res.writeHead(status, { 'content-type': type }).end(JSON.stringify(body));
    const auth = req.headers.authorization;
    switch (req.url) {
      case '/envelope':
        return authorised(auth) ? json(200, { calls: [call], total: 1 }) : json(401, { error: 'no' });
      case '/epoch-ms':
        return authorised(auth) ? json(200, [epochMs]) : json(401, { error: 'no' });
      case '/open':
        return json(200, [call]);
      case '/text':
        return authorised(auth) ? json(200, [call], 'text/plain') : json(401, { error: 'no' });
      case '/raw-only':
        return authorised(auth, false) ? json(200, [call]) : json(401, { error: 'no' });
      default:
        return json(404, { error: 'not found' });
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

describe('verify names what a broken endpoint gets wrong', () => {
  let broken: { url: string; server: Server };
  beforeAll(async () => {
    broken = await brokenServer();
  });
  afterAll(async () => {
    broken.server.closeAllConnections();
    await new Promise((resolve) => broken.server.close(resolve));
  });
  const verify = (path: string, number?: string) => verifyEndpoint({ url: `${broken.url}${path}`, key: READ_KEY, number });

  it('an envelope object instead of a bare array', async () => {
    const report = await verify('/envelope', NUMBER);
    expect(statusOf(report)).toMatchObject({ auth: 'pass', shape: 'fail', schema: 'skip', number: 'skip', times: 'skip' });
    expect(detailsOf(report, 'shape')).toEqual([expect.stringContaining('an envelope object (calls under "calls")')]);
  });

  it('message times in epoch milliseconds', async () => {
    const report = await verify('/epoch-ms', NUMBER);
    expect(statusOf(report)).toMatchObject({ shape: 'pass', schema: 'pass', number: 'pass', times: 'fail' });
    expect(detailsOf(report, 'times')[0]).toMatch(/^call "call-1": \[0\]\.messages\[0\]\.start_time is 1735725601500: looks like epoch milliseconds/);
  });

  it('a wrong key, and no key, served', async () => {
    const report = await verify('/open');
    expect(statusOf(report).auth).toBe('fail');
    expect(detailsOf(report, 'auth')).toEqual([expect.stringContaining('a wrong key was served (200)'), expect.stringContaining('without a key was served')]);
  });

  it('text/plain instead of application/json', async () => {
    const report = await verify('/text');
    expect(detailsOf(report, 'shape')).toEqual([expect.stringContaining('Content-Type is "text/plain", not application/json')]);
  });

  it('a Bearer key refused', async () => {
    const report = await verify('/raw-only');
    expect(detailsOf(report, 'auth')).toEqual([expect.stringContaining('as Bearer')]);
  });

  it('an endpoint that does not answer, through the CLI entry point', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const lines: string[] = [];
    const code = await main(['--url', `http://127.0.0.1:${port}/calls`, '--key', READ_KEY], {}, (t) => lines.push(t));
    expect(code).toBe(1);
    expect(lines.join('\n')).toMatch(/FAIL {2}reachable[\s\S]*no answer: ECONNREFUSED/);
    expect(await main(['--url', broken.url], {}, () => undefined)).toBe(2);
  });
});
