/**
 * Key rotation without downtime, locally: while a client keeps calling with the old key, `npm run
 * keys -- rotate` adds a new key to .data/dev-keys.json and the running server accepts both (no
 * restart, not one 401 for the old key); `npm run keys -- finish` then removes the old key, which
 * gets 401 while the new one keeps working. For a deployed stack the command prints the AWS CLI
 * steps, checked here for what they must contain.
 */
import './quiet-logs';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalApp, startLocalApp } from '../../local/app';
import { devKeysFile } from '../../local/dev-keys';
import { awsRotationSteps, DEFAULT_STACK_NAME, runKeys } from '../../scripts/keys';
import { sampleCall } from '../support/fixtures';

let app: LocalApp;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'adapter-keys-'));
  // No READ_API_KEYS / INGEST_API_KEYS: dev keys, generated into dataDir, as `npm start` does.
  app = await startLocalApp({ port: 0, dataDir, inMemory: true, env: { DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT, TABLE_NAME: `keys-${Date.now()}` } });
});

afterAll(async () => {
  await app?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const keys = (cmd: string[]) => {
  const out: string[] = [];
  runKeys(cmd, { DATA_DIR: dataDir }, (line) => out.push(line));
  return out.join('\n');
};
const status = async (path: string, init: RequestInit) => (await fetch(`${app.url}${path}`, init)).status;
const read = (key: string) => status('/calls', { headers: { authorization: key } });
const ingest = (key: string, id: string) =>
  status('/calls', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(sampleCall({ id }, new Date(Date.now() - 60_000).toISOString())),
  });

test.each(['read', 'ingest'] as const)(
  '%s key: rotate adds a key, both work with no restart and no 401 on the way, finish removes the old one',
  async (scope) => {
    expect(app.keys.generated).toBe(true);
    const [oldKey] = scope === 'read' ? app.keys.read : app.keys.ingest;
    const call = scope === 'read' ? (key: string) => read(key) : (key: string, n = 0) => ingest(key, `${scope}-${n}`);
    expect(await call(oldKey!)).toBe(200);

    // A client keeps calling with the old key throughout the rotation.
    let stop = false;
    const oldKeyStatuses: number[] = [];
    const client = (async () => {
      for (let n = 0; !stop && n < 2_000; n++) oldKeyStatuses.push(await call(oldKey!, n));
    })();

    const rotated = keys(['rotate', scope]);
    const newKey = /new \w+ key: (\S+)/.exec(rotated)![1]!;
    expect(newKey).not.toBe(oldKey);
    expect(statSync(devKeysFile(dataDir)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(devKeysFile(dataDir), 'utf8'))[scope]).toBe(`${oldKey},${newKey}`);
    // Both keys work on the running server.
    expect([await call(oldKey!), await call(newKey)]).toEqual([200, 200]);
    while (oldKeyStatuses.length < 20) await new Promise((resolve) => setTimeout(resolve, 10));
    stop = true;
    await client;
    expect(oldKeyStatuses.length).toBeGreaterThanOrEqual(20);
    expect(oldKeyStatuses.filter((s) => s !== 200)).toEqual([]);

    expect(keys(['finish', scope])).toMatch(/removed 1 old/);
    expect(await call(oldKey!)).toBe(401);
    expect(await call(newKey)).toBe(200);
    // The other scope is untouched, and a key never crosses scopes.
    const other = JSON.parse(readFileSync(devKeysFile(dataDir), 'utf8'))[scope === 'read' ? 'ingest' : 'read'] as string;
    expect(other.split(',')).toHaveLength(1);
    expect(scope === 'read' ? await ingest(newKey, 'x') : await read(newKey)).toBe(401);
  },
);

test('the deployed procedure: the exact AWS CLI steps, old and new both valid, then only the new', () => {
  for (const scope of ['read', 'ingest'] as const) {
    const steps = awsRotationSteps(scope);
    expect(steps).toContain(`--stack-name ${DEFAULT_STACK_NAME}`);
    expect(steps).toContain(scope === 'read' ? "OutputKey=='ReadKeysSecretName'" : "OutputKey=='IngestKeysSecretName'");
    expect(steps).toContain('aws secretsmanager get-random-password --password-length 40 --exclude-punctuation');
    const puts = steps.split('\n').filter((line) => line.startsWith('aws secretsmanager put-secret-value'));
    expect(puts).toEqual([
      'aws secretsmanager put-secret-value --secret-id "$SECRET" --secret-string "$OLD,$NEW"',
      'aws secretsmanager put-secret-value --secret-id "$SECRET" --secret-string "$NEW"',
    ]);
  }
});

test('the stack name in the printed steps is the one cdk/stack.ts deploys', () => {
  // Read from the source: importing it would load aws-cdk-lib, seconds for one string.
  const source = readFileSync(join(__dirname, '..', '..', 'cdk', 'stack.ts'), 'utf8');
  expect(/export const STACK_NAME = '([^']+)'/.exec(source)?.[1]).toBe(DEFAULT_STACK_NAME);
});
