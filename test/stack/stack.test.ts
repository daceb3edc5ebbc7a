import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, type CfnResource, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { loadSettings, SETTING_DEFAULTS } from '../../cdk/settings';
import { ENV } from '../../lib/config';
import { type LambdaName, ROUTES } from '../../lib/routes';
import { CALLS_TABLE } from '../../lib/store/table-schema';
import { type Synthesized, synth } from './synth';

// biome-ignore lint/suspicious/noExplicitAny: a synthesized CloudFormation template is JSON of any shape; each test asserts the parts it reads
type Json = Record<string, any>;

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

let synthesized: Synthesized;
let resources: Record<string, Json>;

beforeAll(() => {
  synthesized = synth();
  resources = synthesized.template.toJSON().Resources;
});

const logicalId = (construct: IConstruct): string => synthesized.stack.getLogicalId(construct.node.defaultChild as CfnResource);
const ref = (construct: IConstruct) => ({ Ref: logicalId(construct) });
const arnOf = (construct: IConstruct) => ({ 'Fn::GetAtt': [logicalId(construct), 'Arn'] });
const fn = (name: LambdaName) => synthesized.stack.functions.byName[name];
const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement): unknown[] => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

/** Every statement that reaches a function's role: inline policies and any attached AWS::IAM::Policy. */
function statementsOf(name: LambdaName): Statement[] {
  const roleId = logicalId(fn(name).role!);
  const inline: Json[] = resources[roleId]!.Properties.Policies ?? [];
  const attached = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`"${roleId}"`));
  return [...inline, ...attached.map((r) => r.Properties)].flatMap((p) => p.PolicyDocument.Statement);
}

const allActions = (name: LambdaName) => statementsOf(name).flatMap(actionsOf).sort();
const resourcesFor = (name: LambdaName, action: string) =>
  statementsOf(name)
    .filter((s) => actionsOf(s).includes(action))
    .flatMap(resourcesOf);

describe('HTTP API', () => {
  test('has exactly the routes of lib/routes.ts, each integrated with its Lambda', () => {
    synthesized.template.resourceCountIs('AWS::ApiGatewayV2::Route', ROUTES.length);
    for (const route of ROUTES) {
      const matches = Object.values(synthesized.template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: route.routeKey } }));
      expect(matches).toHaveLength(1);
      const target = matches[0]!.Properties.Target;
      expect(target).toEqual({ 'Fn::Join': ['', ['integrations/', { Ref: expect.any(String) }]] });
      expect(resources[target['Fn::Join'][1][1].Ref]?.Properties).toEqual({
        ApiId: ref(synthesized.stack.httpApi.api),
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: arnOf(fn(route.lambda)),
        PayloadFormatVersion: '2.0',
      });
    }
  });

  test('has no API Gateway default stage and no CORS', () => {
    synthesized.template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    synthesized.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.absent(),
    });
  });

  test('$default stage auto-deploys and is throttled with the default settings', () => {
    synthesized.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
  });

  test('stage throttling follows context', () => {
    const { template } = synth({ throttleRateLimit: 7, throttleBurstLimit: '13' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 7, ThrottlingBurstLimit: 13 },
    });
  });

  test('access logs go to their own log group as JSON, without headers', () => {
    const stage = Object.values(resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Stage')!;
    const settings = stage.Properties.AccessLogSettings;
    expect(settings.DestinationArn).toEqual(arnOf(synthesized.stack.httpApi.accessLogs));
    const format = JSON.parse(settings.Format);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      routeKey: '$context.routeKey',
      status: '$context.status',
      responseLength: '$context.responseLength',
      integrationErrorMessage: '$context.integrationErrorMessage',
    });
    expect(settings.Format).not.toMatch(/authorization|header/i);
  });
});

describe('Lambdas', () => {
  const expected: Record<LambdaName, { memory: number; timeout: number }> = {
    readCalls: { memory: 512, timeout: 10 },
    ingestCalls: { memory: 512, timeout: 15 },
    eraseCalls: { memory: 512, timeout: 25 },
    platformWebhook: { memory: 512, timeout: 15 },
    fallback: { memory: 128, timeout: 3 },
  };

  test('are exactly the five handlers (no helper Lambdas such as log retention)', () => {
    synthesized.template.resourceCountIs('AWS::Lambda::Function', 5);
  });

  test.each(Object.entries(expected))('%s: nodejs22.x on arm64, explicit memory and timeout, own log group', (name, want) => {
    const props = resources[logicalId(fn(name as LambdaName))]!.Properties;
    expect(props).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: want.memory,
      Timeout: want.timeout,
      Handler: 'index.handler',
    });
    const logGroupId = props.LoggingConfig.LogGroup.Ref;
    expect(resources[logGroupId]).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } });
  });

  test('environment: each function gets only the settings it uses', () => {
    const env = (name: LambdaName) => resources[logicalId(fn(name))]!.Properties.Environment?.Variables ?? {};
    const { calls, apiKeys } = synthesized.stack;
    expect(env('readCalls')).toEqual({
      [ENV.tableName]: ref(calls.table),
      [ENV.readKeysSecretId]: ref(apiKeys.readKeys),
      [ENV.maxWindowDays]: '31',
      POWERTOOLS_SERVICE_NAME: 'cekura-call-adapter',
    });
    expect(env('ingestCalls')).toEqual({
      [ENV.tableName]: ref(calls.table),
      [ENV.ingestKeysSecretId]: ref(apiKeys.ingestKeys),
      [ENV.retentionDays]: '90',
      POWERTOOLS_SERVICE_NAME: 'cekura-call-adapter',
    });
    expect(env('eraseCalls')).toEqual({
      [ENV.tableName]: ref(calls.table),
      [ENV.ingestKeysSecretId]: ref(apiKeys.ingestKeys),
      POWERTOOLS_SERVICE_NAME: 'cekura-call-adapter',
    });
    expect(env('platformWebhook')).toEqual({
      [ENV.tableName]: ref(calls.table),
      WEBHOOK_SECRETS_SECRET_ID: ref(apiKeys.webhookSecrets),
      [ENV.retentionDays]: '90',
      POWERTOOLS_SERVICE_NAME: 'cekura-call-adapter',
    });
    expect(env('fallback')).toEqual({ POWERTOOLS_SERVICE_NAME: 'cekura-call-adapter' });
  });

  test('retention, window and log retention follow context', () => {
    const { template, stack } = synth({ retentionDays: '30', maxWindowDays: 7, logRetentionDays: 14 });
    const json = template.toJSON().Resources;
    const env = (name: LambdaName) => json[stack.getLogicalId(stack.functions.byName[name].node.defaultChild as CfnResource)].Properties.Environment.Variables;
    expect(env('ingestCalls')[ENV.retentionDays]).toBe('30');
    expect(env('readCalls')[ENV.maxWindowDays]).toBe('7');
    const retentions = Object.values(json as Record<string, Json>)
      .filter((r) => r.Type === 'AWS::Logs::LogGroup')
      .map((r) => r.Properties.RetentionInDays);
    // One per Lambda plus the access log group.
    expect(retentions).toEqual([14, 14, 14, 14, 14, 14]);
    expect(env('platformWebhook')[ENV.retentionDays]).toBe('30');
  });

  test('webCallNumber context reaches only the functions that store calls, and is validated', () => {
    const { template, stack } = synth({ webCallNumber: '+15550000000' });
    const json = template.toJSON().Resources;
    const env = (name: LambdaName) =>
      json[stack.getLogicalId(stack.functions.byName[name].node.defaultChild as CfnResource)].Properties.Environment.Variables ?? {};
    expect((['readCalls', 'ingestCalls', 'eraseCalls', 'platformWebhook', 'fallback'] as const).map((name) => env(name)[ENV.webCallNumber])).toEqual([
      undefined,
      '+15550000000',
      undefined,
      '+15550000000',
      undefined,
    ]);
    expect(() => synth({ webCallNumber: '5550000000' })).toThrow(/webCallNumber/);
  });
});

describe('calls table', () => {
  test('is built from CALLS_TABLE: key, TTL, PITR, SSE, on-demand', () => {
    synthesized.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    synthesized.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: CALLS_TABLE.partitionKey, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'exp', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  test('has both GSIs with string keys and the projected attributes', () => {
    const table = Object.values(resources).find((r) => r.Type === 'AWS::DynamoDB::Table')!.Properties;
    expect(table.GlobalSecondaryIndexes).toHaveLength(2);
    for (const index of Object.values(CALLS_TABLE.indexes)) {
      expect(table.GlobalSecondaryIndexes).toContainEqual({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...CALLS_TABLE.projectedAttributes] },
      });
    }
    for (const definition of table.AttributeDefinitions) expect(definition.AttributeType).toBe('S');
    expect(table.AttributeDefinitions.map((d: Json) => d.AttributeName).sort()).toEqual(['day', 'num', 'pk', 'ts']);
  });

  test('table, secrets and log groups are retained by default', () => {
    for (const type of ['AWS::DynamoDB::Table', 'AWS::SecretsManager::Secret', 'AWS::Logs::LogGroup']) {
      const all = Object.values(resources).filter((r) => r.Type === type);
      expect(all.length).toBeGreaterThan(0);
      for (const r of all) expect(r).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
  });

  test('removalPolicy=destroy deletes them with the stack', () => {
    const { template } = synth({ removalPolicy: 'destroy' });
    for (const type of ['AWS::DynamoDB::Table', 'AWS::SecretsManager::Secret', 'AWS::Logs::LogGroup']) {
      const all = Object.values(template.findResources(type));
      expect(all.length).toBeGreaterThan(0);
      for (const r of all) expect(r).toMatchObject({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    }
  });
});

describe('IAM', () => {
  test('no managed policies anywhere: every permission is an inline statement on a per-function role', () => {
    synthesized.template.resourceCountIs('AWS::IAM::Role', 5);
    synthesized.template.resourceCountIs('AWS::IAM::Policy', 0);
    synthesized.template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    for (const r of Object.values(synthesized.template.findResources('AWS::IAM::Role'))) {
      expect(r.Properties.ManagedPolicyArns).toBeUndefined();
    }
    for (const name of ['readCalls', 'ingestCalls', 'eraseCalls', 'platformWebhook', 'fallback'] as const) {
      for (const s of statementsOf(name)) {
        expect(s.Effect).toBe('Allow');
        expect(JSON.stringify(s.Resource)).not.toContain('*');
      }
    }
  });

  test.each(['readCalls', 'ingestCalls', 'eraseCalls', 'platformWebhook', 'fallback'] as const)('%s writes logs to its own log group only', (name) => {
    const logGroup = fn(name).logGroup;
    expect(resourcesFor(name, 'logs:CreateLogStream')).toEqual([arnOf(logGroup)]);
    expect(resourcesFor(name, 'logs:PutLogEvents')).toEqual([arnOf(logGroup)]);
  });

  test('read: only dynamodb:Query, only on the two indexes', () => {
    const tableArn = arnOf(synthesized.stack.calls.table);
    const indexArn = (index: string) => ({ 'Fn::Join': ['', [tableArn, `/index/${index}`]] });
    const dynamo = allActions('readCalls').filter((a) => a.startsWith('dynamodb:'));
    expect(dynamo).toEqual(['dynamodb:Query']);
    // In either order: the recommended feature flags let CDK sort a statement's resources.
    expect(resourcesFor('readCalls', 'dynamodb:Query')).toEqual(expect.arrayContaining([indexArn('byNumber'), indexArn('byDay')]));
    expect(resourcesFor('readCalls', 'dynamodb:Query')).toHaveLength(2);
  });

  test.each(['ingestCalls', 'platformWebhook'] as const)('%s: only PutItem and BatchWriteItem, on the table only (cannot read calls)', (name) => {
    const dynamo = allActions(name).filter((a) => a.startsWith('dynamodb:'));
    expect(dynamo).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:PutItem']);
    const tableArn = arnOf(synthesized.stack.calls.table);
    expect(resourcesFor(name, 'dynamodb:PutItem')).toEqual([tableArn]);
    expect(resourcesFor(name, 'dynamodb:BatchWriteItem')).toEqual([tableArn]);
  });

  test('erase: only Query on the byNumber index and DeleteItem on the table (cannot read a call from the table, nor write one)', () => {
    const tableArn = arnOf(synthesized.stack.calls.table);
    expect(allActions('eraseCalls').filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:DeleteItem', 'dynamodb:Query']);
    expect(resourcesFor('eraseCalls', 'dynamodb:Query')).toEqual([{ 'Fn::Join': ['', [tableArn, '/index/byNumber']] }]);
    expect(resourcesFor('eraseCalls', 'dynamodb:DeleteItem')).toEqual([tableArn]);
  });

  test('DELETE /calls goes to the erase Lambda, and only it', () => {
    expect(ROUTES.filter((r) => r.lambda === 'eraseCalls').map((r) => r.routeKey)).toEqual(['DELETE /calls']);
  });

  test('each function can read only its own secret; fallback has no AWS access', () => {
    const { readKeys, ingestKeys, webhookSecrets } = synthesized.stack.apiKeys;
    expect(resourcesFor('readCalls', 'secretsmanager:GetSecretValue')).toEqual([ref(readKeys)]);
    expect(resourcesFor('ingestCalls', 'secretsmanager:GetSecretValue')).toEqual([ref(ingestKeys)]);
    expect(resourcesFor('eraseCalls', 'secretsmanager:GetSecretValue')).toEqual([ref(ingestKeys)]);
    expect(resourcesFor('platformWebhook', 'secretsmanager:GetSecretValue')).toEqual([ref(webhookSecrets)]);
    expect(allActions('readCalls')).toEqual(['dynamodb:Query', 'logs:CreateLogStream', 'logs:PutLogEvents', 'secretsmanager:GetSecretValue'].sort());
    expect(allActions('ingestCalls')).toEqual(
      ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'logs:CreateLogStream', 'logs:PutLogEvents', 'secretsmanager:GetSecretValue'].sort(),
    );
    expect(allActions('fallback')).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
  });
});

describe('API keys', () => {
  test('the two API key secrets are generated by Secrets Manager as bare 40-character alphanumeric keys', () => {
    const { readKeys, ingestKeys, webhookSecrets } = synthesized.stack.apiKeys;
    const secrets = [readKeys, ingestKeys].map((secret) => resources[logicalId(secret)]!);
    expect(Object.keys(synthesized.template.findResources('AWS::SecretsManager::Secret'))).toHaveLength(3);
    // The webhook secret: a generated Vapi token, the platform-issued secrets left for the user to paste.
    expect(resources[logicalId(webhookSecrets)]!.Properties.GenerateSecretString).toEqual({
      SecretStringTemplate: JSON.stringify({ retell: '', elevenlabs: '' }),
      GenerateStringKey: 'vapi',
      PasswordLength: 40,
      ExcludePunctuation: true,
    });
    for (const s of secrets) {
      expect(s.Properties.SecretString).toBeUndefined();
      // No template/key: the secret value is the key itself, not JSON.
      expect(s.Properties.GenerateSecretString).toEqual({ PasswordLength: 40, ExcludePunctuation: true });
    }
  });

  test('no key material in the template: no *_API_KEYS variable and no literal secret strings', () => {
    for (const f of Object.values(synthesized.template.findResources('AWS::Lambda::Function'))) {
      const names = Object.keys(f.Properties.Environment?.Variables ?? {});
      expect(names.filter((n) => /API_KEYS?$/.test(n))).toEqual([]);
      expect(names).not.toContain(ENV.readKeys);
      expect(names).not.toContain(ENV.ingestKeys);
    }
    expect(JSON.stringify(synthesized.template.toJSON())).not.toContain('"SecretString"');
  });
});

describe('outputs', () => {
  test('API URL and both secret names', () => {
    const outputs = synthesized.template.toJSON().Outputs;
    expect(Object.keys(outputs).sort()).toEqual(['ApiUrl', 'CallsTableName', 'IngestKeysSecretName', 'ReadKeysSecretName', 'WebhookSecretsName']);

    const { api } = synthesized.stack.httpApi;
    expect(JSON.stringify(outputs.ApiUrl.Value)).toContain(JSON.stringify(ref(api)));
    expect(JSON.stringify(outputs.ApiUrl.Value)).toMatch(/^\{"Fn::Join":\["",\["https:\/\//);

    // The name is parsed out of the secret's ARN (dropping the random suffix), so it refers to that secret only.
    const { readKeys, ingestKeys } = synthesized.stack.apiKeys;
    expect(JSON.stringify(outputs.ReadKeysSecretName.Value)).toContain(JSON.stringify(ref(readKeys)));
    expect(JSON.stringify(outputs.ReadKeysSecretName.Value)).not.toContain(logicalId(ingestKeys));
    expect(JSON.stringify(outputs.IngestKeysSecretName.Value)).toContain(JSON.stringify(ref(ingestKeys)));
    expect(JSON.stringify(outputs.IngestKeysSecretName.Value)).not.toContain(logicalId(readKeys));
  });
});

describe('settings', () => {
  const settingsWith = (context: Record<string, unknown>) => loadSettings(new Stack(new App({ context }), 'S'));

  test('defaults match cdk.json, so tests and `cdk synth` build the same stack', () => {
    const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'));
    expect(cdkJson.context).toEqual(SETTING_DEFAULTS);
  });

  test('command-line strings are parsed', () => {
    expect(settingsWith({ retentionDays: '30', throttleRateLimit: '2.5', logRetentionDays: '7' })).toMatchObject({
      retentionDays: 30,
      throttleRateLimit: 2.5,
      logRetention: 7,
    });
  });

  test.each([
    [{ retentionDays: 0 }, /retentionDays.*positive whole number/],
    [{ maxWindowDays: 'abc' }, /maxWindowDays.*positive whole number/],
    [{ throttleBurstLimit: 2.5 }, /throttleBurstLimit.*positive whole number/],
    [{ throttleRateLimit: -1 }, /throttleRateLimit.*positive number/],
    [{ removalPolicy: 'keep' }, /removalPolicy.*"retain" or "destroy"/],
    [{ logRetentionDays: 42 }, /logRetentionDays.*retention values/],
  ])('rejects %j', (context, message) => {
    expect(() => settingsWith(context)).toThrow(message);
  });
});
