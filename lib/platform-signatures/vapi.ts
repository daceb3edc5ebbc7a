/**
 * Vapi's Custom Credentials, checked as Vapi sends them (VapiAI/server-sdk-typescript
 * `HmacAuthenticationPlan`, `BearerAuthenticationPlan`):
 * - HMAC: `signatureHeader` (default `x-signature`) = `signaturePrefix` + the HMAC (`algorithm`,
 *   default sha256; `signatureEncoding` hex or base64) of `payloadFormat` (default
 *   `{timestamp}.{body}`), the timestamp in `timestampHeader` (default `x-timestamp`).
 * - Bearer: `headerName` (default `Authorization`) = `Bearer <token>`, or the bare token.
 * A credential is configured with Vapi's own field names. A plain secret (the older form) stands for
 * every way Vapi has sent one: the token in `Authorization`, `x-vapi-secret` or `x-vapi-signature`,
 * the hex HMAC-SHA256 of the body in `x-vapi-signature`, and the HMAC credential with its defaults.
 */
import { createHmac } from 'node:crypto';
import { anyMatches, type SignedRequest, sameSecret, type Verification } from './common';

export const VAPI_HMAC_ALGORITHMS = ['sha256', 'sha512', 'sha1'] as const;
export const VAPI_SIGNATURE_ENCODINGS = ['hex', 'base64'] as const;
const PLACEHOLDERS = ['body', 'timestamp', 'method', 'url', 'svix-id'] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];

/** Vapi's signed timestamps older (or further in the future) than this are refused as replays. */
export const MAX_VAPI_TIMESTAMP_AGE_MS = 5 * 60_000;

export interface VapiHmacCredential {
  type: 'hmac';
  secretKey: string;
  algorithm: (typeof VAPI_HMAC_ALGORITHMS)[number];
  /** Lower-case, as the request's headers are. */
  signatureHeader: string;
  timestampHeader: string;
  signaturePrefix: string;
  includeTimestamp: boolean;
  payloadFormat: string;
  messageIdHeader: string | undefined;
  signatureEncoding: (typeof VAPI_SIGNATURE_ENCODINGS)[number];
  secretIsBase64: boolean;
  /**
   * Not Vapi's: the Server URL exactly as configured in Vapi, for `{url}`, when it differs from the
   * URL the request reaches us at (a custom domain, a proxy).
   */
  serverUrl: string | undefined;
}

export interface VapiBearerCredential {
  type: 'bearer';
  token: string;
  /** Lower-case. */
  headerName: string;
  bearerPrefixEnabled: boolean;
}

export type VapiCredential = VapiHmacCredential | VapiBearerCredential;

const HMAC_DEFAULTS = {
  type: 'hmac',
  algorithm: 'sha256',
  signatureHeader: 'x-signature',
  timestampHeader: 'x-timestamp',
  signaturePrefix: '',
  includeTimestamp: true,
  payloadFormat: '{timestamp}.{body}',
  messageIdHeader: undefined,
  signatureEncoding: 'hex',
  secretIsBase64: false,
  serverUrl: undefined,
} as const satisfies Omit<VapiHmacCredential, 'secretKey'>;

/** The HMAC credential as Vapi creates it when only the secret is given. */
export const vapiHmacDefaults = (secretKey: string): VapiHmacCredential => ({ ...HMAC_DEFAULTS, secretKey });

/** Every form a plain secret may arrive in (see the file comment). */
export function plainSecretCredentials(secret: string): VapiCredential[] {
  const token = (headerName: string): VapiBearerCredential => ({ type: 'bearer', token: secret, headerName, bearerPrefixEnabled: true });
  return [
    token('authorization'),
    token('x-vapi-secret'),
    // Vapi's 2025 docs sent the raw secret in X-Vapi-Signature.
    token('x-vapi-signature'),
    { ...vapiHmacDefaults(secret), signatureHeader: 'x-vapi-signature', signaturePrefix: 'sha256=', includeTimestamp: false, payloadFormat: '{body}' },
    vapiHmacDefaults(secret),
  ];
}

// ---------------------------------------------------------------------------------------------
// Configuration

export type ParsedCredential = { ok: true; credential: VapiCredential } | { ok: false; field: string; message: string };

const HMAC_FIELDS = [
  'type',
  'secretKey',
  'algorithm',
  'signatureHeader',
  'timestampHeader',
  'signaturePrefix',
  'includeTimestamp',
  'payloadFormat',
  'messageIdHeader',
  'signatureEncoding',
  'secretIsBase64',
  'serverUrl',
];
const BEARER_FIELDS = ['type', 'token', 'headerName', 'bearerPrefixEnabled'];
/** RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const PLACEHOLDER = /\{([A-Za-z0-9_-]+)\}/g;

class ConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A credential as configured: Vapi's `authenticationPlan` object (`{ type: "hmac", secretKey, ... }`
 * or `{ type: "bearer", token, ... }`), or the whole Custom Credential holding one. Unknown fields
 * are refused so a misspelt option is not silently ignored. Messages never contain secret values.
 */
export function parseVapiCredential(value: unknown): ParsedCredential {
  try {
    return { ok: true, credential: readCredential(value) };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, field: error.field, message: error.message };
    throw error;
  }
}

function readCredential(value: unknown): VapiCredential {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError('', 'must be a secret (text) or a credential object');
  const outer = value as Record<string, unknown>;
  const wrapped = typeof outer.authenticationPlan === 'object' && outer.authenticationPlan !== null;
  const plan = (wrapped ? outer.authenticationPlan : outer) as Record<string, unknown>;
  const at = (field: string) => (wrapped ? `authenticationPlan.${field}` : field);
  const fields = plan.type === 'hmac' ? HMAC_FIELDS : plan.type === 'bearer' ? BEARER_FIELDS : undefined;
  if (!fields) throw new ConfigError(at('type'), 'must be "hmac" or "bearer"');
  const unknown = Object.keys(plan).find((key) => !fields.includes(key));
  if (unknown !== undefined) throw new ConfigError(at(unknown), `is not an option of a Vapi ${String(plan.type)} credential`);

  const read = <T>(field: string, check: (v: unknown) => v is T, expected: string, fallback: T): T => {
    const raw = plan[field];
    if (raw === undefined || raw === null) return fallback;
    if (!check(raw)) throw new ConfigError(at(field), `must be ${expected}`);
    return raw;
  };
  const isText = (v: unknown): v is string => typeof v === 'string' && v !== '';
  const isPrefix = (v: unknown): v is string => typeof v === 'string';
  const isFlag = (v: unknown): v is boolean => typeof v === 'boolean';
  const isHeader = (v: unknown): v is string => typeof v === 'string' && HEADER_NAME.test(v);
  const oneOf =
    <T extends string>(values: readonly T[]) =>
    (v: unknown): v is T =>
      (values as readonly unknown[]).includes(v);
  const required = (field: string) => {
    const raw = plan[field];
    if (!isText(raw)) throw new ConfigError(at(field), 'is required (non-empty text)');
    return raw;
  };

  if (plan.type === 'bearer') {
    return {
      type: 'bearer',
      token: required('token'),
      headerName: read('headerName', isHeader, 'an HTTP header name', 'Authorization').toLowerCase(),
      bearerPrefixEnabled: read('bearerPrefixEnabled', isFlag, 'true or false', true),
    };
  }

  const secretKey = required('secretKey');
  const secretIsBase64 = read('secretIsBase64', isFlag, 'true or false', HMAC_DEFAULTS.secretIsBase64);
  if (secretIsBase64 && !BASE64.test(secretKey)) throw new ConfigError(at('secretKey'), 'must be base64 when secretIsBase64 is true');
  const includeTimestamp = read('includeTimestamp', isFlag, 'true or false', HMAC_DEFAULTS.includeTimestamp);
  // Without a timestamp Vapi has nothing to put in {timestamp}: the body alone is signed.
  const payloadFormat = read('payloadFormat', isText, 'non-empty text', includeTimestamp ? HMAC_DEFAULTS.payloadFormat : '{body}');
  const messageIdHeader = read<string | undefined>('messageIdHeader', isHeader, 'an HTTP header name', undefined)?.toLowerCase();
  const placeholders = [...payloadFormat.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  const unknownPlaceholder = placeholders.find((name) => !(PLACEHOLDERS as readonly string[]).includes(name));
  if (unknownPlaceholder !== undefined)
    throw new ConfigError(at('payloadFormat'), `has an unknown placeholder {${unknownPlaceholder}} (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')})`);
  // A format without the body would accept any body carrying a valid signature of another.
  if (!placeholders.includes('body')) throw new ConfigError(at('payloadFormat'), 'must contain {body}');
  if (placeholders.includes('timestamp') && !includeTimestamp) throw new ConfigError(at('payloadFormat'), 'uses {timestamp} but includeTimestamp is false');
  if (placeholders.includes('svix-id') && messageIdHeader === undefined)
    throw new ConfigError(at('messageIdHeader'), 'is required when payloadFormat uses {svix-id}');
  const serverUrl = read<string | undefined>('serverUrl', (v): v is string => typeof v === 'string' && URL.canParse(v), 'an absolute URL', undefined);
  return {
    type: 'hmac',
    secretKey,
    algorithm: read('algorithm', oneOf(VAPI_HMAC_ALGORITHMS), VAPI_HMAC_ALGORITHMS.join(', '), HMAC_DEFAULTS.algorithm),
    signatureHeader: read('signatureHeader', isHeader, 'an HTTP header name', HMAC_DEFAULTS.signatureHeader).toLowerCase(),
    timestampHeader: read('timestampHeader', isHeader, 'an HTTP header name', HMAC_DEFAULTS.timestampHeader).toLowerCase(),
    signaturePrefix: read('signaturePrefix', isPrefix, 'text', HMAC_DEFAULTS.signaturePrefix),
    includeTimestamp,
    payloadFormat,
    messageIdHeader,
    signatureEncoding: read('signatureEncoding', oneOf(VAPI_SIGNATURE_ENCODINGS), VAPI_SIGNATURE_ENCODINGS.join(', '), HMAC_DEFAULTS.signatureEncoding),
    secretIsBase64,
    serverUrl,
  };
}

// ---------------------------------------------------------------------------------------------
// Verification

type Check = { present: false } | { present: true; ok: boolean; reason: string };

/** HTTP's optional whitespace only (as lib/auth.ts): NBSP and the like are part of the value. */
const trimOws = (value: string) => value.replace(/^[ \t]+|[ \t]+$/g, '');

/** Seconds or milliseconds since the epoch (Vapi does not document the unit), as milliseconds. */
export function vapiTimestampMs(value: string): number | undefined {
  const trimmed = trimOws(value);
  if (!/^\d{1,16}(?:\.\d{1,6})?$/.test(trimmed)) return undefined;
  const n = Number(trimmed);
  // 1e11 s is the year 5138, 1e11 ms is 1973: no plausible timestamp is ambiguous.
  return n < 1e11 ? n * 1000 : n;
}

/** The bytes signed: the payload format with its placeholders filled, the body as received. */
function signedPayload(credential: VapiHmacCredential, values: Partial<Record<Placeholder, string | Buffer>>): Buffer | { missing: Placeholder } {
  const parts: Buffer[] = [];
  let last = 0;
  for (const match of credential.payloadFormat.matchAll(PLACEHOLDER)) {
    const name = match[1] as Placeholder;
    const value = values[name];
    if (value === undefined) return { missing: name };
    parts.push(Buffer.from(credential.payloadFormat.slice(last, match.index), 'utf8'), typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
    last = match.index + match[0].length;
  }
  parts.push(Buffer.from(credential.payloadFormat.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

function mac(credential: VapiHmacCredential, payload: Buffer): string {
  const key = credential.secretIsBase64 ? Buffer.from(credential.secretKey, 'base64') : credential.secretKey;
  return createHmac(credential.algorithm, key).update(payload).digest(credential.signatureEncoding);
}

/** Hex in either case; base64 with or without its padding. */
const canonicalSignature = (value: string, encoding: VapiHmacCredential['signatureEncoding']) =>
  encoding === 'hex' ? value.toLowerCase() : value.replace(/=+$/, '');

function checkHmac(credential: VapiHmacCredential, request: SignedRequest): Check {
  const presented = request.headers[credential.signatureHeader];
  if (presented === undefined) return { present: false };
  const fail = (reason: string): Check => ({ present: true, ok: false, reason: `${credential.signatureHeader}: ${reason}` });
  let timestamp: string | undefined;
  if (credential.includeTimestamp) {
    timestamp = request.headers[credential.timestampHeader];
    if (timestamp === undefined) return fail(`no ${credential.timestampHeader} header`);
    const ms = vapiTimestampMs(timestamp);
    if (ms === undefined) return fail(`${credential.timestampHeader} is not epoch seconds or milliseconds`);
    if (Math.abs(request.nowMs - ms) > MAX_VAPI_TIMESTAMP_AGE_MS) return fail(`${credential.timestampHeader} is stale`);
  }
  const messageId = credential.messageIdHeader === undefined ? undefined : request.headers[credential.messageIdHeader];
  const payload = signedPayload(credential, {
    body: request.rawBody,
    timestamp,
    method: request.method?.toUpperCase(),
    url: credential.serverUrl ?? request.url,
    'svix-id': messageId,
  });
  if (!Buffer.isBuffer(payload)) return fail(`nothing to fill {${payload.missing}} with`);
  let signature = trimOws(presented);
  if (credential.signaturePrefix !== '' && signature.startsWith(credential.signaturePrefix)) signature = signature.slice(credential.signaturePrefix.length);
  const encoding = credential.signatureEncoding;
  const ok = sameSecret(canonicalSignature(mac(credential, payload), encoding), canonicalSignature(signature, encoding));
  return ok ? { present: true, ok, reason: '' } : fail('does not match');
}

function checkBearer(credential: VapiBearerCredential, request: SignedRequest): Check {
  const presented = request.headers[credential.headerName];
  if (presented === undefined) return { present: false };
  const value = trimOws(presented);
  // Accepted with or without the prefix, whatever bearerPrefixEnabled says: both prove the token.
  const withoutPrefix = value.replace(/^bearer[ \t]+/i, '');
  const ok = [sameSecret(credential.token, value), sameSecret(credential.token, withoutPrefix)].includes(true);
  return { present: true, ok, reason: ok ? '' : `${credential.headerName} does not match` };
}

const headerOf = (credential: VapiCredential) => (credential.type === 'hmac' ? credential.signatureHeader : credential.headerName);

/** Accepted when any credential matches; every one is checked, so timing does not tell which. */
export function verifyVapi(request: SignedRequest, credentials: readonly VapiCredential[]): Verification {
  const checks = credentials.map((credential) => (credential.type === 'hmac' ? checkHmac(credential, request) : checkBearer(credential, request)));
  if (anyMatches(checks, (check) => check.present && check.ok)) return { ok: true };
  const reasons = [...new Set(checks.flatMap((check) => (check.present ? [check.reason] : [])))];
  if (reasons.length > 0) return { ok: false, reason: reasons.join('; ') };
  const headers = [...new Set(credentials.map(headerOf))];
  return { ok: false, reason: `no Vapi credential header (expected one of ${headers.join(', ')})` };
}

/** What Vapi sends with this credential (tests, the README's replay examples). */
export function signVapi(
  credential: VapiCredential,
  rawBody: string | Buffer,
  nowMs: number,
  extra: { method?: string; url?: string; messageId?: string; timestampUnit?: 's' | 'ms' } = {},
): Record<string, string> {
  if (credential.type === 'bearer') return { [credential.headerName]: credential.bearerPrefixEnabled ? `Bearer ${credential.token}` : credential.token };
  const timestamp = String(extra.timestampUnit === 's' ? Math.floor(nowMs / 1000) : nowMs);
  const payload = signedPayload(credential, {
    body: typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody,
    timestamp,
    method: extra.method ?? 'POST',
    url: credential.serverUrl ?? extra.url,
    'svix-id': extra.messageId,
  });
  if (!Buffer.isBuffer(payload)) throw new Error(`signVapi: nothing to fill {${payload.missing}} with`);
  return {
    [credential.signatureHeader]: `${credential.signaturePrefix}${mac(credential, payload)}`,
    ...(credential.includeTimestamp ? { [credential.timestampHeader]: timestamp } : {}),
    ...(credential.messageIdHeader !== undefined && extra.messageId !== undefined ? { [credential.messageIdHeader]: extra.messageId } : {}),
  };
}
