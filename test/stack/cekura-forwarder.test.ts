/** The optional push to Cekura: only with context `cekuraAgentId`, `cekuraAgents` or `cekuraPush`; least privilege, nag clean. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CfnResource } from 'aws-cdk-lib';
import { VALIDATION_REPORT_FILE } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { NAG_REASONS } from '../../cdk/nag';
import { CEKURA_ENV, CEKURA_KEY_PLACEHOLDER } from '../../lib/cekura-push/forward';
import { CEKURA_WEBHOOK_DEFAULT_URL } from '../../lib/cekura-push/payload';
import { type Synthesized, synth } from './synth';

// biome-ignore lint/suspicious/noExplicitAny: a synthesized CloudFormation template is JSON of any shape; each test asserts the parts it reads
type Json = Record<string, any>;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const CONTEXT = { cekuraAgentId: '123' };
const KEY_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cekura-key-AbC123';

let s: Synthesized;
let resources: Record<string, Json>;

beforeAll(() => {
  s = synth(CONTEXT);
  resources = s.template.toJSON().Resources;
});

const logicalId = (stack: Synthesized['stack'], construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnResource);
const actionsOf = (st: Statement): string[] => (Array.isArray(st.Action) ? st.Action : [st.Action]);

function forwarderStatements(synthesized: Synthesized): Statement[] {
  const all = synthesized.template.toJSON().Resources as Record<string, Json>;
  const roleId = logicalId(synthesized.stack, synthesized.stack.cekuraForwarder!.fn.role!);
  const inline: Json[] = all[roleId]!.Properties.Policies ?? [];
  const attached = Object.values(all).filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`"${roleId}"`));
  return [...inline, ...attached.map((r) => r.Properties)].flatMap((p) => p.PolicyDocument.Statement);
}

describe('without cekuraAgentId', () => {
  test('the stack has no stream, forwarder, queue or forwarder alarm (only the API 5xx alarm)', () => {
    const plain = synth();
    expect(plain.stack.cekuraForwarder).toBeUndefined();
    plain.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
    plain.template.resourceCountIs('AWS::SQS::Queue', 0);
    expect(Object.keys(plain.template.findResources('AWS::CloudWatch::Alarm'))).toEqual([logicalId(plain.stack, plain.stack.httpApi.serverErrorsAlarm)]);
    const table = Object.values(plain.template.findResources('AWS::DynamoDB::Table'))[0]!;
    expect(table.Properties.StreamSpecification).toBeUndefined();
  });
});

describe('with cekuraAgentId', () => {
  test('the table streams new images to the forwarder, with partial failures, bisecting, retries and a DLQ', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', { StreamSpecification: { StreamViewType: 'NEW_IMAGE' } });
    const fw = s.stack.cekuraForwarder!;
    s.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(s.stack, fw.fn) },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(s.stack, s.stack.calls.table), 'StreamArn'] },
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(s.stack, fw.deadLetters), 'Arn'] } } },
    });
  });

  test('the forwarder is configured from context, with the documented defaults', () => {
    const env = resources[logicalId(s.stack, s.stack.cekuraForwarder!.fn)]!.Properties.Environment.Variables;
    expect(env).toMatchObject({
      [CEKURA_ENV.agentId]: '123',
      [CEKURA_ENV.webhookUrl]: CEKURA_WEBHOOK_DEFAULT_URL,
      [CEKURA_ENV.messageTimes]: 'relative-seconds',
      [CEKURA_ENV.pushWindowMinutes]: '10',
      [CEKURA_ENV.apiKeySecretId]: { Ref: expect.any(String) },
      [CEKURA_ENV.dlqUrl]: { Ref: logicalId(s.stack, s.stack.cekuraForwarder!.deadLetters) },
    });
    const custom = synth({
      ...CONTEXT,
      cekuraMessageTimes: 'epoch-ms',
      cekuraPushWindowMinutes: '1440',
      cekuraWebhookUrl: 'https://sandbox.example.com/hook/',
    });
    const customEnv = Object.values(custom.template.findResources('AWS::Lambda::Function')).find(
      (r) => r.Properties.Environment?.Variables?.[CEKURA_ENV.agentId],
    )!;
    expect(customEnv.Properties.Environment.Variables).toMatchObject({
      [CEKURA_ENV.messageTimes]: 'epoch-ms',
      [CEKURA_ENV.pushWindowMinutes]: '1440',
      [CEKURA_ENV.webhookUrl]: 'https://sandbox.example.com/hook/',
    });
  });

  test('bad context is refused at synth', () => {
    expect(() => synth({ cekuraAgentId: 'abc' })).toThrow(/cekuraAgentId.*positive integer/);
    expect(() => synth({ ...CONTEXT, cekuraMessageTimes: 'seconds' })).toThrow(/cekuraMessageTimes/);
    expect(() => synth({ ...CONTEXT, cekuraPushWindowMinutes: '0' })).toThrow(/cekuraPushWindowMinutes/);
    expect(() => synth({ ...CONTEXT, cekuraWebhookUrl: 'http://api.cekura.ai/x' })).toThrow(/https/);
  });

  test('the forwarder role reads the stream only: it cannot Query, Get or Put the table', () => {
    const statements = forwarderStatements(s);
    expect(statements.every((st) => st.Effect === 'Allow')).toBe(true);
    const actions = statements.flatMap(actionsOf).sort();
    expect(actions).toEqual(
      [
        'dynamodb:DescribeStream',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'dynamodb:ListStreams',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'secretsmanager:GetSecretValue',
        'sqs:SendMessage',
      ].sort(),
    );
    const fw = s.stack.cekuraForwarder!;
    const resourcesFor = (action: string) => statements.filter((st) => actionsOf(st).includes(action)).map((st) => st.Resource);
    const streamArn = { 'Fn::GetAtt': [logicalId(s.stack, s.stack.calls.table), 'StreamArn'] };
    for (const a of ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'])
      expect(resourcesFor(a)).toEqual([streamArn]);
    expect(resourcesFor('secretsmanager:GetSecretValue')).toEqual([{ Ref: logicalId(s.stack, fw.createdApiKey!) }]);
    expect(resourcesFor('sqs:SendMessage')).toEqual([{ 'Fn::GetAtt': [logicalId(s.stack, fw.deadLetters), 'Arn'] }]);
    expect(JSON.stringify(statements)).not.toContain('"*"');
  });

  test('the DLQ is encrypted and TLS-only, and an alarm fires on its first message', () => {
    const fw = s.stack.cekuraForwarder!;
    s.template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    const policy = Object.values(s.template.findResources('AWS::SQS::QueuePolicy'))[0]!;
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(s.stack, fw.deadLetters), 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      EvaluationPeriods: 1,
    });
  });

  test('no Cekura key is in the template: a placeholder secret is created, or a given secret is used', () => {
    const created = Object.values(s.template.findResources('AWS::SecretsManager::Secret')).filter((r) => r.Properties.SecretString === CEKURA_KEY_PLACEHOLDER);
    expect(created).toHaveLength(1);

    const given = synth({ ...CONTEXT, cekuraApiKeySecretArn: KEY_ARN });
    expect(given.stack.cekuraForwarder!.createdApiKey).toBeUndefined();
    expect(JSON.stringify(given.template.toJSON())).not.toContain(CEKURA_KEY_PLACEHOLDER);
    const secretResources = forwarderStatements(given)
      .filter((st) => actionsOf(st).includes('secretsmanager:GetSecretValue'))
      .map((st) => st.Resource);
    expect(secretResources).toEqual([KEY_ARN]);

    const partial = synth({ ...CONTEXT, cekuraApiKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cekura/key' });
    expect(
      forwarderStatements(partial)
        .filter((st) => actionsOf(st).includes('secretsmanager:GetSecretValue'))
        .map((st) => st.Resource),
    ).toEqual(['arn:aws:secretsmanager:eu-west-1:123456789012:secret:cekura/key-??????']);
  });

  test('cdk-nag passes; the forwarder findings are acknowledged on their own resources with their reasons', () => {
    const fresh = synth(CONTEXT);
    const assembly = fresh.app.synth();
    const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, VALIDATION_REPORT_FILE), 'utf8'));
    const reports = report.pluginReports as Json[];
    expect(reports.flatMap((r) => r.violations)).toEqual([]);
    const fw = fresh.stack.cekuraForwarder!;
    const acknowledged = reports
      .flatMap((r) => r.suppressedViolations ?? [])
      .filter((v: Json) => v.acknowledgedAt.includes('/CekuraPush/'))
      .map((v: Json) => [v.ruleName, v.acknowledgedAt, v.reason])
      .sort();
    expect(acknowledged).toEqual(
      [
        ['AwsSolutions-L1', fw.fn.node.path, NAG_REASONS.pinnedRuntime],
        ['AwsSolutions-SMG4', fw.createdApiKey!.node.path, NAG_REASONS.cekuraKeyRotation],
        ['AwsSolutions-SQS3', fw.deadLetters.node.path, NAG_REASONS.cekuraDeadLetterQueue],
      ].sort(),
    );
  });
});
