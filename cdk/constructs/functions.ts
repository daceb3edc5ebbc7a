import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../../lib/config';
import type { LambdaName } from '../../lib/routes';
import { WEBHOOK_SECRETS_SECRET_ID } from '../../lib/secrets/webhook-secrets';
import { type RecordingSettings, recordingEnvironment, type Settings } from '../settings';
import type { CallsTable } from './calls-table';
import { recordingReadStatements } from './recordings';

const FUNCTIONS_DIR = path.join(__dirname, '..', '..', 'functions');

/** Powertools reads this name for the `service` key of every log line and the `service` dimension of its metrics. */
export const SERVICE_NAME = 'cekura-call-adapter';

export interface FunctionsProps {
  calls: CallsTable;
  readKeys: ISecret;
  ingestKeys: ISecret;
  webhookSecrets: ISecret;
  settings: Settings;
  /** Recordings in S3: GET /calls signs their links, ingest checks their locations. */
  recordings?: RecordingSettings;
}

interface FunctionSpec {
  entry: string;
  description: string;
  memorySize: number;
  timeout: Duration;
  environment: Record<string, string>;
  /** Everything the function may do besides writing its own logs. */
  statements: iam.PolicyStatement[];
}

/**
 * The Lambdas behind the API. Each has its own role and log group, and its role allows
 * exactly the calls its handler makes: nothing is granted through managed policies or `grant*`
 * helpers, so the whole permission set is readable here.
 */
export class Functions extends Construct {
  readonly byName: Record<LambdaName, NodejsFunction>;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const { calls, readKeys, ingestKeys, webhookSecrets, settings } = props;
    const recordings = props.recordings ?? { buckets: [], kmsKeyArns: [], linkMinutes: 60 };
    const tableName = calls.table.tableName;

    const readCalls = this.fn('ReadCalls', settings, {
      entry: 'read-calls.ts',
      description: 'Serves stored calls to Cekura (GET /calls, GET /calls/{number})',
      memorySize: 512,
      timeout: Duration.seconds(10),
      environment: {
        [ENV.tableName]: tableName,
        [ENV.readKeysSecretId]: readKeys.secretArn,
        [ENV.maxWindowDays]: String(settings.maxWindowDays),
        ...recordingEnvironment(recordings, { signs: true }),
      },
      statements: [
        // Reads go through the two indexes only; the base table is never read.
        new iam.PolicyStatement({
          actions: ['dynamodb:Query'],
          resources: [calls.indexArn('byNumber'), calls.indexArn('byDay')],
        }),
        getSecretValue(readKeys),
        // Serves recordings stored as S3 locations as pre-signed links.
        ...recordingReadStatements(recordings),
      ],
    });

    const ingestCalls = this.fn('IngestCalls', settings, {
      entry: 'ingest-calls.ts',
      description: 'Stores calls pushed to POST /calls',
      memorySize: 512,
      timeout: Duration.seconds(15),
      environment: {
        [ENV.tableName]: tableName,
        [ENV.ingestKeysSecretId]: ingestKeys.secretArn,
        [ENV.retentionDays]: String(settings.retentionDays),
        ...webCallEnvironment(settings),
        // Only checks where a recording is (no S3 permission): a location outside the list is a 400.
        ...recordingEnvironment(recordings, { signs: false }),
      },
      statements: [writeCalls(calls), getSecretValue(ingestKeys)],
    });

    const eraseCalls = this.fn('EraseCalls', settings, {
      entry: 'erase-calls.ts',
      description: 'Erases calls by id or customer number (DELETE /calls)',
      memorySize: 512,
      // Under API Gateway's 30 s integration limit; the handler stops 3 s before this and answers
      // what it deleted (a 503 the caller repeats), rather than being cut off.
      timeout: Duration.seconds(25),
      environment: {
        [ENV.tableName]: tableName,
        [ENV.ingestKeysSecretId]: ingestKeys.secretArn,
      },
      statements: [
        // Finds a number's calls through its index, and deletes items by key: it can neither read a
        // call from the table nor write one (no BatchWriteItem, which would allow puts too).
        new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [calls.indexArn('byNumber')] }),
        new iam.PolicyStatement({ actions: ['dynamodb:DeleteItem'], resources: [calls.table.tableArn] }),
        getSecretValue(ingestKeys),
      ],
    });

    const platformWebhook = this.fn('PlatformWebhook', settings, {
      entry: 'platform-webhook.ts',
      description: 'Stores calls from Vapi, Retell and ElevenLabs post-call webhooks (POST /webhooks/{platform})',
      memorySize: 512,
      timeout: Duration.seconds(15),
      environment: {
        [ENV.tableName]: tableName,
        [WEBHOOK_SECRETS_SECRET_ID]: webhookSecrets.secretArn,
        [ENV.retentionDays]: String(settings.retentionDays),
        ...webCallEnvironment(settings),
        // Only checks where a recording is (no S3 permission): a location outside the list is a 400.
        ...recordingEnvironment(recordings, { signs: false }),
      },
      statements: [writeCalls(calls), getSecretValue(webhookSecrets)],
    });

    const fallback = this.fn('Fallback', settings, {
      entry: 'fallback.ts',
      description: 'Serves GET /openapi.json; answers unknown routes (404) and wrong methods (405) with JSON',
      memorySize: 128,
      timeout: Duration.seconds(3),
      environment: {},
      statements: [],
    });

    this.byName = { readCalls, ingestCalls, eraseCalls, platformWebhook, fallback };
  }

  private fn(id: string, settings: Settings, spec: FunctionSpec): NodejsFunction {
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
    });

    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${id} Lambda`,
      inlinePolicies: {
        // Stands in for AWSLambdaBasicExecutionRole, which would allow writing to any log group.
        // The group already exists, so no logs:CreateLogGroup. Its ARN ends in `:*`, which
        // covers exactly the streams of this one group.
        Permissions: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [logGroup.logGroupArn],
            }),
            ...spec.statements,
          ],
        }),
      },
    });

    return new NodejsFunction(this, id, {
      entry: path.join(FUNCTIONS_DIR, spec.entry),
      handler: 'handler',
      description: spec.description,
      // Pinned: NodejsFunction's default follows a feature flag, and 22 is what the code is tested on.
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memorySize,
      timeout: spec.timeout,
      role,
      logGroup,
      environment: { POWERTOOLS_SERVICE_NAME: SERVICE_NAME, ...spec.environment },
      bundling: {
        // Errors only: `cdk synth -q` stays quiet, and a failed build still says why.
        logLevel: LogLevel.ERROR,
        minify: true,
        sourceMap: false,
        target: 'node22',
        format: OutputFormat.CJS,
        // Bundle the AWS SDK too, tree-shaken from its ES modules (`module` before `main`): measured
        // faster, to load and to a first answer, than its CommonJS build bundled or the Lambda
        // runtime's own copy (`npm run bench`, row 5; docs/performance.md). And the version we test
        // is the version that runs, instead of whatever copy the runtime ships that month.
        mainFields: ['module', 'main'],
        externalModules: [],
      },
    });
  }
}

/** Re-sending a call is a plain Put that replaces it, so storing calls never needs to read them. */
function writeCalls(calls: CallsTable): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem'], resources: [calls.table.tableArn] });
}

function getSecretValue(secret: ISecret): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] });
}

/** Only when configured: without it the functions refuse calls that have no phone number. */
function webCallEnvironment(settings: Settings): Record<string, string> {
  return settings.webCallNumber === undefined ? {} : { [ENV.webCallNumber]: settings.webCallNumber };
}
