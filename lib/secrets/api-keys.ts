/**
 * Where the valid API keys come from: an env var (local mode, tests) or a Secrets Manager
 * secret (deployed). The secret is re-read every few minutes, so adding or removing a key
 * takes effect without a redeploy.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { type KeyCheck, keyCheck, parseKeyList } from '../auth';

export type KeyScope = 'read' | 'ingest';

const SOURCES: Record<KeyScope, { envKeys: string; envSecretId: string }> = {
  read: { envKeys: 'READ_API_KEYS', envSecretId: 'READ_KEYS_SECRET_ID' },
  ingest: { envKeys: 'INGEST_API_KEYS', envSecretId: 'INGEST_KEYS_SECRET_ID' },
};

const SECRET_MAX_AGE_SECONDS = 300;

/**
 * The Secrets Manager client's limits. Powertools' default client has no timeout at all, so an
 * unreachable Secrets Manager (at a cold start, say) hung the request until the Lambda timed out;
 * with these it is a 503 within about 5 s, and the next request tries again (failures are not
 * cached), so the function recovers by itself once Secrets Manager answers.
 */
export const SECRETS_CLIENT_LIMITS = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true },
} as const;

let sharedProvider: SecretsProvider | undefined;
/**
 * One provider (one client with SECRETS_CLIENT_LIMITS, one cache) per process, created on first use
 * so it reads the env then. Every secret the functions read goes through it.
 */
export function secretsProvider(): SecretsProvider {
  sharedProvider ??= new SecretsProvider({
    clientConfig: { maxAttempts: SECRETS_CLIENT_LIMITS.maxAttempts, requestHandler: { ...SECRETS_CLIENT_LIMITS.requestHandler } },
  });
  return sharedProvider;
}

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
      value = await secretsProvider().get(secretId, { maxAge: SECRET_MAX_AGE_SECONDS });
    } catch (error) {
      throw new KeysUnavailableError(`could not read the ${scope} keys secret`, { cause: error });
    }
    if (typeof value !== 'string') throw new KeysUnavailableError(`the ${scope} keys secret is not a string`);
    if (cached?.value !== value) cached = { value, check: keyCheck(parseKeyList(value)) };
    return cached.check;
  };
}
