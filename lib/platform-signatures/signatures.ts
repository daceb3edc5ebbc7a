/**
 * How each platform proves a webhook is its own, checked over the raw body bytes.
 * - Vapi: a Custom Credential, HMAC or Bearer, with its options (see ./vapi.ts).
 * - Retell: `x-retell-signature: v=<epoch ms>,d=<hex HMAC-SHA256(api key, body + ms)>`.
 * - ElevenLabs: `elevenlabs-signature: t=<epoch s>,v0=<hex HMAC-SHA256(secret, "<t>.<body>")>`,
 *   read as the platform's SDK reads it (elevenlabs-js `WebhooksClient.constructEvent`).
 * Several secrets may be valid at once (rotation); every comparison is constant-time.
 */
import { createHmac } from 'node:crypto';
import { anyMatches, type SignedRequest, sameSecret, type Verification } from './common';
import { plainSecretCredentials, signVapi, type VapiCredential, vapiHmacDefaults, verifyVapi } from './vapi';

export type { SignedRequest, Verification } from './common';

export const WEBHOOK_PLATFORMS = ['vapi', 'retell', 'elevenlabs'] as const;
export type WebhookPlatform = (typeof WEBHOOK_PLATFORMS)[number];

export function isWebhookPlatform(value: string | undefined): value is WebhookPlatform {
  return (WEBHOOK_PLATFORMS as readonly (string | undefined)[]).includes(value);
}

/**
 * A platform's secret: text, or for Vapi also a credential with its options. A plain Vapi secret
 * stands for every form Vapi sends one in (./vapi.ts `plainSecretCredentials`).
 */
export type WebhookSecret = string | VapiCredential;

/**
 * Signed timestamps older than this are refused as replays. Retell (as its SDK) also refuses them
 * this far in the future; ElevenLabs' SDK accepts any future timestamp, and so does this check.
 */
export const MAX_SIGNATURE_AGE_MS = { retell: 5 * 60_000, elevenlabs: 30 * 60_000 } as const;

const hmacSha256Hex = (secret: string, ...parts: (string | Buffer)[]) => {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest('hex');
};

function fields(header: string): Record<string, string> {
  return Object.fromEntries(
    header.split(',').map((part) => {
      const index = part.indexOf('=');
      return [part.slice(0, index).trim(), part.slice(index + 1).trim()];
    }),
  );
}

/**
 * `t=<s>,v0=<hex>` as the ElevenLabs SDK parses it: comma-separated entries taken as they are, the
 * first starting with `t=` and the first starting with `v0=` (that whole entry is compared).
 */
function elevenLabsSignature(header: string): { timestamp: string; signature: string } | undefined {
  const entries = header.split(',');
  const timestamp = entries.find((entry) => entry.startsWith('t='))?.slice(2);
  const signature = entries.find((entry) => entry.startsWith('v0='));
  return timestamp && signature ? { timestamp, signature } : undefined;
}

function verifyRetell({ headers, rawBody, nowMs }: SignedRequest, keys: readonly string[]): Verification {
  const header = headers['x-retell-signature'];
  if (header === undefined) return { ok: false, reason: 'no x-retell-signature header' };
  const { v: timestamp, d: digest } = fields(header);
  if (!timestamp || !digest) return { ok: false, reason: 'x-retell-signature is not v=<timestamp>,d=<digest>' };
  const ms = Number(timestamp);
  if (!Number.isFinite(ms) || Math.abs(nowMs - ms) > MAX_SIGNATURE_AGE_MS.retell) return { ok: false, reason: 'x-retell-signature is stale' };
  return anyMatches(keys, (key) => sameSecret(hmacSha256Hex(key, rawBody, timestamp), digest))
    ? { ok: true }
    : { ok: false, reason: 'x-retell-signature does not match' };
}

function verifyElevenLabs({ headers, rawBody, nowMs }: SignedRequest, secrets: readonly string[]): Verification {
  const header = headers['elevenlabs-signature'];
  if (header === undefined) return { ok: false, reason: 'no ElevenLabs-Signature header' };
  const parsed = elevenLabsSignature(header);
  if (!parsed) return { ok: false, reason: 'ElevenLabs-Signature is not t=<timestamp>,v0=<digest>' };
  const seconds = Number(parsed.timestamp);
  // Stricter than the SDK, which lets a non-numeric t through to the MAC check: ElevenLabs never sends one.
  if (!Number.isFinite(seconds)) return { ok: false, reason: 'ElevenLabs-Signature t is not a number' };
  if (seconds * 1000 < nowMs - MAX_SIGNATURE_AGE_MS.elevenlabs) return { ok: false, reason: 'ElevenLabs-Signature is stale' };
  return anyMatches(secrets, (secret) => sameSecret(`v0=${hmacSha256Hex(secret, `${parsed.timestamp}.`, rawBody)}`, parsed.signature))
    ? { ok: true }
    : { ok: false, reason: 'ElevenLabs-Signature does not match' };
}

export function verifyWebhook(platform: WebhookPlatform, request: SignedRequest, secrets: readonly WebhookSecret[]): Verification {
  if (secrets.length === 0) return { ok: false, reason: `no ${platform} webhook secret is configured` };
  const texts = secrets.filter((secret): secret is string => typeof secret === 'string');
  switch (platform) {
    case 'vapi':
      return verifyVapi(
        request,
        secrets.flatMap((secret) => (typeof secret === 'string' ? plainSecretCredentials(secret) : [secret])),
      );
    case 'retell':
      return verifyRetell(request, texts);
    case 'elevenlabs':
      return verifyElevenLabs(request, texts);
  }
}

/**
 * What each platform would send, for tests, the README's replay examples and the import tooling.
 * Vapi: its HMAC credential with the defaults (timestamp in milliseconds).
 */
export function signWebhook(platform: WebhookPlatform, rawBody: string, secret: string, nowMs: number): Record<string, string> {
  switch (platform) {
    case 'vapi':
      return signVapi(vapiHmacDefaults(secret), rawBody, nowMs);
    case 'retell':
      return { 'x-retell-signature': `v=${nowMs},d=${hmacSha256Hex(secret, rawBody, String(nowMs))}` };
    case 'elevenlabs': {
      const t = Math.floor(nowMs / 1000);
      return { 'elevenlabs-signature': `t=${t},v0=${hmacSha256Hex(secret, `${t}.`, rawBody)}` };
    }
  }
}
