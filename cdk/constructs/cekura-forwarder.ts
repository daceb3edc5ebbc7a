import * as path from 'node:path';
import { Duration, type RemovalPolicy, SecretValue } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CEKURA_ENV, CEKURA_KEY_PLACEHOLDER } from '../../lib/cekura-push/forward';
import { type CekuraPushSettings, type RecordingSettings, recordingEnvironment, type Settings } from '../settings';
import { alarmName } from './alarms';
import type { CallsTable } from './calls-table';
import { SERVICE_NAME } from './functions';
import { recordingReadStatements } from './recordings';

export interface CekuraForwarderProps {
  /** Must have been created with a NEW_IMAGE stream. */
  calls: CallsTable;
  settings: Settings;
  cekura: CekuraPushSettings;
  /**
   * Which way this forwarder sends. `webhook` (the default): test calls to the test-run webhook (every
   * call, with Observe off). `observe`: production calls to Cekura Observe, from a second forwarder on
   * the same stream with its own retries, queue and alarm, so one failing never holds the other back.
   */
  channel?: 'webhook' | 'observe';
  /** The key secret of the other forwarder, shared: one Cekura key for both ways. */
  apiKey?: { secret: secretsmanager.ISecret; resource: string };
  /** Recordings in S3: their links are signed in what is pushed. */
  recordings?: RecordingSettings;
}

/** Stream records per invocation: one POST to Cekura each (split call by call only on a refusal). */
const BATCH_SIZE = 10;
/** Event source mapping retries of a failed record, after the forwarder's own in-process retries. */
export const STREAM_RETRY_ATTEMPTS = 3;

/**
 * The count the forwarder emits (an EMF line through Powertools Metrics, so no IAM) of calls it did
 * not push because no agent takes them. Must match functions/cekura-forwarder.ts; Powertools adds
 * the `service` dimension (POWERTOOLS_SERVICE_NAME), and an alarm must name every dimension.
 */
export const CALLS_WITHOUT_AGENT_METRIC = {
  namespace: 'CekuraCallAdapter',
  metricName: 'CallsWithoutAgent',
  dimensionsMap: { service: SERVICE_NAME },
} as const;

/**
 * Pushes every call stored or replaced to Cekura's custom-provider webhook, off the request path:
 * table stream (NEW_IMAGE) → forwarder Lambda → Cekura. Calls that cannot be delivered end in an
 * encrypted SQS dead-letter queue, which raises an alarm as soon as it holds a message; calls no
 * agent takes raise another. The run-id lookup (HTTPS GETs to Cekura's API) and the metric (EMF log
 * lines) need no permission beyond the ones below.
 *
 * Same conventions as functions.ts: own role with one inline policy listing every call the handler
 * makes (nothing through `grant*`, which would add ListStreams on `*`), own log group, Node 22 on ARM.
 */
export class CekuraForwarder extends Construct {
  readonly fn: NodejsFunction;
  readonly deadLetters: sqs.Queue;
  /** The dead-letter queue holds a message. */
  readonly alarm: cloudwatch.Alarm;
  /** A stored call was not pushed because no agent takes it (the webhook forwarder's; the Observe one counts nothing). */
  readonly callsWithoutAgentAlarm: cloudwatch.Alarm | undefined;
  readonly apiKey: secretsmanager.ISecret;
  /** The secret created to hold the key, when no ARN was given. */
  readonly createdApiKey: secretsmanager.Secret | undefined;
  readonly mapping: lambda.EventSourceMapping;

  /** The secret's ARN as an IAM resource (a partial ARN with its suffix wildcard). */
  readonly apiKeyResource: string;
  readonly channel: 'webhook' | 'observe';

  constructor(scope: Construct, id: string, props: CekuraForwarderProps) {
    super(scope, id);
    const { calls, settings, cekura } = props;
    const channel = props.channel ?? 'webhook';
    this.channel = channel;
    const observe = channel === 'observe';
    const recordings = props.recordings ?? { buckets: [], kmsKeyArns: [], linkMinutes: 60 };
    const streamArn = calls.table.tableStreamArn;
    if (!streamArn) throw new Error('The Cekura forwarder needs the calls table to have a stream (NEW_IMAGE)');

    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: settings.removalPolicy as RemovalPolicy,
    });

    this.alarm = new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
      alarmName: alarmName(this, observe ? 'cekura-observe-dead-letters' : 'cekura-dead-letters'),
      alarmDescription: observe
        ? 'Production calls could not be sent to Cekura Observe: read the messages in its dead-letter queue and the Observe forwarder logs'
        : 'Calls could not be pushed to Cekura: read the messages in the dead-letter queue and the forwarder logs',
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // Not a failure the mapping retries (no retry can route the call), so nothing else would show it.
    this.callsWithoutAgentAlarm = observe
      ? undefined
      : new cloudwatch.Alarm(this, 'CallsWithoutAgentAlarm', {
          alarmName: alarmName(this, 'cekura-calls-without-agent'),
          alarmDescription:
            'Stored calls were not pushed to Cekura because no agent takes them (no agent_id on the call, its agent number not in ' +
            'cekuraAgents, and no default cekuraAgentId). The forwarder logs each one ("calls without an agent are not pushed", with ' +
            'the number): map the number in cekuraAgents, send agent_id with the call, or set cekuraAgentId; then push them again.',
          metric: new cloudwatch.Metric({ ...CALLS_WITHOUT_AGENT_METRIC, statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5) }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });

    if (props.apiKey) {
      this.apiKey = props.apiKey.secret;
    } else if (cekura.apiKeySecretArn) {
      const arn = cekura.apiKeySecretArn;
      // A complete ARN ends in the 6-character suffix Secrets Manager adds to the name.
      this.apiKey = /-[A-Za-z0-9]{6}$/.test(arn)
        ? secretsmanager.Secret.fromSecretCompleteArn(this, 'ApiKey', arn)
        : secretsmanager.Secret.fromSecretPartialArn(this, 'ApiKey', arn);
    } else {
      // Cekura issues the key, so it cannot be generated here: the secret starts as a placeholder the
      // forwarder refuses to use (its batches fail and retry) until the user puts the key in.
      this.createdApiKey = new secretsmanager.Secret(this, 'ApiKey', {
        description: "Cekura API key (X-CEKURA-API-KEY) for the custom-provider webhook: replace the placeholder with the key from Cekura's dashboard",
        secretStringValue: SecretValue.unsafePlainText(CEKURA_KEY_PLACEHOLDER),
        removalPolicy: settings.removalPolicy,
      });
      this.apiKey = this.createdApiKey;
    }

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: settings.logRetention, removalPolicy: settings.removalPolicy });
    // A partial ARN (no suffix) matches the secret only with the suffix wildcard.
    const secretResource =
      props.apiKey?.resource ??
      (cekura.apiKeySecretArn && !/-[A-Za-z0-9]{6}$/.test(cekura.apiKeySecretArn) ? `${cekura.apiKeySecretArn}-??????` : this.apiKey.secretArn);
    this.apiKeyResource = secretResource;
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Runs the Cekura forwarder Lambda',
      inlinePolicies: {
        Permissions: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
            // What the event source mapping polls with: this table's stream only, never the table.
            new iam.PolicyStatement({
              actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'],
              resources: [streamArn],
            }),
            new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secretResource] }),
            // The handler dead-letters refused calls; the mapping's on-failure destination uses this role too.
            new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetters.queueArn] }),
            // Pushes recordings stored as S3 locations as pre-signed links.
            ...recordingReadStatements(recordings),
          ],
        }),
      },
    });

    this.fn = new NodejsFunction(this, 'Function', {
      entry: path.join(__dirname, '..', '..', 'functions', 'cekura-forwarder.ts'),
      handler: 'handler',
      description: observe
        ? 'Sends production calls (no test run) to Cekura Observe (DynamoDB stream → Cekura)'
        : "Pushes stored calls to Cekura's custom-provider webhook (DynamoDB stream → Cekura)",
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // Up to 4 attempts of 10 s with backoff per POST, and a refused batch re-sent call by call.
      timeout: Duration.minutes(2),
      role,
      logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        // On whenever this function exists, even with no agent below: every call may carry its own agent_id.
        [CEKURA_ENV.push]: 'on',
        ...(cekura.agentId === undefined ? {} : { [CEKURA_ENV.agentId]: String(cekura.agentId) }),
        ...(cekura.agents === undefined ? {} : { [CEKURA_ENV.agents]: JSON.stringify(cekura.agents) }),
        [CEKURA_ENV.apiBaseUrl]: cekura.apiBaseUrl,
        [CEKURA_ENV.runLookup]: cekura.runLookup ? 'on' : 'off',
        [CEKURA_ENV.webhookUrl]: cekura.webhookUrl,
        [CEKURA_ENV.messageTimes]: cekura.messageTimes,
        [CEKURA_ENV.pushWindowMinutes]: String(cekura.pushWindowMinutes),
        [CEKURA_ENV.apiKeySecretId]: this.apiKey.secretArn,
        [CEKURA_ENV.dlqUrl]: this.deadLetters.queueUrl,
        ...(cekura.observe ? { [CEKURA_ENV.observe]: 'on', [CEKURA_ENV.channel]: channel } : {}),
        ...(cekura.observe && cekura.redactFields ? { [CEKURA_ENV.redactFields]: cekura.redactFields.join(',') } : {}),
        ...recordingEnvironment(recordings, { signs: true }),
      },
      bundling: { logLevel: LogLevel.ERROR, minify: true, sourceMap: false, target: 'node22', format: OutputFormat.CJS, externalModules: [] },
    });

    // The L2 mapping, with an on-failure destination that grants nothing (the role above already can).
    this.mapping = new lambda.EventSourceMapping(this, 'Stream', {
      target: this.fn,
      eventSourceArn: streamArn,
      startingPosition: lambda.StartingPosition.LATEST,
      batchSize: BATCH_SIZE,
      maxBatchingWindow: Duration.seconds(1),
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      retryAttempts: STREAM_RETRY_ATTEMPTS,
      // Older records are past any push window worth retrying for; they go to the dead-letter queue.
      maxRecordAge: Duration.hours(1),
      onFailure: { bind: () => ({ destination: this.deadLetters.queueArn }) },
    });
  }
}
