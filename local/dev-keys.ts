import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type KeyCheck, keyCheck, parseKeyList } from '../lib/auth';
import { WEBHOOK_PLATFORMS, type WebhookPlatform } from '../lib/platform-signatures/signatures';
import type { KeyCheckProvider, KeyScope } from '../lib/secrets/api-keys';
import { webhookSecretsEnvName } from '../lib/secrets/webhook-secrets';

export interface LocalKeys {
  read: string[];
  ingest: string[];
  /** True when the keys were generated for local use (and kept in the data folder). */
  generated: boolean;
}

/**
 * `<dataDir>/dev-keys.json`: each scope's keys, comma-separated like the deployed secrets, newest
 * last; and a dev webhook secret per platform (added to older files on the next start).
 */
type StoredKeys = Record<KeyScope, string> & { webhooks?: Partial<Record<WebhookPlatform, string>> };

export const devKeysFile = (dataDir: string) => join(dataDir, 'dev-keys.json');

const ENV_KEYS: Record<KeyScope, string> = { read: 'READ_API_KEYS', ingest: 'INGEST_API_KEYS' };

export function newDevKey(scope: KeyScope): string {
  return `dev_${scope}_${randomBytes(18).toString('base64url')}`;
}

function readStored(dataDir: string): StoredKeys | undefined {
  const file = devKeysFile(dataDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StoredKeys) : undefined;
}

/** Written whole to a temporary file, then renamed: a reader never sees half a file. */
function writeStored(dataDir: string, keys: StoredKeys): void {
  mkdirSync(dataDir, { recursive: true });
  const file = devKeysFile(dataDir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/**
 * Keys from READ_API_KEYS / INGEST_API_KEYS, or else dev keys generated once and kept in
 * `<dataDir>/dev-keys.json` (mode 600) so curl commands keep working across restarts.
 */
export function localKeys(env: NodeJS.ProcessEnv, dataDir: string): LocalKeys {
  const read = parseKeyList(env.READ_API_KEYS);
  const ingest = parseKeyList(env.INGEST_API_KEYS);
  if (read.length > 0 && ingest.length > 0) return { read, ingest, generated: false };

  let stored = readStored(dataDir);
  if (!stored) {
    stored = { read: newDevKey('read'), ingest: newDevKey('ingest') };
    writeStored(dataDir, stored);
  }
  return {
    read: read.length > 0 ? read : parseKeyList(stored.read),
    ingest: ingest.length > 0 ? ingest : parseKeyList(stored.ingest),
    generated: true,
  };
}

/**
 * The keys a running local server accepts for a scope. From the env var when set (fixed); else
 * from dev-keys.json, re-read whenever the file changes, so `npm run keys -- rotate` takes effect
 * without a restart, as a changed secret does for the deployed Lambdas.
 */
export function localKeyProvider(scope: KeyScope, env: NodeJS.ProcessEnv, dataDir: string): KeyCheckProvider {
  const fromEnv = parseKeyList(env[ENV_KEYS[scope]]);
  if (fromEnv.length > 0) {
    const check = keyCheck(fromEnv);
    return async () => check;
  }
  const file = devKeysFile(dataDir);
  let cached: { version: string; check: KeyCheck } | undefined;
  return async () => {
    const stat = statSync(file, { throwIfNoEntry: false });
    const version = stat ? `${stat.mtimeMs}:${stat.size}:${stat.ino}` : 'missing';
    if (cached?.version !== version) cached = { version, check: keyCheck(parseKeyList(readStored(dataDir)?.[scope])) };
    return cached.check;
  };
}

/** Step 1 of a rotation: adds a new key to the scope's dev keys (the old ones stay valid). Returns it. */
export function addDevKey(dataDir: string, scope: KeyScope): string {
  const stored = readStored(dataDir) ?? { read: newDevKey('read'), ingest: newDevKey('ingest') };
  const key = newDevKey(scope);
  writeStored(dataDir, { ...stored, [scope]: [...parseKeyList(stored[scope]), key].join(',') });
  return key;
}

/** Step 2 of a rotation: keeps only the scope's newest key. Returns the keys removed. */
export function retireOldDevKeys(dataDir: string, scope: KeyScope): string[] {
  const stored = readStored(dataDir);
  if (!stored) throw new Error(`${devKeysFile(dataDir)} does not exist: there are no dev keys to retire`);
  const keys = parseKeyList(stored[scope]);
  if (keys.length < 2) return [];
  writeStored(dataDir, { ...stored, [scope]: keys[keys.length - 1]! });
  return keys.slice(0, -1);
}

export function newDevWebhookSecret(platform: WebhookPlatform): string {
  return `dev_${platform}_${randomBytes(18).toString('base64url')}`;
}

export interface LocalWebhookSecrets {
  /** The environment local mode reads webhook secrets from: WEBHOOK_SECRETS_<PLATFORM> filled in with dev secrets where unset. */
  env: NodeJS.ProcessEnv;
  /** Each platform's secret to sign a replay with, when it is one plain secret (what the banner prints); the newest of a list. */
  printable: Partial<Record<WebhookPlatform, string>>;
  /** The platforms whose secret is a generated dev secret. */
  generated: WebhookPlatform[];
}

/**
 * Webhook secrets for local mode: WEBHOOK_SECRETS_<PLATFORM> when set (set but empty: no secret,
 * so that platform's webhooks are refused), else a dev secret generated once and kept in
 * dev-keys.json with the dev keys, so the documentation's signed replay examples work as pasted.
 */
export function localWebhookSecrets(env: NodeJS.ProcessEnv, dataDir: string): LocalWebhookSecrets {
  const unset = WEBHOOK_PLATFORMS.filter((platform) => env[webhookSecretsEnvName(platform)] === undefined);
  let stored = readStored(dataDir);
  if (unset.length > 0 && unset.some((platform) => !stored?.webhooks?.[platform])) {
    const base = stored ?? { read: newDevKey('read'), ingest: newDevKey('ingest') };
    const webhooks = { ...base.webhooks };
    for (const platform of unset) webhooks[platform] ??= newDevWebhookSecret(platform);
    stored = { ...base, webhooks };
    writeStored(dataDir, stored);
  }
  const filled: NodeJS.ProcessEnv = { ...env };
  for (const platform of unset) filled[webhookSecretsEnvName(platform)] = stored!.webhooks![platform]!;
  const printable: LocalWebhookSecrets['printable'] = {};
  for (const platform of WEBHOOK_PLATFORMS) {
    const value = filled[webhookSecretsEnvName(platform)] ?? '';
    // JSON (a Vapi credential with options) has no one secret to print.
    if (/^\s*[[{]/.test(value)) continue;
    const newest = parseKeyList(value).at(-1);
    if (newest) printable[platform] = newest;
  }
  return { env: filled, printable, generated: unset };
}
