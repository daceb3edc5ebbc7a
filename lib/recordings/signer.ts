/**
 * Signs recordings' S3 locations into pre-signed HTTPS GET URLs (SigV4 query authentication), with
 * the credentials the process has (a Lambda's role; locally the usual AWS credential chain). The
 * adapter between the pure rules in location.ts and S3: nothing is fetched or listed, and no
 * request reaches S3 to sign (a pre-signed URL is computed locally).
 *
 * A URL signed with temporary credentials (a Lambda role's) stops working when those credentials
 * expire, whatever its own lifetime: at most the role session's remaining time.
 */
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { Call } from '../call';
import { logger } from '../logger';
import { allowedBy, parseLinkMinutes, parseRecordingBuckets, parseS3Location, RECORDING_DEFAULTS, RECORDING_ENV, type RecordingBucket } from './location';

/** A recordingUrl as Cekura gets it: an S3 location signed, anything else as stored. */
export type RecordingSigner = (recordingUrl: string) => Promise<string>;

export interface S3SignerOptions {
  buckets: readonly RecordingBucket[];
  linkMinutes?: number;
  /** The client to sign with (its region, credentials and endpoint), or its configuration; by default one from the environment. */
  client?: S3Client | S3ClientConfig;
  /** The signing clock (tests); the system clock by default. */
  now?: () => Date;
}

/**
 * Signs S3 locations the allowlist covers; returns every other recordingUrl unchanged. A location
 * outside the list (stored before the list changed) is served as stored and logged: it cannot be
 * signed with permissions the role does not have.
 */
export function s3RecordingSigner(options: S3SignerOptions): RecordingSigner {
  const expiresIn = (options.linkMinutes ?? RECORDING_DEFAULTS.linkMinutes) * 60;
  let client: S3Client | undefined;
  return async (recordingUrl) => {
    const location = parseS3Location(recordingUrl);
    if (!location) return recordingUrl;
    if (!allowedBy(location, options.buckets)) {
      logger.warn('recording not signed: its S3 location is outside RECORDING_BUCKETS', { bucket: location.bucket });
      return recordingUrl;
    }
    // Loaded on the first recording to sign: a read Lambda serving calls without one never pays for the S3 client.
    const [{ GetObjectCommand, S3Client }, { getSignedUrl }] = await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/s3-request-presigner')]);
    client ??= isClient(options.client) ? options.client : new S3Client(options.client ?? {});
    return getSignedUrl(client, new GetObjectCommand({ Bucket: location.bucket, Key: location.key }), {
      expiresIn,
      ...(options.now ? { signingDate: options.now() } : {}),
    });
  };
}

function isClient(value: S3Client | S3ClientConfig | undefined): value is S3Client {
  return typeof (value as { send?: unknown } | undefined)?.send === 'function';
}

/**
 * The signer the environment asks for, or undefined when RECORDING_BUCKETS is unset (nothing to
 * sign: S3 locations are refused at ingest then). RECORDING_S3_ENDPOINT points it at a loopback
 * stand-in (path-style), for local mode and tests.
 */
export function recordingSignerFromEnv(env: NodeJS.ProcessEnv = process.env): RecordingSigner | undefined {
  const buckets = parseRecordingBuckets(env[RECORDING_ENV.buckets]);
  if (buckets.length === 0) return undefined;
  const minutes = env[RECORDING_ENV.linkMinutes];
  const endpoint = env[RECORDING_ENV.s3Endpoint]?.trim() || undefined;
  return s3RecordingSigner({
    buckets,
    linkMinutes: minutes === undefined || minutes.trim() === '' ? undefined : parseLinkMinutes(minutes),
    client: {
      ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
      ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
      // The credential chain reads process.env; an env given here (local mode's) is read the same way.
      ...(env !== process.env && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
        ? {
            credentials: {
              accessKeyId: env.AWS_ACCESS_KEY_ID,
              secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
              ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
            },
          }
        : {}),
    },
  });
}

/** The call as Cekura gets it: its recording signed (a copy; the call itself is not changed). */
export async function withSignedRecording(call: Call, sign: RecordingSigner | undefined): Promise<Call> {
  if (!sign || call.recordingUrl === undefined || parseS3Location(call.recordingUrl) === undefined) return call;
  return { ...call, recordingUrl: await sign(call.recordingUrl) };
}

const NON_HTTP_RECORDING = /"recordingUrl":"(?!https?:\/\/)/;

/**
 * A stored call's JSON as GET /calls serves it: unchanged (not even parsed) unless its recordingUrl
 * is an S3 location, which is replaced by its signed link.
 */
export async function signStoredCallJson(json: string, sign: RecordingSigner | undefined): Promise<string> {
  // A call with an S3 recording holds this key with a value that is not an http(s) URL (a string
  // inside a transcript has its quotes escaped, so cannot match); every other call is passed
  // through as the stored bytes.
  if (!sign || !NON_HTTP_RECORDING.test(json)) return json;
  const call = JSON.parse(json) as Call;
  const signed = await withSignedRecording(call, sign);
  return signed === call ? json : JSON.stringify(signed);
}
