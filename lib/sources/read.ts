/** Small readers for untyped platform payloads: each returns undefined instead of guessing. */

import { normalisePhoneNumber } from '../call/phone';

export type Json = Record<string, unknown>;

export const record = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;

export const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export const finite = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

export const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Tool arguments and results as Cekura wants them: JSON text. */
export const jsonText = (value: unknown): string => (typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value));

/** Epoch milliseconds to ISO 8601, or undefined. */
export const isoFromMs = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/**
 * Seconds with millisecond precision. Never clamped: a time before the call is the caller's to
 * refuse or report (see MESSAGE_TIME_RULE), not to move silently to 0.
 */
export const seconds = (value: number): number => Math.round(value * 1000) / 1000;

/** Keeps only defined values, so optional fields stay absent rather than `undefined`. */
export function defined<T extends Json>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

// ---------------------------------------------------------------------------------------------
// Phone numbers and adapter metadata, shared by the platform normalisers (Vapi, Retell, ElevenLabs).

export const WEB_CALL_MESSAGE = 'is missing (a web call?): set WEB_CALL_NUMBER to accept calls without a phone number';

const SIP_OR_TEL_URI = /^(?:sips?|tel):/i;

/**
 * The E.164 number a party's address holds: the address itself (separators removed), or the user
 * part of a `sip:`/`sips:`/`tel:` URI (`sip:+16505551234@pbx.example.com`). Undefined otherwise.
 */
export function phoneNumberIn(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  const direct = normalisePhoneNumber(address);
  if (direct !== undefined || !SIP_OR_TEL_URI.test(address)) return direct;
  const user = address.replace(SIP_OR_TEL_URI, '').split(/[@;?]/)[0] ?? '';
  return normalisePhoneNumber(decodeURIComponentSafe(user));
}

const decodeURIComponentSafe = (value: string) => {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
};

export type CustomerNumber =
  | { ok: true; number: string /** The address as sent, when it was not a plain number. */; address?: string }
  | { ok: false; message: string };

/**
 * The customer's number, which Cekura matches calls by: taken from a SIP/tel URI when it holds
 * one; WEB_CALL_NUMBER for a call with no number at all (a web call, a SIP address without one).
 * Anything else is passed on as given, so the call's validation names it (never guessed).
 */
export function customerNumber(address: string | undefined, webCallNumber: string | undefined): CustomerNumber {
  if (address === undefined || address.trim() === '') return webCallNumber ? { ok: true, number: webCallNumber } : { ok: false, message: WEB_CALL_MESSAGE };
  const number = phoneNumberIn(address);
  const isUri = SIP_OR_TEL_URI.test(address);
  if (number !== undefined) return isUri ? { ok: true, number, address } : { ok: true, number };
  if (!isUri) return { ok: true, number: address };
  if (webCallNumber) return { ok: true, number: webCallNumber, address };
  return { ok: false, message: 'is a SIP address without a phone number: set WEB_CALL_NUMBER to accept calls without a phone number' };
}

/**
 * The agent's number: `phoneNumber` when the address holds an E.164 number; otherwise (a SIP
 * address, a number without its country code) the address is only kept as text, since
 * `phoneNumber` is optional and must not refuse the call.
 */
export function agentNumber(address: string | undefined): { phoneNumber?: string; address?: string } {
  if (address === undefined || address === '') return {};
  const number = phoneNumberIn(address);
  if (number === undefined) return { address };
  return SIP_OR_TEL_URI.test(address) ? { phoneNumber: number, address } : { phoneNumber: number };
}

/** Where the adapter's own details go in a call's metadata, beside the platform's own keys. */
export const ADAPTER_METADATA_KEY = 'adapter';

/**
 * The platform's metadata untouched, plus the adapter's details (`source`, ids, addresses that
 * are not numbers, ...) under `adapter`, or `_adapter` (`__adapter`, ...) if the platform's
 * metadata already uses that key, so neither ever overwrites the other.
 */
export function withAdapterMetadata(platformMetadata: Json | undefined, adapter: Json): Json {
  const metadata = platformMetadata ?? {};
  let key = ADAPTER_METADATA_KEY;
  while (Object.hasOwn(metadata, key)) key = `_${key}`;
  return { ...metadata, [key]: defined(adapter) };
}
