import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { FORWARD_DEFAULTS, parseMessageTimes, parsePushWindow } from '../lib/cekura-push/forward';
import { type MessageTimeUnit, parseAgentId } from '../lib/cekura-push/payload';
import { E164_PATTERN } from '../lib/phone';

/**
 * Deployment settings, read from CDK context (`cdk.json`, or `cdk deploy -c key=value`).
 * The defaults below mirror `cdk.json`, so an app built without it (tests) deploys the same thing.
 */
export interface Settings {
  /** Days a call is kept before DynamoDB TTL removes it. */
  retentionDays: number;
  /** Widest startedAt range one read may ask for. */
  maxWindowDays: number;
  /** Stage-wide steady-state requests per second. */
  throttleRateLimit: number;
  /** Stage-wide burst of requests. */
  throttleBurstLimit: number;
  /** What happens to the table, secrets and log groups when the stack is deleted. */
  removalPolicy: RemovalPolicy;
  /** Retention of the Lambda and access log groups; one of CloudWatch Logs' allowed values. */
  logRetention: RetentionDays;
  /** E.164 number given to calls without one (web calls); undefined refuses them. */
  webCallNumber: string | undefined;
}

export const SETTING_DEFAULTS = {
  retentionDays: 90,
  maxWindowDays: 31,
  throttleRateLimit: 50,
  throttleBurstLimit: 100,
  removalPolicy: 'retain',
  logRetentionDays: 30,
} as const;

export type SettingKey = keyof typeof SETTING_DEFAULTS;

const REMOVAL_POLICIES: Record<string, RemovalPolicy> = {
  retain: RemovalPolicy.RETAIN,
  destroy: RemovalPolicy.DESTROY,
};

const LOG_RETENTION_VALUES = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number');

export function loadSettings(scope: Construct): Settings {
  // `-c key=value` on the command line arrives as a string, cdk.json values as JSON types.
  const raw = (key: SettingKey): unknown => scope.node.tryGetContext(key) ?? SETTING_DEFAULTS[key];

  const logRetentionDays = integer(raw('logRetentionDays'), 'logRetentionDays');
  if (!LOG_RETENTION_VALUES.includes(logRetentionDays)) {
    throw new Error(
      `Context "logRetentionDays" must be one of CloudWatch Logs' retention values (${LOG_RETENTION_VALUES.join(', ')}), got ${logRetentionDays}`,
    );
  }

  const removal = String(raw('removalPolicy'));
  const removalPolicy = REMOVAL_POLICIES[removal];
  if (!removalPolicy) {
    throw new Error(`Context "removalPolicy" must be "retain" or "destroy", got "${removal}"`);
  }

  return {
    retentionDays: integer(raw('retentionDays'), 'retentionDays'),
    maxWindowDays: integer(raw('maxWindowDays'), 'maxWindowDays'),
    throttleRateLimit: positive(raw('throttleRateLimit'), 'throttleRateLimit'),
    throttleBurstLimit: integer(raw('throttleBurstLimit'), 'throttleBurstLimit'),
    removalPolicy,
    logRetention: logRetentionDays as RetentionDays,
    webCallNumber: webCallNumber(scope.node.tryGetContext('webCallNumber')),
  };
}

/** Optional, so not in SETTING_DEFAULTS: unset means web calls are refused. */
function webCallNumber(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !E164_PATTERN.test(value)) {
    throw new Error(`Context "webCallNumber" must be an E.164 number such as +15550000000, got ${JSON.stringify(value)}`);
  }
  return value;
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return NaN;
}

function positive(value: unknown, key: SettingKey): number {
  const n = toNumber(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new Error(`Context "${key}" must be a positive number, got ${JSON.stringify(value)}`);
  }
  return n;
}

function integer(value: unknown, key: SettingKey): number {
  const n = toNumber(value);
  if (!Number.isInteger(n) || n <= 0) {
    throw new Error(`Context "${key}" must be a positive whole number, got ${JSON.stringify(value)}`);
  }
  return n;
}

/**
 * Pushing every stored call to Cekura's custom-provider webhook (optional). On only when context
 * `cekuraAgentId` is set; the other keys then have defaults. Kept out of SETTING_DEFAULTS and
 * cdk.json on purpose: without `cekuraAgentId` the stack has no stream, forwarder or queue at all.
 */
export interface CekuraPushSettings {
  agentId: number;
  webhookUrl: string;
  messageTimes: MessageTimeUnit;
  pushWindowMinutes: number;
  /** An existing secret holding the key; undefined creates one for the user to fill. */
  apiKeySecretArn: string | undefined;
}

export const CEKURA_CONTEXT = {
  agentId: 'cekuraAgentId',
  webhookUrl: 'cekuraWebhookUrl',
  messageTimes: 'cekuraMessageTimes',
  pushWindowMinutes: 'cekuraPushWindowMinutes',
  apiKeySecretArn: 'cekuraApiKeySecretArn',
} as const;

export function loadCekuraPushSettings(scope: Construct): CekuraPushSettings | undefined {
  const raw = (key: keyof typeof CEKURA_CONTEXT): unknown => {
    const value: unknown = scope.node.tryGetContext(CEKURA_CONTEXT[key]);
    return value === '' ? undefined : value;
  };
  const agentId = raw('agentId');
  if (agentId === undefined) return undefined;
  const context = (key: keyof typeof CEKURA_CONTEXT, parse: () => unknown) => {
    try {
      return parse();
    } catch (error) {
      throw new Error(`Context "${CEKURA_CONTEXT[key]}": ${(error as Error).message}`);
    }
  };
  const webhookUrl = String(raw('webhookUrl') ?? FORWARD_DEFAULTS.url);
  if (!/^https:\/\/[^/]+/.test(webhookUrl)) throw new Error(`Context "${CEKURA_CONTEXT.webhookUrl}" must be an https URL, got "${webhookUrl}"`);
  const apiKeySecretArn = raw('apiKeySecretArn');
  if (apiKeySecretArn !== undefined && !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+/.test(String(apiKeySecretArn))) {
    throw new Error(`Context "${CEKURA_CONTEXT.apiKeySecretArn}" must be a Secrets Manager secret ARN, got "${String(apiKeySecretArn)}"`);
  }
  return {
    agentId: context('agentId', () => parseAgentId(agentId)) as number,
    webhookUrl,
    messageTimes: context('messageTimes', () => parseMessageTimes(raw('messageTimes') ?? FORWARD_DEFAULTS.messageTimes)) as MessageTimeUnit,
    pushWindowMinutes: context('pushWindowMinutes', () => parsePushWindow(raw('pushWindowMinutes') ?? FORWARD_DEFAULTS.pushWindowMinutes)) as number,
    apiKeySecretArn: apiKeySecretArn === undefined ? undefined : String(apiKeySecretArn),
  };
}
