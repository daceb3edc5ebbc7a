import * as path from 'node:path';
import { Aws, Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type AmazonConnectSettings, ANALYSIS_PREFIX, CONNECT_ENV } from '../../lib/amazon-connect/settings';
import { ENV } from '../../lib/config';
import { type RecordingSettings, recordingEnvironment, type Settings } from '../settings';
import { alarmName } from './alarms';
import type { CallsTable } from './calls-table';
import { SERVICE_NAME } from './functions';

export interface ConnectAnalysisProps {
  calls: CallsTable;
  settings: Settings;
  connect: AmazonConnectSettings;
  /** Where recording links may be signed: the contact's recording is linked only when it is in there. */
  recordings: RecordingSettings;
}

/**
 * The key pattern of the analysis files to store. Redacted: only the redacted twins. Raw: every voice
 * analysis file, since EventBridge cannot exclude Redacted/ from a prefix it also matches; the
 * Lambda skips the redacted twins by their key, before reading anything.
 */
export function analysisKeyPattern(redacted: boolean): string {
  return redacted ? `${ANALYSIS_PREFIX.redacted}*_analysis_redacted_*.json` : `${ANALYSIS_PREFIX.raw}*_analysis_*.json`;
}

/**
 * Amazon Connect's calls, opt-in (context `amazonConnect`): an EventBridge rule on S3 `Object
 * Created` in the instance's bucket, under the Contact Lens voice analysis prefix, invokes a Lambda
 * that reads the file, describes the contact and stores the call (functions/connect-analysis.ts).
 * Nothing is added to the bucket: it is the instance's, not this stack's (a CDK bucket notification
 * on an imported bucket is a custom resource that rewrites the bucket's notification configuration);
 * the bucket's own EventBridge delivery must be on (docs/amazon-connect.md).
 *
 * Failures: Lambda retries an event twice, then sends it to this construct's dead-letter queue; an
 * event EventBridge cannot deliver goes there too. An alarm fires as soon as the queue holds one.
 * Same conventions as functions.ts: own role with one inline policy listing every call the handler
 * makes (the role takes no other statements, not even the ones CDK would add for the dead-letter
 * queue), own log group, Node 22 on ARM.
 */
export class ConnectAnalysis extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly rule: events.Rule;
  readonly deadLetters: sqs.Queue;
  readonly alarm: cloudwatch.Alarm;
  readonly logGroup: logs.LogGroup;
  readonly bucket: string;
  readonly instanceArn: string;
  /** The prefix of the analysis files this deployment reads. */
  readonly analysisPrefix: string;

  constructor(scope: Construct, id: string, props: ConnectAnalysisProps) {
    super(scope, id);
    const { calls, settings, connect, recordings } = props;
    const prefix = connect.redacted ? ANALYSIS_PREFIX.redacted : ANALYSIS_PREFIX.raw;
    this.bucket = connect.bucket;
    this.instanceArn = connect.instanceArn;
    this.analysisPrefix = prefix;

    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: settings.removalPolicy as RemovalPolicy,
    });
    this.alarm = new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
      alarmName: alarmName(this, 'connect-dead-letters'),
      alarmDescription:
        'Amazon Connect analysis files could not be stored as calls: each message in the dead-letter queue is the S3 event of one file; ' +
        "the Lambda's log says why (S3 or KMS access denied, an unreadable file, the store)",
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: settings.logRetention, removalPolicy: settings.removalPolicy });
    const statements = [
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn] }),
      // The analysis files of the stored twin, nothing else in the instance's bucket.
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`arn:${Aws.PARTITION}:s3:::${connect.bucket}/${prefix}*`] }),
      new iam.PolicyStatement({ actions: ['connect:DescribeContact'], resources: [`${connect.instanceArn}/contact/*`] }),
      ...(connect.kmsKeyArn
        ? [
            // Only to decrypt what S3 hands over in this region: the key cannot be used directly.
            new iam.PolicyStatement({
              actions: ['kms:Decrypt'],
              resources: [connect.kmsKeyArn],
              conditions: { StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` } },
            }),
          ]
        : []),
      // Re-storing a call is a plain Put that replaces it (the same as the ingest Lambda).
      new iam.PolicyStatement({ actions: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem'], resources: [calls.table.tableArn] }),
      // Lambda sends a failed event to the dead-letter queue with the function's role.
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetters.queueArn] }),
    ];
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Runs the Amazon Connect analysis Lambda',
      inlinePolicies: { Permissions: new iam.PolicyDocument({ statements }) },
    });

    this.fn = new NodejsFunction(this, 'Function', {
      entry: path.join(__dirname, '..', '..', 'functions', 'connect-analysis.ts'),
      handler: 'handler',
      description: 'Stores Amazon Connect calls from Contact Lens analysis files (S3 Object Created → call)',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(30),
      role: this.role.withoutPolicyUpdates(),
      logGroup: this.logGroup,
      deadLetterQueue: this.deadLetters,
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      environment: {
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        [ENV.tableName]: calls.table.tableName,
        [ENV.retentionDays]: String(settings.retentionDays),
        ...(settings.webCallNumber === undefined ? {} : { [ENV.webCallNumber]: settings.webCallNumber }),
        [CONNECT_ENV.instanceArn]: connect.instanceArn,
        [CONNECT_ENV.bucket]: connect.bucket,
        [CONNECT_ENV.output]: connect.redacted ? 'redacted' : 'raw',
        ...recordingEnvironment(recordings, { signs: false }),
      },
      bundling: {
        logLevel: LogLevel.ERROR,
        minify: true,
        sourceMap: false,
        target: 'node22',
        format: OutputFormat.CJS,
        mainFields: ['module', 'main'],
        externalModules: [],
      },
    });

    this.rule = new events.Rule(this, 'AnalysisWritten', {
      description: `Contact Lens voice analysis files (${connect.redacted ? 'redacted' : 'raw'}) written to ${connect.bucket}`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [connect.bucket] }, object: { key: events.Match.wildcard(analysisKeyPattern(connect.redacted)) } },
      },
    });
    this.rule.addTarget(new targets.LambdaFunction(this.fn, { deadLetterQueue: this.deadLetters, maxEventAge: Duration.hours(6), retryAttempts: 20 }));
  }
}
