/** What the platform signature checks share: the request they see, their answer, constant-time comparison. */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface SignedRequest {
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | undefined>>;
  rawBody: Buffer;
  nowMs: number;
  /** The HTTP method, for Vapi HMAC payload formats with `{method}`. */
  method?: string | undefined;
  /** The URL the request reached, for Vapi HMAC payload formats with `{url}`. */
  url?: string | undefined;
}

export type Verification = { ok: true } | { ok: false; reason: string };

const digest = (value: string | Buffer) => createHash('sha256').update(value).digest();

/**
 * Constant-time equality of an expected secret value (a MAC, a token) with a presented one. Both
 * are hashed first so their lengths match and timingSafeEqual applies; the length of a MAC is not
 * secret, and a token's length is not revealed either.
 */
export function sameSecret(expected: string | Buffer, presented: string | Buffer): boolean {
  return timingSafeEqual(digest(expected), digest(presented));
}

/**
 * Whether any of the items matches, trying every one without stopping early, so the time taken
 * says nothing about which secret matched.
 */
export function anyMatches<T>(items: readonly T[], matches: (item: T) => boolean): boolean {
  let matched = false;
  for (const item of items) if (matches(item)) matched = true;
  return matched;
}
