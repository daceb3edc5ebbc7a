import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { AlarmTopic } from './constructs/alarms';
import { ApiKeys } from './constructs/api-keys';
import { CallsTable } from './constructs/calls-table';
import { CekuraForwarder } from './constructs/cekura-forwarder';
import { ConnectAnalysis } from './constructs/connect-analysis';
import { Functions } from './constructs/functions';
import { HttpApi } from './constructs/http-api';
import { acknowledgeNagFindings } from './nag';
import { loadAmazonConnectSettings, loadCekuraPushSettings, loadRecordingSettings, loadSettings, type RecordingSettings } from './settings';

export const STACK_NAME = 'CekuraCallAdapter';

export class CekuraCallAdapterStack extends Stack {
  readonly calls: CallsTable;
  readonly apiKeys: ApiKeys;
  readonly functions: Functions;
  readonly httpApi: HttpApi;
  /** Only when push to Cekura is on (context `cekuraAgentId`, `cekuraAgents` or `cekuraPush`). */
  readonly cekuraForwarder: CekuraForwarder | undefined;
  /** Only when context `amazonConnect` is set. */
  readonly connectAnalysis: ConnectAnalysis | undefined;
  /** Only with Cekura Observe on (context `cekuraObserve`): production calls, its own queue and alarm. */
  readonly cekuraObserveForwarder: CekuraForwarder | undefined;
  /** Recordings in S3 (context recordingBuckets): where links may be signed. */
  readonly recordings: RecordingSettings;
  /** Only when context `alarmEmail` is set. */
  readonly alarmTopic: AlarmTopic | undefined;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const settings = loadSettings(this);

    const cekura = loadCekuraPushSettings(this);
    const recordings = loadRecordingSettings(this);
    this.recordings = recordings;

    this.calls = new CallsTable(this, 'Calls', {
      removalPolicy: settings.removalPolicy,
      stream: cekura ? dynamodb.StreamViewType.NEW_IMAGE : undefined,
    });
    this.apiKeys = new ApiKeys(this, 'ApiKeys', { removalPolicy: settings.removalPolicy });
    this.functions = new Functions(this, 'Functions', {
      calls: this.calls,
      readKeys: this.apiKeys.readKeys,
      ingestKeys: this.apiKeys.ingestKeys,
      webhookSecrets: this.apiKeys.webhookSecrets,
      settings,
      recordings,
    });
    this.httpApi = new HttpApi(this, 'Http', { functions: this.functions.byName, settings });

    new CfnOutput(this, 'ApiUrl', {
      description: "The API's base URL: Cekura's pull endpoint is <ApiUrl>calls, and every npm run tool takes it as --url",
      value: this.httpApi.url,
    });
    new CfnOutput(this, 'ReadKeysSecretName', {
      description: 'Secret holding the key Cekura sends: aws secretsmanager get-secret-value --secret-id <name>',
      value: this.apiKeys.readKeys.secretName,
    });
    new CfnOutput(this, 'IngestKeysSecretName', {
      description: 'Secret holding the key for POST /calls: aws secretsmanager get-secret-value --secret-id <name>',
      value: this.apiKeys.ingestKeys.secretName,
    });

    new CfnOutput(this, 'CallsTableName', {
      description: 'The calls table (npm run cekura -- redrive --table <name>)',
      value: this.calls.table.tableName,
    });
    new CfnOutput(this, 'WebhookSecretsName', {
      description: 'Secret holding the platforms\' webhook signing secrets as {"vapi","retell","elevenlabs"}',
      value: this.apiKeys.webhookSecrets.secretName,
    });

    if (cekura) {
      this.cekuraForwarder = new CekuraForwarder(this, 'CekuraPush', { calls: this.calls, settings, cekura, recordings });
      if (cekura.observe) {
        // A second reader of the stream (DynamoDB Streams allows two per shard): its own retries, queue and alarm.
        this.cekuraObserveForwarder = new CekuraForwarder(this, 'CekuraObserve', {
          calls: this.calls,
          settings,
          cekura,
          recordings,
          channel: 'observe',
          apiKey: { secret: this.cekuraForwarder.apiKey, resource: this.cekuraForwarder.apiKeyResource },
        });
        new CfnOutput(this, 'CekuraObserveDeadLetterQueueUrl', {
          description: 'Production calls that could not be sent to Cekura Observe (npm run cekura -- redrive --queue <url>)',
          value: this.cekuraObserveForwarder.deadLetters.queueUrl,
        });
      }
      new CfnOutput(this, 'CekuraApiKeySecretArn', {
        description: "Secret the Cekura API key is read from: put the key from Cekura's dashboard in it",
        value: this.cekuraForwarder.apiKey.secretArn,
      });
      new CfnOutput(this, 'CekuraDeadLetterQueueUrl', {
        description: 'Calls that could not be pushed to Cekura',
        value: this.cekuraForwarder.deadLetters.queueUrl,
      });
    }

    const amazonConnect = loadAmazonConnectSettings(this);
    if (amazonConnect) {
      this.connectAnalysis = new ConnectAnalysis(this, 'AmazonConnect', { calls: this.calls, settings, connect: amazonConnect, recordings });
      new CfnOutput(this, 'ConnectDeadLetterQueueUrl', {
        description: 'Amazon Connect analysis files that could not be stored as calls (one S3 event per message)',
        value: this.connectAnalysis.deadLetters.queueUrl,
      });
      new CfnOutput(this, 'ConnectLogGroupName', {
        description: 'Log of the Amazon Connect analysis Lambda: aws logs tail <name> --follow',
        value: this.connectAnalysis.logGroup.logGroupName,
      });
    }

    if (settings.alarmEmail) {
      this.alarmTopic = new AlarmTopic(this, 'Alarms', { email: settings.alarmEmail, removalPolicy: settings.removalPolicy });
      this.alarmTopic.notify(
        this.httpApi.serverErrorsAlarm,
        ...[this.cekuraForwarder, this.cekuraObserveForwarder].flatMap((forwarder) =>
          forwarder ? [forwarder.alarm, ...(forwarder.callsWithoutAgentAlarm ? [forwarder.callsWithoutAgentAlarm] : [])] : [],
        ),
        ...(this.connectAnalysis ? [this.connectAnalysis.alarm] : []),
      );
      new CfnOutput(this, 'AlarmTopicArn', {
        description: `Alarm notifications (mailed to ${settings.alarmEmail} once the subscription is confirmed from AWS's email)`,
        value: this.alarmTopic.topic.topicArn,
      });
    }

    acknowledgeNagFindings(this);
  }
}
