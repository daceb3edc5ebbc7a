/**
 * Recordings kept in the user's own S3 buckets. A call's `recordingUrl` may be an S3 location:
 * `s3://bucket/key`, or `bucket/key` as Amazon Connect's contact record gives it (DescribeContact's
 * `Recordings[].Location`: the bucket name first, no scheme). It is stored as given; whenever the
 * adapter hands the call to Cekura (the push, Observe, and the GET /calls Cekura pulls) it becomes
 * a pre-signed HTTPS GET URL that works for a limited time (lib/recordings/signer.ts).
 *
 * The adapter signs only for the buckets (and key prefixes) it is configured with: CDK context
 * `recordingBuckets`, passed to the Lambdas (and given locally) as RECORDING_BUCKETS, a
 * comma-separated list of `bucket[/prefix]`. A location outside that list is refused at ingest:
 * no one could fetch it, and the deployed Lambdas have no permission to sign it. Pure.
 */

/** Environment variables of the recordings (Lambdas and local mode). */
export const RECORDING_ENV = {
  /** Comma-separated `bucket[/prefix]`: where recordings may be signed for. */
  buckets: 'RECORDING_BUCKETS',
  /** Lifetime of a signed link, minutes. */
  linkMinutes: 'RECORDING_LINK_MINUTES',
  /** A loopback S3 stand-in (local mode and tests only): path-style requests to this endpoint. */
  s3Endpoint: 'RECORDING_S3_ENDPOINT',
} as const;

export const RECORDING_DEFAULTS = {
  /** Long enough for Cekura to fetch the audio after the push or a pull; short enough to be a link, not a share. */
  linkMinutes: 60,
  /** SigV4's limit for a pre-signed URL: 7 days. */
  maxLinkMinutes: 7 * 24 * 60,
} as const;

export interface S3Location {
  bucket: string;
  /** As given: not percent-decoded (an S3 key may hold `%`, spaces and `:` literally). */
  key: string;
}

/** One entry of the allowlist: a bucket, and optionally the key prefix its recordings are under. */
export interface RecordingBucket {
  bucket: string;
  /** '' for the whole bucket; otherwise a key prefix (`connect/instance/CallRecordings/`). */
  prefix: string;
}

/**
 * S3's bucket naming rules (general purpose buckets): 3-63 characters, lower-case letters, digits,
 * dots and hyphens, starting and ending with a letter or digit, not an IP address. A bucket with a
 * dot cannot be reached over virtual-hosted HTTPS, but path-style requests still sign it correctly.
 */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d{1,3}(\.\d{1,3}){3}$/;

export function isBucketName(name: string): boolean {
  return BUCKET.test(name) && !IP_ADDRESS.test(name) && !name.includes('..');
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** An S3 location (`s3://bucket/key` or `bucket/key`), or undefined for anything else (an https URL...). */
export function parseS3Location(value: string): S3Location | undefined {
  const rest = value.startsWith('s3://') ? value.slice('s3://'.length) : /^[a-z][a-z0-9+.-]*:/i.test(value) ? undefined : value;
  if (rest === undefined) return undefined;
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  const bucket = rest.slice(0, slash);
  const key = rest.slice(slash + 1);
  if (!isBucketName(bucket) || key === '' || hasControlCharacter(key)) return undefined;
  // S3 keys are at most 1,024 bytes of UTF-8.
  if (Buffer.byteLength(key) > 1024) return undefined;
  return { bucket, key };
}

/** Whether a recordingUrl names an S3 location (then it must be in the allowlist to be stored). */
export function isS3Location(value: string): boolean {
  return parseS3Location(value) !== undefined;
}

/**
 * RECORDING_BUCKETS: comma-separated `bucket[/prefix]`, e.g.
 * `amazon-connect-1a2b/connect/acme/CallRecordings,my-recordings`. Throws naming the entry.
 */
export function parseRecordingBuckets(value: string | undefined, name: string = RECORDING_ENV.buckets): RecordingBucket[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((raw) => parseRecordingBucket(raw.trim(), name));
}

export function parseRecordingBucket(entry: string, name: string = RECORDING_ENV.buckets): RecordingBucket {
  const trimmed = entry.startsWith('s3://') ? entry.slice('s3://'.length) : entry;
  const slash = trimmed.indexOf('/');
  const bucket = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const prefix = slash === -1 ? '' : trimmed.slice(slash + 1);
  if (!isBucketName(bucket)) {
    throw new Error(
      `${name}: "${entry}" does not start with an S3 bucket name (3-63 lower-case letters, digits, dots or hyphens), as in my-bucket or my-bucket/prefix`,
    );
  }
  if (/[*?]/.test(prefix) || hasControlCharacter(prefix)) throw new Error(`${name}: the prefix of "${entry}" must be a plain key prefix (no wildcards)`);
  return { bucket, prefix };
}

/** The allowlist as RECORDING_BUCKETS text (what the Lambdas are given). */
export function formatRecordingBuckets(buckets: readonly RecordingBucket[]): string {
  return buckets.map((b) => (b.prefix === '' ? b.bucket : `${b.bucket}/${b.prefix}`)).join(',');
}

/** The allowlist entry that covers a location, or undefined. */
export function allowedBy(location: S3Location, buckets: readonly RecordingBucket[]): RecordingBucket | undefined {
  return buckets.find((b) => b.bucket === location.bucket && location.key.startsWith(b.prefix));
}

/**
 * Why an S3 location may not be stored, or undefined when it may (not S3 at all, or allowed).
 * The message is for a 400 on `recordingUrl`.
 */
export function recordingLocationProblem(recordingUrl: string, buckets: readonly RecordingBucket[]): string | undefined {
  const location = parseS3Location(recordingUrl);
  if (!location || allowedBy(location, buckets)) return undefined;
  if (buckets.length === 0) {
    return (
      `is an S3 location (bucket ${location.bucket}), but no recording bucket is configured: ` +
      'list it in RECORDING_BUCKETS (CDK context recordingBuckets) so the adapter may sign links to it'
    );
  }
  const listed = formatRecordingBuckets(buckets);
  return `is in S3 bucket ${location.bucket} under a key the adapter may not sign for (allowed: ${listed}); add it to RECORDING_BUCKETS (CDK context recordingBuckets)`;
}

/** RECORDING_LINK_MINUTES: a whole number of minutes from 1 to 7 days. */
export function parseLinkMinutes(value: unknown, name: string = RECORDING_ENV.linkMinutes): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > RECORDING_DEFAULTS.maxLinkMinutes) {
    throw new Error(`${name} must be a whole number of minutes from 1 to ${RECORDING_DEFAULTS.maxLinkMinutes} (7 days), got ${JSON.stringify(value)}`);
  }
  return n;
}

/**
 * Bytes a signed link may add to a stored call's size in a response, over its S3 location: the
 * host, the key percent-encoded (up to 3 bytes a byte), the X-Amz-* parameters and, with a Lambda
 * role's temporary credentials, a session token of about 1 KB. Counted at ingest, so GET /calls
 * budgets its pages with the links in them.
 */
export function signedLinkAllowanceBytes(location: S3Location): number {
  return 2 * location.bucket.length + 3 * Buffer.byteLength(location.key) + 2_560;
}
