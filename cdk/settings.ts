import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { type AmazonConnectSettings, parseAmazonConnectSettings } from '../lib/amazon-connect/settings';
import { E164_PATTERN } from '../lib/call/phone';
import { FORWARD_DEFAULTS, parseAgentMap, parseMessageTimes, parsePushWindow } from '../lib/cekura-push/forward';
import { parseRedactFields } from '../lib/cekura-push/observe';
import { type MessageTimeUnit, parseAgentId } from '../lib/cekura-push/payload';
import { parseApiBaseUrl, RUN_LOOKUP_DEFAULTS } from '../lib/cekura-push/runs';
import {
  formatRecordingBuckets,
  parseLinkMinutes,
  parseRecordingBucket,
  RECORDING_DEFAULTS,
  RECORDING_ENV,
  type RecordingBucket,
} from '../lib/recordings/location';

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
  /** Where the alarms notify (an SNS topic with this one email subscription); undefined: no topic. */
  alarmEmail: string | undefined;
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
    alarmEmail: alarmEmail(scope.node.tryGetContext('alarmEmail')),
  };
}

/** Optional, so not in SETTING_DEFAULTS: unset means the alarms notify nobody (they still show in CloudWatch). */
function alarmEmail(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  // SNS checks the address when it sends the confirmation; this only catches a value that is plainly not one.
  if (typeof value !== 'string' || !/^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/.test(value.trim())) {
    throw new Error(`Context "alarmEmail" must be one email address such as ops@example.com, got ${JSON.stringify(value)}`);
  }
  return value.trim();
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
 * Pushing every stored call to Cekura's custom-provider webhook (optional). On when context
 * `cekuraAgentId` or `cekuraAgents` is set, or `cekuraPush` is on (every call then carries its own
 * agent_id); `cekuraPush` off turns it off whatever else is set, as CEKURA_PUSH does for the
 * forwarder. Kept out of SETTING_DEFAULTS and cdk.json on purpose: with push off the stack has no
 * stream, forwarder or queue at all.
 */
export interface CekuraPushSettings {
  /** The default agent: calls with no agent_id whose number is not in `agents`. */
  agentId: number | undefined;
  /** Agent number (E.164) → Cekura agent id; undefined when not given. */
  agents: Readonly<Record<string, number>> | undefined;
  webhookUrl: string;
  messageTimes: MessageTimeUnit;
  pushWindowMinutes: number;
  /** An existing secret holding the key; undefined creates one for the user to fill. */
  apiKeySecretArn: string | undefined;
  /** Base of Cekura's REST API, where the forwarder looks run ids up. */
  apiBaseUrl: string;
  /** Whether the forwarder looks up the active run of calls that carry no run id. */
  runLookup: boolean;
  /** Production calls (no test run) to Cekura Observe, through a second forwarder. */
  observe: boolean;
  /** Cekura's PII redaction for calls sent to Observe; undefined: the agent's own setting. */
  redactFields: string[] | undefined;
}

export const CEKURA_CONTEXT = {
  push: 'cekuraPush',
  agentId: 'cekuraAgentId',
  agents: 'cekuraAgents',
  webhookUrl: 'cekuraWebhookUrl',
  messageTimes: 'cekuraMessageTimes',
  pushWindowMinutes: 'cekuraPushWindowMinutes',
  apiKeySecretArn: 'cekuraApiKeySecretArn',
  apiBaseUrl: 'cekuraApiBaseUrl',
  runLookup: 'cekuraRunLookup',
  observe: 'cekuraObserve',
  redactFields: 'cekuraRedactFields',
} as const;

export const CEKURA_CONTEXT_DEFAULTS = {
  apiBaseUrl: RUN_LOOKUP_DEFAULTS.apiBaseUrl,
  runLookup: true,
} as const;

/**
 * Lambda allows 4 KB for all of a function's environment variables together; the forwarder's other
 * variables (ARNs, a queue URL, the URLs) take well under 1 KB, so the agent map gets the rest.
 */
export const MAX_AGENTS_JSON_BYTES = 3_000;

export function loadCekuraPushSettings(scope: Construct): CekuraPushSettings | undefined {
  const raw = (key: keyof typeof CEKURA_CONTEXT): unknown => {
    const value: unknown = scope.node.tryGetContext(CEKURA_CONTEXT[key]);
    return value === '' || value === null ? undefined : value;
  };
  const context = <T>(key: keyof typeof CEKURA_CONTEXT, parse: () => T): T => {
    try {
      return parse();
    } catch (error) {
      throw new Error(`Context "${CEKURA_CONTEXT[key]}": ${(error as Error).message}`);
    }
  };
  const push = onOff(raw('push'), CEKURA_CONTEXT.push);
  const agentId = raw('agentId');
  const agents = raw('agents');
  const observe = onOff(raw('observe'), CEKURA_CONTEXT.observe) ?? false;
  if (push === false || (push === undefined && agentId === undefined && agents === undefined)) {
    if (observe) {
      throw new Error(
        `Context "${CEKURA_CONTEXT.observe}" needs the push to Cekura on (${CEKURA_CONTEXT.agentId}, ${CEKURA_CONTEXT.agents} or ${CEKURA_CONTEXT.push}=true): Observe uses its agents and run lookup`,
      );
    }
    return undefined;
  }
  const redactFields = raw('redactFields');

  const webhookUrl = String(raw('webhookUrl') ?? FORWARD_DEFAULTS.url);
  if (!/^https:\/\/[^/]+/.test(webhookUrl)) throw new Error(`Context "${CEKURA_CONTEXT.webhookUrl}" must be an https URL, got "${webhookUrl}"`);
  const apiKeySecretArn = raw('apiKeySecretArn');
  if (apiKeySecretArn !== undefined && !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+/.test(String(apiKeySecretArn))) {
    throw new Error(`Context "${CEKURA_CONTEXT.apiKeySecretArn}" must be a Secrets Manager secret ARN, got "${String(apiKeySecretArn)}"`);
  }
  return {
    agentId: agentId === undefined ? undefined : context('agentId', () => parseAgentId(agentId)),
    // parseAgentMap names the setting itself in its errors.
    agents: agents === undefined ? undefined : agentMap(agents),
    webhookUrl,
    messageTimes: context('messageTimes', () => parseMessageTimes(raw('messageTimes') ?? FORWARD_DEFAULTS.messageTimes)),
    pushWindowMinutes: context('pushWindowMinutes', () => parsePushWindow(raw('pushWindowMinutes') ?? FORWARD_DEFAULTS.pushWindowMinutes)),
    apiKeySecretArn: apiKeySecretArn === undefined ? undefined : String(apiKeySecretArn),
    apiBaseUrl: apiBaseUrl(raw('apiBaseUrl') ?? CEKURA_CONTEXT_DEFAULTS.apiBaseUrl),
    runLookup: onOff(raw('runLookup'), CEKURA_CONTEXT.runLookup) ?? CEKURA_CONTEXT_DEFAULTS.runLookup,
    observe,
    redactFields: redactFields === undefined ? undefined : parseRedactFields(redactFields, `Context "${CEKURA_CONTEXT.redactFields}"`),
  };
}

function agentMap(value: unknown): Record<string, number> {
  const map = parseAgentMap(value, `Context "${CEKURA_CONTEXT.agents}"`);
  const bytes = Buffer.byteLength(JSON.stringify(map));
  if (bytes > MAX_AGENTS_JSON_BYTES) {
    throw new Error(
      `Context "${CEKURA_CONTEXT.agents}" is ${bytes} bytes as JSON, more than the ${MAX_AGENTS_JSON_BYTES} a Lambda environment variable can take here ` +
        '(4 KB for all variables): map fewer numbers, give each call its agent_id at ingest, or set a default agent with cekuraAgentId',
    );
  }
  return map;
}

/** The key is sent there, so https only: the forwarder's loopback exception is for local mode, never a deployment. */
function apiBaseUrl(value: unknown): string {
  const key = CEKURA_CONTEXT.apiBaseUrl;
  if (typeof value !== 'string' || !/^https:\/\//i.test(value.trim()))
    throw new Error(`Context "${key}" must be an https URL such as ${RUN_LOOKUP_DEFAULTS.apiBaseUrl}, got ${JSON.stringify(value)}`);
  try {
    return parseApiBaseUrl(value);
  } catch (error) {
    throw new Error(`Context "${key}": ${(error as Error).message}`);
  }
}

/** A switch: true/false from cdk.json, "true"/"false"/"on"/"off" from `-c`. */
function onOff(value: unknown, key: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'boolean') return value;
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (text === 'true' || text === 'on') return true;
  if (text === 'false' || text === 'off') return false;
  throw new Error(`Context "${key}" must be true or false ("on" or "off"), got ${JSON.stringify(value)}`);
}

/** The context key that turns the Amazon Connect pipeline on (docs/amazon-connect.md). */
export const AMAZON_CONNECT_CONTEXT = 'amazonConnect';

/**
 * `amazonConnect`: `{ instanceArn, bucket, redacted?, kmsKeyArn? }`, an object in cdk.json or its JSON
 * text with `-c`. Undefined (no pipeline) when unset; a value that is not valid stops synth, naming the field.
 */
export function loadAmazonConnectSettings(scope: Construct): AmazonConnectSettings | undefined {
  return parseAmazonConnectSettings(scope.node.tryGetContext(AMAZON_CONNECT_CONTEXT), `Context "${AMAZON_CONNECT_CONTEXT}"`);
}

/**
 * Recordings kept in the user's S3 buckets (optional): context `recordingBuckets`, a list of
 * `"bucket[/prefix]"` strings or `{ "bucket", "prefix"?, "kmsKeyArn"? }` objects (from cdk.json, or
 * `-c recordingBuckets='[...]'` as JSON, or `-c recordingBuckets=bucket/prefix,other` as text), and
 * `recordingLinkMinutes`, the lifetime of a signed link. The Lambdas that sign links (GET /calls
 * and the forwarders) may `s3:GetObject` exactly those prefixes, and `kms:Decrypt` with a listed
 * key (through S3 only); ingest refuses any other S3 location.
 */
export interface RecordingSettings {
  buckets: RecordingBucket[];
  /** The KMS keys the buckets' objects are encrypted with (SSE-KMS), when given. */
  kmsKeyArns: string[];
  linkMinutes: number;
}

export const RECORDING_CONTEXT = { buckets: 'recordingBuckets', linkMinutes: 'recordingLinkMinutes' } as const;

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

export function loadRecordingSettings(scope: Construct): RecordingSettings {
  const raw: unknown = scope.node.tryGetContext(RECORDING_CONTEXT.buckets);
  const rawMinutes: unknown = scope.node.tryGetContext(RECORDING_CONTEXT.linkMinutes);
  const name = `Context "${RECORDING_CONTEXT.buckets}"`;
  const linkMinutes =
    rawMinutes === undefined || rawMinutes === null || rawMinutes === ''
      ? RECORDING_DEFAULTS.linkMinutes
      : parseLinkMinutes(rawMinutes, `Context "${RECORDING_CONTEXT.linkMinutes}"`);
  if (raw === undefined || raw === null || raw === '') return { buckets: [], kmsKeyArns: [], linkMinutes };
  let entries: unknown = raw;
  if (typeof raw === 'string') entries = raw.trim().startsWith('[') ? parseJson(raw, name) : raw.split(',').map((entry) => entry.trim());
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new Error(`${name} must be a list of "bucket[/prefix]" or { "bucket", "prefix"?, "kmsKeyArn"? }, got ${JSON.stringify(raw)}`);
  }
  const buckets: RecordingBucket[] = [];
  const kmsKeyArns = new Set<string>();
  entries.forEach((entry: unknown, index) => {
    const at = `${name}[${index}]`;
    if (typeof entry === 'string') {
      buckets.push(parseRecordingBucket(entry, at));
      return;
    }
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw new Error(`${at} must be "bucket[/prefix]" or an object, got ${JSON.stringify(entry)}`);
    const { bucket, prefix, kmsKeyArn, ...rest } = entry as Record<string, unknown>;
    if (Object.keys(rest).length > 0) throw new Error(`${at} has unknown keys: ${Object.keys(rest).join(', ')} (expected bucket, prefix, kmsKeyArn)`);
    if (typeof bucket !== 'string' || (prefix !== undefined && typeof prefix !== 'string')) throw new Error(`${at}: bucket (and prefix) must be text`);
    buckets.push(parseRecordingBucket(prefix ? `${bucket}/${prefix}` : bucket, at));
    if (kmsKeyArn !== undefined) {
      if (typeof kmsKeyArn !== 'string' || !KMS_KEY_ARN.test(kmsKeyArn)) {
        throw new Error(`${at}.kmsKeyArn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), got ${JSON.stringify(kmsKeyArn)}`);
      }
      kmsKeyArns.add(kmsKeyArn);
    }
  });
  return { buckets, kmsKeyArns: [...kmsKeyArns], linkMinutes };
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${name} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The environment of a Lambda that checks or signs recording locations. */
export function recordingEnvironment(recordings: RecordingSettings, { signs }: { signs: boolean }): Record<string, string> {
  if (recordings.buckets.length === 0) return {};
  return {
    [RECORDING_ENV.buckets]: formatRecordingBuckets(recordings.buckets),
    ...(signs ? { [RECORDING_ENV.linkMinutes]: String(recordings.linkMinutes) } : {}),
  };
}
