/**
 * Where a call's recording is: the link Cekura is given to fetch it. An `https:` URL, or an S3
 * location: `s3://bucket/key`, or `bucket/key` without a scheme (Amazon Connect's recording location).
 * Nothing else: `javascript:`, `data:` and `file:` links were stored and pushed to Cekura, and a page
 * showing one would run or open it; `http:` is refused too (no source this adapter reads gives one,
 * and Cekura fetches recordings across the internet, where a caller's voice must not travel in clear).
 */

export const RECORDING_URL_MESSAGE = 'must be an https URL, or an S3 location: s3://bucket/key, or bucket/key as Amazon Connect gives it';

/**
 * An S3 bucket name (AWS's rules for general purpose buckets): 3-63 characters, lower-case letters,
 * digits, dots and hyphens, starting and ending with a letter or digit, no `..`, not an IP address.
 */
const BUCKET_NAME = /^(?!\d{1,3}(?:\.\d{1,3}){3}$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** An object key: not empty, no control characters (S3 allows them, no recording path has them). */
const OBJECT_KEY = /^\P{Cc}+$/u;

export function isRecordingLocation(value: string): boolean {
  const s3 = /^s3:\/\//i.test(value) ? value.slice('s3://'.length) : undefined;
  if (s3 === undefined && /^[a-z][a-z0-9+.-]*:/i.test(value)) {
    // Any other scheme: only https, to a host.
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    return url.protocol === 'https:' && url.hostname !== '';
  }
  const location = s3 ?? value;
  const slash = location.indexOf('/');
  if (slash === -1) return false;
  return BUCKET_NAME.test(location.slice(0, slash)) && OBJECT_KEY.test(location.slice(slash + 1));
}
