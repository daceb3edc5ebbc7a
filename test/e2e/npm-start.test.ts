/**
 * The README's promise, run as a user would: `npm start` prints an `export` line of dev keys and curl
 * examples that work as printed once it is pasted, logs one short line per request, and Ctrl-C stops
 * everything, DynamoDB included. @dynamodb (npm start runs DynamoDB Local itself)
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function startNpm(env: Record<string, string>): { child: ChildProcess; output: () => string; ready: Promise<string> } {
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    // As on a fresh clone: no webhook secrets of the test runner's, so dev secrets are generated.
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('WEBHOOK_SECRETS_'))),
      DYNAMODB_ENDPOINT: '',
      PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Press Ctrl-C to stop.')) resolve(output);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
  return { child, output: () => output, ready };
}

/** The printed lines that start with `prefix`, with their line continuations joined. */
function bannerLines(banner: string, prefix: string): string[] {
  return banner
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith(prefix));
}

/** Ctrl-C as a terminal sends it: SIGINT to the whole process group (npm, tsx, node, java). */
async function pressCtrlC(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid!, 'SIGINT');
  await exited;
}

async function eventually(check: () => boolean, timeoutMs = 15_000): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return check();
}

const processGroupAlive = (pid: number) => {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
};

const dynamoProcesses = (dataDir: string) => {
  try {
    return execFileSync('pgrep', ['-f', dataDir]).toString().trim();
  } catch {
    return '';
  }
};

/** The request log lines printed after the banner, as `METHOD path status` (the time dropped). */
function requestLog(output: string, format: 'text' | 'json'): string[] {
  const after = output.slice(output.indexOf('Press Ctrl-C to stop.'));
  if (format === 'json') {
    return after
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { method: string; path: string; status: number; ms: number })
      .map(({ method, path, status, ms }) => `${method} ${path} ${status}${Number.isInteger(ms) ? '' : ' (no ms)'}`);
  }
  return [...after.matchAll(/^(\S+ \S+ \d{3}) \d+ms$/gm)].map((m) => m[1]!);
}

const variants: Array<{ name: string; env: Record<string, string>; expectBackend: string; logFormat: 'text' | 'json' }> = [
  { name: 'with Java (DynamoDB Local)', env: {}, expectBackend: 'dynamodb-local', logFormat: 'text' },
  { name: 'forced to dynalite, logging JSON', env: { LOCAL_DYNAMODB_BACKEND: 'dynalite', LOG_FORMAT: 'json' }, expectBackend: 'dynalite', logFormat: 'json' },
];

describe.each(variants)('npm start $name', ({ env, expectBackend, logFormat }) => {
  it('prints an export line of dev keys and commands that work once it is pasted, logs one line per request, then stops cleanly on Ctrl-C', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'adapter-start-'));
    // As a user starts it: whatever jest's own process set for the AWS SDK's notice is not inherited.
    const { child, ready, output } = startNpm({
      ...env,
      DATA_DIR: dataDir,
      READ_API_KEYS: '',
      INGEST_API_KEYS: '',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '',
    });
    try {
      const banner = await ready;
      expect(banner).toContain(`DynamoDB: ${expectBackend}`);
      // The probe used after Ctrl-C must see DynamoDB Local's JVM while it runs.
      expect(dynamoProcesses(dataDir) !== '').toBe(expectBackend === 'dynamodb-local');
      const keys = JSON.parse(readFileSync(join(dataDir, 'dev-keys.json'), 'utf8')) as {
        read: string;
        ingest: string;
        webhooks: Record<'vapi' | 'retell' | 'elevenlabs', string>;
      };
      const [exported, ...more] = bannerLines(banner, 'export ');
      const { vapi, retell, elevenlabs } = keys.webhooks;
      expect([exported, more]).toEqual([
        `export READ_KEY=${keys.read} INGEST_KEY=${keys.ingest} VAPI_WEBHOOK_SECRET=${vapi} RETELL_WEBHOOK_SECRET=${retell} ELEVENLABS_WEBHOOK_SECRET=${elevenlabs}`,
        [],
      ]);

      // Pasted into a shell that has no key of its own: the export line first, then each command.
      const shellEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !['READ_KEY', 'INGEST_KEY', 'VERIFY_API_KEY'].includes(name)));
      const paste = (command: string) =>
        execFileSync('bash', ['--norc', '--noprofile', '-c', `${exported}\n${command}`], { cwd: ROOT, env: shellEnv }).toString();
      const [store, ...reads] = bannerLines(banner, 'curl ');
      expect(reads.length).toBeGreaterThanOrEqual(2);
      expect(JSON.parse(paste(store!))).toEqual({ stored: 1, ids: ['demo-call-1'] });
      for (const read of reads) {
        const calls = JSON.parse(paste(read)) as Array<{ id: string }>;
        expect(calls.map((c) => c.id)).toEqual(['demo-call-1']);
      }
      // The printed sample call passes `npm run verify` (which exits 1 on a failed check).
      const [verify] = bannerLines(banner, 'VERIFY_API_KEY=');
      expect(paste(verify!)).toMatch(/\b0 failed\b.*: OK$/m);

      const expected = ['POST /calls 200', 'GET /calls 200', 'GET /calls/+16505551234 200'];
      expect(await eventually(() => expected.every((line) => requestLog(output(), logFormat).includes(line)))).toBe(true);
      // Nothing else: no Powertools info line per request, no 9-line AWS SDK notice.
      expect(output()).not.toMatch(/"level":"INFO"|NodeVersionSupportWarning/);
    } finally {
      await pressCtrlC(child);
    }
    // Every process of the group has exited, DynamoDB Local's JVM included.
    expect(await eventually(() => !processGroupAlive(child.pid!))).toBe(true);
    expect(dynamoProcesses(dataDir)).toBe('');
    rmSync(dataDir, { recursive: true, force: true });
    // npm, tsx, a JVM and a dozen pasted commands: minutes on a busy 2-core machine; each wait inside has its own deadline.
  }, 300_000);
});
