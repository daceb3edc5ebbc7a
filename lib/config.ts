import { E164_PATTERN } from './call/phone';
import { parseRecordingBuckets, RECORDING_ENV, type RecordingBucket } from './recordings/location';

/**
 * Environment variables shared by the Lambdas (set by the CDK functions construct) and local mode.
 * Parsed once per cold start.
 */
export const ENV = {
  tableName: 'TABLE_NAME',
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
  /** Comma-separated keys (local mode, tests). Takes precedence over the secret. */
  readKeys: 'READ_API_KEYS',
  ingestKeys: 'INGEST_API_KEYS',
  /** Secrets Manager secret id holding the keys (deployed). */
  readKeysSecretId: 'READ_KEYS_SECRET_ID',
  ingestKeysSecretId: 'INGEST_KEYS_SECRET_ID',
  retentionDays: 'RETENTION_DAYS',
  maxWindowDays: 'MAX_WINDOW_DAYS',
  maxBodyBytes: 'MAX_BODY_BYTES',
  /** E.164 number given to calls that have none (web calls); unset refuses them. */
  webCallNumber: 'WEB_CALL_NUMBER',
} as const;

export interface AdapterConfig {
  tableName: string;
  dynamodbEndpoint: string | undefined;
  retentionDays: number;
  maxWindowDays: number;
  maxBodyBytes: number;
  webCallNumber: string | undefined;
  /** RECORDING_BUCKETS: where a recording stored as an S3 location may be (empty: S3 locations are refused). */
  recordingBuckets: RecordingBucket[];
}

export const DEFAULTS = {
  retentionDays: 90,
  maxWindowDays: 31,
  /** Below Lambda's 6 MB synchronous payload cap, leaving room for the event envelope. */
  maxBodyBytes: 5 * 1024 * 1024,
} as const;

function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${name} must be a positive number, got "${raw}"`);
  }
  return value;
}

function webCallNumber(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!E164_PATTERN.test(raw)) throw new Error(`${ENV.webCallNumber} must be an E.164 number, got "${raw}"`);
  return raw;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AdapterConfig {
  const tableName = env[ENV.tableName];
  if (!tableName) throw new Error(`${ENV.tableName} is not set`);
  return {
    tableName,
    dynamodbEndpoint: env[ENV.dynamodbEndpoint] || undefined,
    retentionDays: positiveNumber(env, ENV.retentionDays, DEFAULTS.retentionDays),
    maxWindowDays: positiveNumber(env, ENV.maxWindowDays, DEFAULTS.maxWindowDays),
    maxBodyBytes: positiveNumber(env, ENV.maxBodyBytes, DEFAULTS.maxBodyBytes),
    webCallNumber: webCallNumber(env[ENV.webCallNumber]),
    recordingBuckets: parseRecordingBuckets(env[RECORDING_ENV.buckets]),
  };
}
