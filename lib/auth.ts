/**
 * API key checks. Cekura sends the configured key in `Authorization`, raw or (some clients) as
 * `Bearer <key>`. Several keys may be valid at once so a key can be rotated without downtime.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The key presented in an Authorization header value, or undefined when there is none.
 * Only HTTP's own optional whitespace (spaces and tabs, RFC 9110) is ignored around the value and
 * after the scheme; any other whitespace (NBSP, zero-width, line separators), which String#trim
 * would strip, stays part of the presented key, so a key with it attached is never accepted.
 */
export function presentedKey(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const value = authorization.replace(/^[ \t]+|[ \t]+$/g, '');
  // A scheme with nothing after it is no key, not the key "Bearer".
  if (/^bearer$/i.test(value)) return undefined;
  const match = /^bearer[ \t]+([\s\S]+)$/i.exec(value);
  const key = match ? match[1]! : value;
  return key === '' ? undefined : key;
}

/** Keys from a comma- or newline-separated list (an env var or a secret's value). */
export function parseKeyList(value: string | undefined): string[] {
  return (value ?? '')
    .split(/[,\n]/)
    .map((key) => key.trim())
    .filter((key) => key !== '');
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

export type KeyCheck = (presented: string | undefined) => boolean;

/**
 * A check against a fixed set of keys. It compares SHA-256 digests, so every comparison has the
 * same length and timingSafeEqual applies, and it tries every key without stopping early, so the
 * time taken says nothing about which key matched or how much of one.
 */
export function keyCheck(validKeys: readonly string[]): KeyCheck {
  const validDigests = validKeys.map(digest);
  return (presented) => {
    if (presented === undefined) return false;
    const presentedDigest = digest(presented);
    let matched = false;
    for (const valid of validDigests) {
      if (timingSafeEqual(presentedDigest, valid)) matched = true;
    }
    return matched;
  };
}
