/**
 * Where the valid API keys come from: an env var (local mode, tests) or a Secrets Manager
 * secret (deployed). The secret is re-read every few minutes, so adding or removing a key
 * takes effect without a redeploy.
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { type KeyCheck, keyCheck, parseKeyList } from '../auth';

export type KeyScope = 'read' | 'ingest';

const SOURCES: Record<KeyScope, { envKeys: string; envSecretId: string }> = {
  read: { envKeys: 'READ_API_KEYS', envSecretId: 'READ_KEYS_SECRET_ID' },
  ingest: { envKeys: 'INGEST_API_KEYS', envSecretId: 'INGEST_KEYS_SECRET_ID' },
};

const SECRET_MAX_AGE_SECONDS = 300;

export class KeysUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeysUnavailableError';
  }
}

export type KeyCheckProvider = () => Promise<KeyCheck>;

export function keyCheckProvider(scope: KeyScope, env: NodeJS.ProcessEnv = process.env): KeyCheckProvider {
  const { envKeys, envSecretId } = SOURCES[scope];
  const fromEnv = env[envKeys];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const check = keyCheck(parseKeyList(fromEnv));
    return async () => check;
  }
  const secretId = env[envSecretId];
  if (!secretId) throw new Error(`Neither ${envKeys} nor ${envSecretId} is set: no ${scope} key can be valid`);

  let cached: { value: string; check: KeyCheck } | undefined;
  return async () => {
    let value: unknown;
    try {
      value = await getSecret(secretId, { maxAge: SECRET_MAX_AGE_SECONDS });
    } catch (error) {
      throw new KeysUnavailableError(`could not read the ${scope} keys secret`, { cause: error });
    }
    if (typeof value !== 'string') throw new KeysUnavailableError(`the ${scope} keys secret is not a string`);
    if (cached?.value !== value) cached = { value, check: keyCheck(parseKeyList(value)) };
    return cached.check;
  };
}
