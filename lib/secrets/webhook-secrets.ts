/**
 * The secrets the voice platforms sign their webhooks with: env vars locally
 * (WEBHOOK_SECRETS_VAPI, _RETELL, _ELEVENLABS, each comma-separated), or one Secrets Manager secret
 * holding `{ "vapi": "...", "retell": "...", "elevenlabs": "..." }` when deployed, re-read every
 * few minutes so a rotated secret needs no redeploy.
 */
import { parseKeyList } from '../auth';
import { WEBHOOK_PLATFORMS, type WebhookPlatform } from '../platform-signatures/signatures';
import { KeysUnavailableError, secretsProvider } from './api-keys';

export type WebhookSecrets = Record<WebhookPlatform, string[]>;
export type WebhookSecretsProvider = () => Promise<WebhookSecrets>;

export const WEBHOOK_SECRETS_SECRET_ID = 'WEBHOOK_SECRETS_SECRET_ID';
const envName = (platform: WebhookPlatform) => `WEBHOOK_SECRETS_${platform.toUpperCase()}`;

function fromValues(values: Partial<Record<WebhookPlatform, unknown>>): WebhookSecrets {
  return Object.fromEntries(WEBHOOK_PLATFORMS.map((p) => [p, typeof values[p] === 'string' ? parseKeyList(values[p] as string) : []])) as WebhookSecrets;
}

export function webhookSecretsProvider(env: NodeJS.ProcessEnv = process.env): WebhookSecretsProvider {
  const secretId = env[WEBHOOK_SECRETS_SECRET_ID];
  if (!secretId) {
    const secrets = fromValues(Object.fromEntries(WEBHOOK_PLATFORMS.map((p) => [p, env[envName(p)]])));
    return async () => secrets;
  }
  return async () => {
    let value: unknown;
    try {
      // The shared provider: its client has timeouts, so an unreachable Secrets Manager is a quick 503.
      value = await secretsProvider().get(secretId, { maxAge: 300, transform: 'json' });
    } catch (error) {
      throw new KeysUnavailableError('could not read the webhook secrets', { cause: error });
    }
    if (typeof value !== 'object' || value === null) throw new KeysUnavailableError('the webhook secrets secret is not a JSON object');
    return fromValues(value as Record<string, unknown>);
  };
}
