/**
 * How each platform proves a webhook is its own, checked over the raw body bytes.
 * - Vapi: a Custom Credential, either a secret token (in `x-vapi-secret`, or `Authorization` with or
 *   without `Bearer `) or HMAC (`x-vapi-signature`: hex HMAC-SHA256 of the body, `sha256=` optional).
 * - Retell: `x-retell-signature: v=<epoch ms>,d=<hex HMAC-SHA256(api key, body + ms)>`.
 * - ElevenLabs: `elevenlabs-signature: t=<epoch s>,v0=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * Several secrets may be valid at once (rotation); every comparison is constant-time.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_PLATFORMS = ['vapi', 'retell', 'elevenlabs'] as const;
export type WebhookPlatform = (typeof WEBHOOK_PLATFORMS)[number];

export function isWebhookPlatform(value: string | undefined): value is WebhookPlatform {
  return (WEBHOOK_PLATFORMS as readonly (string | undefined)[]).includes(value);
}

/** Signed timestamps older (or further in the future) than this are refused as replays. */
export const MAX_SIGNATURE_AGE_MS = { retell: 5 * 60_000, elevenlabs: 30 * 60_000 } as const;

export interface SignedRequest {
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | undefined>>;
  rawBody: Buffer;
  nowMs: number;
}

export type Verification = { ok: true } | { ok: false; reason: string };

const hmacHex = (secret: string, ...parts: (string | Buffer)[]) => {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
};

/** Constant-time equality of a presented hex (or text) value with the expected bytes. */
function sameBytes(expected: Buffer, presented: Buffer): boolean {
  // Hash both so lengths match and timingSafeEqual applies; the length of a MAC is not secret.
  return timingSafeEqual(createHash('sha256').update(expected).digest(), createHash('sha256').update(presented).digest());
}

function anySecret(secrets: readonly string[], matches: (secret: string) => boolean): boolean {
  let matched = false;
  for (const secret of secrets) if (matches(secret)) matched = true;
  return matched;
}

function fields(header: string): Record<string, string> {
  return Object.fromEntries(
    header.split(',').map((part) => {
      const index = part.indexOf('=');
      return [part.slice(0, index).trim(), part.slice(index + 1).trim()];
    }),
  );
}

const fresh = (timestampMs: number, nowMs: number, maxAgeMs: number) => Number.isFinite(timestampMs) && Math.abs(nowMs - timestampMs) <= maxAgeMs;

export function verifyWebhook(platform: WebhookPlatform, request: SignedRequest, secrets: readonly string[]): Verification {
  if (secrets.length === 0) return { ok: false, reason: `no ${platform} webhook secret is configured` };
  const { headers, rawBody, nowMs } = request;
  switch (platform) {
    case 'vapi': {
      const signature = headers['x-vapi-signature'];
      if (signature !== undefined) {
        const presented = Buffer.from(signature.replace(/^sha256=/, ''), 'utf8');
        return anySecret(secrets, (s) => sameBytes(Buffer.from(hmacHex(s, rawBody).toString('hex')), presented)) ? { ok: true } : { ok: false, reason: 'x-vapi-signature does not match' };
      }
      const token = headers['x-vapi-secret'] ?? headers.authorization?.replace(/^bearer\s+/i, '');
      if (token === undefined) return { ok: false, reason: 'no x-vapi-signature, x-vapi-secret or Authorization header' };
      return anySecret(secrets, (s) => sameBytes(Buffer.from(s), Buffer.from(token.trim()))) ? { ok: true } : { ok: false, reason: 'the Vapi secret does not match' };
    }
    case 'retell': {
      const header = headers['x-retell-signature'];
      if (header === undefined) return { ok: false, reason: 'no x-retell-signature header' };
      const { v: timestamp, d: digest } = fields(header);
      if (!timestamp || !digest) return { ok: false, reason: 'x-retell-signature is not v=<timestamp>,d=<digest>' };
      if (!fresh(Number(timestamp), nowMs, MAX_SIGNATURE_AGE_MS.retell)) return { ok: false, reason: 'x-retell-signature is stale' };
      return anySecret(secrets, (s) => sameBytes(Buffer.from(hmacHex(s, rawBody, timestamp).toString('hex')), Buffer.from(digest)))
        ? { ok: true }
        : { ok: false, reason: 'x-retell-signature does not match' };
    }
    case 'elevenlabs': {
      const header = headers['elevenlabs-signature'];
      if (header === undefined) return { ok: false, reason: 'no ElevenLabs-Signature header' };
      const { t: timestamp, v0: digest } = fields(header);
      if (!timestamp || !digest) return { ok: false, reason: 'ElevenLabs-Signature is not t=<timestamp>,v0=<digest>' };
      if (!fresh(Number(timestamp) * 1000, nowMs, MAX_SIGNATURE_AGE_MS.elevenlabs)) return { ok: false, reason: 'ElevenLabs-Signature is stale' };
      return anySecret(secrets, (s) => sameBytes(Buffer.from(hmacHex(s, `${timestamp}.`, rawBody).toString('hex')), Buffer.from(digest)))
        ? { ok: true }
        : { ok: false, reason: 'ElevenLabs-Signature does not match' };
    }
  }
}

/** What each platform would send, for tests, the README's replay examples and the import tooling. */
export function signWebhook(platform: WebhookPlatform, rawBody: string, secret: string, nowMs: number): Record<string, string> {
  switch (platform) {
    case 'vapi':
      return { 'x-vapi-signature': hmacHex(secret, rawBody).toString('hex') };
    case 'retell':
      return { 'x-retell-signature': `v=${nowMs},d=${hmacHex(secret, rawBody, String(nowMs)).toString('hex')}` };
    case 'elevenlabs': {
      const t = Math.floor(nowMs / 1000);
      return { 'elevenlabs-signature': `t=${t},v0=${hmacHex(secret, `${t}.`, rawBody).toString('hex')}` };
    }
  }
}
