/**
 * The secrets the voice platforms sign their webhooks with: env vars locally
 * (WEBHOOK_SECRETS_VAPI, _RETELL, _ELEVENLABS), or one Secrets Manager secret holding
 * `{ "vapi": ..., "retell": ..., "elevenlabs": ... }` when deployed, re-read every few minutes so
 * a rotated secret needs no redeploy.
 * Each platform's value is text (one secret, or several comma-separated), or JSON: an array of
 * secrets, and for Vapi also credential objects with their options (`{ "type": "hmac", "secretKey":
 * ..., "signatureHeader": ... }`, `{ "type": "bearer", "token": ..., "headerName": ... }`, see
 * lib/platform-signatures/vapi.ts). In an env var, JSON is recognised by its first `[` or `{`.
 */
import { parseKeyList } from '../auth';
import { WEBHOOK_PLATFORMS, type WebhookPlatform, type WebhookSecret } from '../platform-signatures/signatures';
import { parseVapiCredential } from '../platform-signatures/vapi';
import { KeysUnavailableError, secretsProvider } from './api-keys';

export type WebhookSecrets = Record<WebhookPlatform, WebhookSecret[]>;
export type WebhookSecretsProvider = () => Promise<WebhookSecrets>;

export const WEBHOOK_SECRETS_SECRET_ID = 'WEBHOOK_SECRETS_SECRET_ID';
export const webhookSecretsEnvName = (platform: WebhookPlatform) => `WEBHOOK_SECRETS_${platform.toUpperCase()}`;

/** A webhook secret configured wrongly; the message names the field and never holds a secret. */
export class WebhookSecretsConfigError extends Error {
  override name = 'WebhookSecretsConfigError';
}

function oneEntry(platform: WebhookPlatform, value: unknown, at: string): WebhookSecret {
  if (typeof value === 'string') {
    const secret = value.trim();
    if (secret === '') throw new WebhookSecretsConfigError(`${at} must not be empty`);
    return secret;
  }
  if (platform !== 'vapi') throw new WebhookSecretsConfigError(`${at} must be a secret (text): only Vapi secrets take options`);
  const parsed = parseVapiCredential(value);
  if (!parsed.ok) throw new WebhookSecretsConfigError(`${at}${parsed.field ? `.${parsed.field}` : ''} ${parsed.message}`);
  return parsed.credential;
}

/** One platform's configured value: text (comma-separated), an array, or one Vapi credential. */
export function parsePlatformSecrets(platform: WebhookPlatform, value: unknown, at: string = platform): WebhookSecret[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return parseKeyList(value);
  if (Array.isArray(value)) return value.map((entry, index) => oneEntry(platform, entry, `${at}[${index}]`));
  return [oneEntry(platform, value, at)];
}

/** The env var's text, or the JSON it holds when it starts with `[` or `{`. */
function fromEnvValue(platform: WebhookPlatform, raw: string | undefined): WebhookSecret[] {
  const name = webhookSecretsEnvName(platform);
  if (raw === undefined || !/^\s*[[{]/.test(raw)) return parsePlatformSecrets(platform, raw, name);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new WebhookSecretsConfigError(`${name} starts with [ or { but is not valid JSON`);
  }
  return parsePlatformSecrets(platform, value, name);
}

/** The secrets of every platform from a JSON object (the Secrets Manager secret). */
export function parseWebhookSecrets(values: Record<string, unknown>): WebhookSecrets {
  return Object.fromEntries(WEBHOOK_PLATFORMS.map((p) => [p, parsePlatformSecrets(p, values[p])])) as WebhookSecrets;
}

/**
 * Env vars are read once, and a misconfigured one throws here so the local server does not start.
 * A misconfigured Secrets Manager secret is a 503 (KeysUnavailableError) naming the field.
 */
export function webhookSecretsProvider(env: NodeJS.ProcessEnv = process.env): WebhookSecretsProvider {
  const secretId = env[WEBHOOK_SECRETS_SECRET_ID];
  if (!secretId) {
    const secrets = Object.fromEntries(WEBHOOK_PLATFORMS.map((p) => [p, fromEnvValue(p, env[webhookSecretsEnvName(p)])])) as WebhookSecrets;
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
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new KeysUnavailableError('the webhook secrets secret is not a JSON object');
    try {
      return parseWebhookSecrets(value as Record<string, unknown>);
    } catch (error) {
      if (error instanceof WebhookSecretsConfigError)
        throw new KeysUnavailableError(`the webhook secrets secret is misconfigured: ${error.message}`, { cause: error });
      throw error;
    }
  };
}
