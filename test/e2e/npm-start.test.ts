/**
 * The README's promise, run as a user would: `npm start` prints dev keys and curl examples that
 * work as printed, and Ctrl-C stops everything, DynamoDB included.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function startNpm(env: Record<string, string>): { child: ChildProcess; output: () => string; ready: Promise<string> } {
  const child = spawn('npm', ['start'], { cwd: ROOT, env: { ...process.env, DYNAMODB_ENDPOINT: '', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
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

function curlLines(banner: string): string[] {
  // The printed examples, with their line continuations joined.
  return banner
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('curl '));
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

const variants: Array<{ name: string; env: Record<string, string>; expectBackend: string }> = [
  { name: 'with Java (DynamoDB Local)', env: {}, expectBackend: 'dynamodb-local' },
  { name: 'forced to dynalite', env: { LOCAL_DYNAMODB_BACKEND: 'dynalite' }, expectBackend: 'dynalite' },
];

describe.each(variants)('npm start $name', ({ env, expectBackend }) => {
  it('prints dev keys and curl examples that work as printed, then stops cleanly on Ctrl-C', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'adapter-start-'));
    const { child, ready } = startNpm({ ...env, DATA_DIR: dataDir, READ_API_KEYS: '', INGEST_API_KEYS: '' });
    try {
      const banner = await ready;
      expect(banner).toContain(`DynamoDB: ${expectBackend}`);
      // The probe used after Ctrl-C must see DynamoDB Local's JVM while it runs.
      expect(dynamoProcesses(dataDir) !== '').toBe(expectBackend === 'dynamodb-local');
      const keys = JSON.parse(readFileSync(join(dataDir, 'dev-keys.json'), 'utf8')) as { read: string; ingest: string };
      expect(banner).toContain(keys.read);
      expect(banner).toContain(keys.ingest);

      const [store, ...reads] = curlLines(banner);
      expect(reads.length).toBeGreaterThanOrEqual(2);
      expect(JSON.parse(execFileSync('bash', ['-c', store!]).toString())).toEqual({ stored: 1, ids: ['demo-call-1'] });
      for (const read of reads) {
        const calls = JSON.parse(execFileSync('bash', ['-c', read]).toString()) as Array<{ id: string }>;
        expect(calls.map((c) => c.id)).toEqual(['demo-call-1']);
      }
    } finally {
      await pressCtrlC(child);
    }
    // Every process of the group has exited, DynamoDB Local's JVM included.
    expect(await eventually(() => !processGroupAlive(child.pid!))).toBe(true);
    expect(dynamoProcesses(dataDir)).toBe('');
    rmSync(dataDir, { recursive: true, force: true });
  });
});
