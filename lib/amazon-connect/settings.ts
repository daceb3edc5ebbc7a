/**
 * The Amazon Connect pipeline's settings: the CDK context key `amazonConnect` (validated at synth by
 * cdk/settings.ts) and the environment the Lambda gets from it (read once per cold start here).
 */

/** Contact Lens writes voice analysis files under these prefixes of the instance's bucket (AWS: "Output file locations"). */
export const ANALYSIS_PREFIX = { raw: 'Analysis/Voice/', redacted: 'Analysis/Voice/Redacted/' } as const;

export interface AmazonConnectSettings {
  /** arn:aws:connect:<region>:<account>:instance/<id> */
  instanceArn: string;
  /** The instance's bucket, where Contact Lens writes its analysis files. */
  bucket: string;
  /** Which twin to store: the redacted files (default) or the raw ones. */
  redacted: boolean;
  /** The KMS key the bucket's objects are encrypted with, when it is a customer managed key. */
  kmsKeyArn: string | undefined;
}

export interface ConnectInstance {
  arn: string;
  partition: string;
  region: string;
  account: string;
  id: string;
}

const INSTANCE_ARN = /^arn:(aws[a-z-]*):connect:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):instance\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:key\/[0-9a-zA-Z-]+$/;
/** S3's rules for bucket names (general purpose buckets). */
const BUCKET_NAME = /^(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseInstanceArn(value: string): ConnectInstance | undefined {
  const match = INSTANCE_ARN.exec(value);
  if (!match) return undefined;
  const [, partition, region, account, id] = match as unknown as [string, string, string, string, string];
  return { arn: value, partition, region, account, id };
}

/**
 * `amazonConnect` as cdk.json gives it (an object) or `-c amazonConnect='{...}'` (its JSON text).
 * Undefined when unset; throws a message naming the field otherwise.
 */
export function parseAmazonConnectSettings(value: unknown, name = 'amazonConnect'): AmazonConnectSettings | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new Error(`${name} must be a JSON object such as {"instanceArn":"arn:aws:connect:...","bucket":"..."}, got ${JSON.stringify(value)}`);
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${name} must be a JSON object with instanceArn and bucket`);
  const given = parsed as Record<string, unknown>;
  const unknownKeys = Object.keys(given).filter((key) => !['instanceArn', 'bucket', 'redacted', 'kmsKeyArn'].includes(key));
  if (unknownKeys.length > 0) throw new Error(`${name} has unknown keys (${unknownKeys.join(', ')}): it takes instanceArn, bucket, redacted and kmsKeyArn`);

  const { instanceArn, bucket, redacted, kmsKeyArn } = given;
  if (typeof instanceArn !== 'string' || !parseInstanceArn(instanceArn)) {
    throw new Error(
      `${name}: instanceArn must be an Amazon Connect instance ARN (arn:aws:connect:<region>:<account>:instance/<id>), got ${JSON.stringify(instanceArn)}`,
    );
  }
  if (typeof bucket !== 'string' || !BUCKET_NAME.test(bucket)) {
    throw new Error(`${name}: bucket must be the name of the instance's S3 bucket (not an ARN or s3:// URL), got ${JSON.stringify(bucket)}`);
  }
  if (redacted !== undefined && typeof redacted !== 'boolean') throw new Error(`${name}: redacted must be true or false, got ${JSON.stringify(redacted)}`);
  if (kmsKeyArn !== undefined && (typeof kmsKeyArn !== 'string' || !KMS_KEY_ARN.test(kmsKeyArn))) {
    throw new Error(`${name}: kmsKeyArn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), got ${JSON.stringify(kmsKeyArn)}`);
  }
  return { instanceArn, bucket, redacted: redacted ?? true, kmsKeyArn };
}

/** The environment variables of the Connect analysis Lambda. */
export const CONNECT_ENV = {
  instanceArn: 'CONNECT_INSTANCE_ARN',
  bucket: 'CONNECT_BUCKET',
  /** `redacted` or `raw`. */
  output: 'CONNECT_ANALYSIS_OUTPUT',
} as const;

export function connectSettingsFromEnv(env: NodeJS.ProcessEnv): Omit<AmazonConnectSettings, 'kmsKeyArn'> & { instance: ConnectInstance } {
  const instanceArn = env[CONNECT_ENV.instanceArn] ?? '';
  const instance = parseInstanceArn(instanceArn);
  if (!instance) throw new Error(`${CONNECT_ENV.instanceArn} must be an Amazon Connect instance ARN, got "${instanceArn}"`);
  const bucket = env[CONNECT_ENV.bucket];
  if (!bucket) throw new Error(`${CONNECT_ENV.bucket} is not set`);
  const output = env[CONNECT_ENV.output] ?? 'redacted';
  if (output !== 'redacted' && output !== 'raw') throw new Error(`${CONNECT_ENV.output} must be "redacted" or "raw", got "${output}"`);
  return { instanceArn, instance, bucket, redacted: output === 'redacted' };
}
