/**
 * `npm run smoke` (issue 14): against the local server, passing and failing; the `--stack` form with
 * stand-in AWS clients (CloudFormation outputs, Secrets Manager keys, the dead-letter queue's depth).
 */
import { execFile } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SMOKE_NUMBER } from '../../lib/operations/smoke';
import { main, mapStackOutputs, newestKey, type StackClients, type StackOutput } from '../../scripts/smoke';
import { useLocalApp } from '../support/local-app';

const ROOT = join(__dirname, '..', '..');
const READ_KEY = 'smoke-read-key-0123456789';
const INGEST_KEY = 'smoke-ingest-key-0123456789';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run -s smoke -- …` as a user runs it, the keys in the environment. */
async function npmSmoke(args: string[], env: Record<string, string>): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(SMOKE_|READ_KEY|INGEST_KEY)/.test(name)));
  return promisify(execFile)('npm', ['run', '-s', 'smoke', '--', ...args], { cwd: ROOT, env: { ...clean, ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

/** Each check's status, by id, from the printed lines. */
const statuses = (stdout: string) =>
  Object.fromEntries(
    stdout
      .trimEnd()
      .split('\n')
      .filter((line) => /^(PASS|FAIL|SKIP) /.test(line))
      .map((line) => {
        const [, status, id] = /^(\w+) +(.+?) {2}/.exec(line)!;
        return [id!.trim(), status!];
      }),
  );

/**
 * A proxy in front of the local server that can misbehave: answer 404 to `GET /` (no viewer page),
 * or serve a stored call with one message dropped.
 */
function proxy(target: () => string, mode: { noViewer?: boolean; dropMessage?: boolean }): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (mode.noViewer && req.method === 'GET' && req.url === '/') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"not_found","message":"No such route."}}');
      return;
    }
    const upstream = new URL(req.url ?? '/', target());
    const forward = httpRequest(upstream, { method: req.method, headers: { ...req.headers, host: upstream.host } }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        let body = Buffer.concat(chunks).toString('utf8');
        if (mode.dropMessage && req.method === 'GET' && req.url?.startsWith('/calls') && answer.statusCode === 200) {
          body = JSON.stringify((JSON.parse(body) as Array<{ messages: unknown[] }>).map((call) => ({ ...call, messages: call.messages.slice(1) })));
        }
        const headers = { ...answer.headers };
        delete headers['content-length'];
        res.writeHead(answer.statusCode ?? 502, headers).end(body);
      });
    });
    req.pipe(forward);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })));
}

describe('npm run smoke against the local server', () => {
  const local = useLocalApp({ READ_API_KEYS: READ_KEY, INGEST_API_KEYS: INGEST_KEY });
  const keysEnv = () => ({ SMOKE_READ_KEY: READ_KEY, SMOKE_INGEST_KEY: INGEST_KEY });
  /** What the local server still serves under the reserved number (the smoke call must not stay). */
  const leftOver = async () => {
    const response = await fetch(`${local.app.url}/calls?number=${encodeURIComponent(SMOKE_NUMBER)}`, { headers: { authorization: READ_KEY } });
    return (await response.json()) as unknown[];
  };

  it('passes every check with one line each, skips the dead-letter queue, prints no key, leaves nothing stored, and exits 0', async () => {
    const run = await npmSmoke(['--url', local.app.url], keysEnv());
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(statuses(run.stdout)).toEqual({
      openapi: 'PASS',
      auth: 'PASS',
      store: 'PASS',
      'read /calls?number=': 'PASS',
      'read /calls/{number}': 'PASS',
      erase: 'PASS',
      viewer: 'PASS',
      'dead-letter queue': 'SKIP',
    });
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(9);
    expect(run.stdout).toMatch(/^smoke: 7 passed, 0 failed, 1 skipped: OK$/m);
    expect(run.stdout).not.toContain(READ_KEY);
    expect(run.stdout).not.toContain(INGEST_KEY);
    expect(await leftOver()).toEqual([]);
  });

  it('takes the URL with /calls as well as without (the same checks pass)', async () => {
    const out: string[] = [];
    expect(await main(['--url', `${local.app.url}/calls/`], keysEnv(), { out: (text) => out.push(text), settleMs: 0 })).toBe(0);
    expect(out.join('\n')).toMatch(/^smoke: 7 passed, 0 failed, 1 skipped: OK$/m);
    expect(await leftOver()).toEqual([]);
  });

  it('fails with exit 1 when the ingest key is wrong, and skips what needs a stored call', async () => {
    const run = await npmSmoke(['--url', local.app.url], { ...keysEnv(), SMOKE_INGEST_KEY: 'not-the-ingest-key' });
    expect(run.code).toBe(1);
    expect(statuses(run.stdout)).toMatchObject({ store: 'FAIL', 'read /calls?number=': 'SKIP', 'read /calls/{number}': 'SKIP', erase: 'SKIP' });
    expect(run.stdout).toMatch(/^FAIL +store +POST \/calls answered 401/m);
    expect(run.stdout).toMatch(/: FAILED$/m);
    expect(run.stdout).not.toContain('not-the-ingest-key');
  });

  it('fails when the read key is wrong, and still erases the call it stored', async () => {
    const run = await npmSmoke(['--url', local.app.url], { ...keysEnv(), SMOKE_READ_KEY: 'not-the-read-key' });
    expect(run.code).toBe(1);
    expect(statuses(run.stdout)).toMatchObject({ store: 'PASS', 'read /calls?number=': 'FAIL', 'read /calls/{number}': 'FAIL' });
    expect(await leftOver()).toEqual([]);
  });

  it('fails a read that serves the call differently, and skips the viewer where GET / is a 404', async () => {
    const { url, server } = await proxy(() => local.app.url, { noViewer: true, dropMessage: true });
    try {
      const out: string[] = [];
      const code = await main(['--url', url], keysEnv(), { out: (text) => out.push(text), settleMs: 0 });
      expect(code).toBe(1);
      expect(statuses(out.join('\n'))).toMatchObject({ 'read /calls?number=': 'FAIL', 'read /calls/{number}': 'FAIL', erase: 'PASS', viewer: 'SKIP' });
      expect(out.join('\n')).toMatch(/differs from the call stored/);
      expect(out.join('\n')).toMatch(/^SKIP +viewer +GET \/ answered 404/m);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await leftOver()).toEqual([]);
  });

  it('is a usage error (exit 2) without both keys, or with both --stack and --url', async () => {
    expect((await npmSmoke(['--url', local.app.url], { SMOKE_READ_KEY: READ_KEY })).code).toBe(2);
    expect((await npmSmoke(['--url', local.app.url, '--stack', 'S'], keysEnv())).code).toBe(2);
  });

  describe('--stack, with stand-in AWS clients', () => {
    const outputs = (extra: StackOutput[] = []): StackOutput[] => [
      { OutputKey: 'ApiUrl', OutputValue: `${local.app.url}/` },
      { OutputKey: 'ReadKeysSecretName', OutputValue: 'ReadKeys-abc' },
      { OutputKey: 'IngestKeysSecretName', OutputValue: 'IngestKeys-def' },
      { OutputKey: 'CallsTableName', OutputValue: 'calls' },
      ...extra,
    ];
    /** The stack's secrets as `npm run keys -- rotate` leaves them: an old key, then the new one. */
    const secrets: Record<string, string> = { 'ReadKeys-abc': `old-read-key,${READ_KEY}`, 'IngestKeys-def': `old-ingest-key, ${INGEST_KEY}` };
    const clients = (stackOutputs: StackOutput[], depth = 0) => {
      const asked: string[] = [];
      const stand: StackClients & { queueDepth: (url: string) => Promise<number> } = {
        describeStackOutputs: async (name) => {
          asked.push(`stack ${name}`);
          if (name !== 'CekuraCallAdapter') throw new Error(`Stack with id ${name} does not exist`);
          return stackOutputs;
        },
        secretString: async (id) => {
          asked.push(`secret ${id}`);
          return secrets[id];
        },
        queueDepth: async (url) => {
          asked.push(`queue ${url}`);
          return depth;
        },
      };
      return { asked, stand };
    };

    it('maps the outputs cdk deploy prints, and names a missing one', () => {
      expect(mapStackOutputs(outputs())).toEqual({
        url: `${local.app.url}/`,
        readKeysSecretName: 'ReadKeys-abc',
        ingestKeysSecretName: 'IngestKeys-def',
        deadLetterQueueUrl: undefined,
      });
      expect(mapStackOutputs(outputs([{ OutputKey: 'CekuraDeadLetterQueueUrl', OutputValue: 'https://sqs/dlq' }])).deadLetterQueueUrl).toBe('https://sqs/dlq');
      expect(() =>
        mapStackOutputs(
          outputs().filter((o) => o.OutputKey !== 'IngestKeysSecretName'),
          'stack S',
        ),
      ).toThrow('stack S has no output IngestKeysSecretName');
      expect(newestKey(' a , b ', 'S')).toBe('b');
      expect(() => newestKey(' , ', 'S')).toThrow('the secret S holds no key');
    });

    it('reads the outputs and the newest keys, runs every check, and looks at the dead-letter queue when push is on', async () => {
      const { asked, stand } = clients(outputs([{ OutputKey: 'CekuraDeadLetterQueueUrl', OutputValue: 'https://sqs.us-east-1.amazonaws.com/1/dlq' }]));
      const out: string[] = [];
      let region: string | undefined;
      const stackClients = async (r: string | undefined) => {
        region = r;
        return stand;
      };
      const code = await main(['--stack', 'CekuraCallAdapter', '--region', 'eu-west-1'], {}, { stackClients, out: (t) => out.push(t) });
      expect([code, region]).toEqual([0, 'eu-west-1']);
      expect(statuses(out.join('\n'))).toMatchObject({ store: 'PASS', erase: 'PASS', 'dead-letter queue': 'PASS' });
      expect(asked).toEqual(['stack CekuraCallAdapter', 'secret ReadKeys-abc', 'secret IngestKeys-def', 'queue https://sqs.us-east-1.amazonaws.com/1/dlq']);
      expect(out.join('\n')).not.toMatch(/old-|smoke-(read|ingest)-key/);
    });

    it("looks at the Amazon Connect Lambda's dead-letter queue when the stack has one", async () => {
      const connectOutput = { OutputKey: 'ConnectDeadLetterQueueUrl', OutputValue: 'https://sqs.us-east-1.amazonaws.com/1/connect-dlq' };
      const { asked, stand } = clients(outputs([connectOutput]));
      const out: string[] = [];
      expect(await main(['--stack', 'CekuraCallAdapter'], {}, { stackClients: async () => stand, out: (t) => out.push(t) })).toBe(0);
      expect(statuses(out.join('\n'))).toMatchObject({ 'dead-letter queue': 'SKIP', 'connect dead-letter queue': 'PASS' });
      expect(asked).toContain('queue https://sqs.us-east-1.amazonaws.com/1/connect-dlq');

      const full: string[] = [];
      const withMessages = clients(outputs([connectOutput]), 3).stand;
      expect(await main(['--stack', 'CekuraCallAdapter'], {}, { stackClients: async () => withMessages, out: (t) => full.push(t) })).toBe(1);
      expect(full.join('\n')).toMatch(/^FAIL +connect dead-letter queue +3 message\(s\) waiting: Amazon Connect analysis files not stored/m);
    });

    it('skips the queue when push is off, fails when it holds messages, and fails in one line when the stack is not there', async () => {
      const off: string[] = [];
      expect(await main(['--stack', 'CekuraCallAdapter'], {}, { stackClients: async () => clients(outputs()).stand, out: (t) => off.push(t) })).toBe(0);
      expect(off.join('\n')).toMatch(/^SKIP +dead-letter queue +push to Cekura is off/m);

      const full: string[] = [];
      const withQueue = clients(outputs([{ OutputKey: 'CekuraDeadLetterQueueUrl', OutputValue: 'https://sqs/dlq' }]), 2).stand;
      expect(await main(['--stack', 'CekuraCallAdapter'], {}, { stackClients: async () => withQueue, out: (t) => full.push(t) })).toBe(1);
      expect(full.join('\n')).toMatch(/^FAIL +dead-letter queue +2 message\(s\) waiting/m);

      const missing: string[] = [];
      expect(await main(['--stack', 'Nope'], {}, { stackClients: async () => clients(outputs()).stand, out: (t) => missing.push(t) })).toBe(1);
      expect(missing.join('\n').split('\n')).toEqual([
        'FAIL  stack  could not read stack Nope: Stack with id Nope does not exist',
        'smoke: 0 passed, 1 failed, 0 skipped: FAILED',
      ]);
    });
  });
});
