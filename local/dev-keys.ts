import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseKeyList } from '../lib/auth';

export interface LocalKeys {
  read: string[];
  ingest: string[];
  /** True when the keys were generated for local use (and kept in the data folder). */
  generated: boolean;
}

/**
 * Keys from READ_API_KEYS / INGEST_API_KEYS, or else dev keys generated once and kept in
 * `<dataDir>/dev-keys.json` (mode 600) so curl commands keep working across restarts.
 */
export function localKeys(env: NodeJS.ProcessEnv, dataDir: string): LocalKeys {
  const read = parseKeyList(env.READ_API_KEYS);
  const ingest = parseKeyList(env.INGEST_API_KEYS);
  if (read.length > 0 && ingest.length > 0) return { read, ingest, generated: false };

  const file = join(dataDir, 'dev-keys.json');
  let stored: { read: string; ingest: string } | undefined;
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8')) as { read: string; ingest: string };
  if (!stored) {
    stored = { read: `dev_read_${randomBytes(18).toString('base64url')}`, ingest: `dev_ingest_${randomBytes(18).toString('base64url')}` };
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  }
  return { read: read.length > 0 ? read : [stored.read], ingest: ingest.length > 0 ? ingest : [stored.ingest], generated: true };
}
