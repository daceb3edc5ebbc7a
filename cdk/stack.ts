import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ApiKeys } from './constructs/api-keys';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { CallsTable } from './constructs/calls-table';
import { CekuraForwarder } from './constructs/cekura-forwarder';
import { Functions } from './constructs/functions';
import { HttpApi } from './constructs/http-api';
import { acknowledgeNagFindings } from './nag';
import { loadCekuraPushSettings, loadSettings } from './settings';

export const STACK_NAME = 'CekuraCallAdapter';

export class CekuraCallAdapterStack extends Stack {
  readonly calls: CallsTable;
  readonly apiKeys: ApiKeys;
  readonly functions: Functions;
  readonly httpApi: HttpApi;
  /** Only when context `cekuraAgentId` is set. */
  readonly cekuraForwarder: CekuraForwarder | undefined;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const settings = loadSettings(this);

    const cekura = loadCekuraPushSettings(this);

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
    });
    this.httpApi = new HttpApi(this, 'Http', { functions: this.functions.byName, settings });

    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL to enter in Cekura as the transcript provider endpoint',
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

    new CfnOutput(this, 'WebhookSecretsName', {
      description: 'Secret holding the platforms\' webhook signing secrets as {"vapi","retell","elevenlabs"}',
      value: this.apiKeys.webhookSecrets.secretName,
    });

    if (cekura) {
      this.cekuraForwarder = new CekuraForwarder(this, 'CekuraPush', { calls: this.calls, settings, cekura });
      new CfnOutput(this, 'CekuraApiKeySecretArn', {
        description: "Secret the Cekura API key is read from: put the key from Cekura's dashboard in it",
        value: this.cekuraForwarder.apiKey.secretArn,
      });
      new CfnOutput(this, 'CekuraDeadLetterQueueUrl', {
        description: 'Calls that could not be pushed to Cekura',
        value: this.cekuraForwarder.deadLetters.queueUrl,
      });
    }

    acknowledgeNagFindings(this);
  }
}
