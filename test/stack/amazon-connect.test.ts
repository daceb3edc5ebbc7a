/**
 * The optional Amazon Connect pipeline: only with context `amazonConnect`; an EventBridge rule on the
 * instance's bucket (never an S3 notification on a bucket the stack does not own), a Lambda whose
 * role allows exactly what it does, its own dead-letter queue and alarm, cdk-nag clean.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CfnResource } from 'aws-cdk-lib';
import { VALIDATION_REPORT_FILE } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { NAG_REASONS } from '../../cdk/nag';
import { CONNECT_ENV } from '../../lib/amazon-connect/settings';
import { type Synthesized, synth } from './synth';

// biome-ignore lint/suspicious/noExplicitAny: a synthesized CloudFormation template is JSON of any shape; each test asserts the parts it reads
type Json = Record<string, any>;

const INSTANCE_ARN = 'arn:aws:connect:us-east-1:123456789012:instance/a1b2c3d4-5678-90ab-cdef-111122223333';
const BUCKET = 'amazon-connect-5e9d2b7c4a01';
const KMS_KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/6f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
/** As `-c amazonConnect='{...}'` passes it: JSON text. */
const CONTEXT = { amazonConnect: JSON.stringify({ instanceArn: INSTANCE_ARN, bucket: BUCKET, kmsKeyArn: KMS_KEY_ARN }) };

const logicalId = (s: Synthesized, construct: IConstruct) => s.stack.getLogicalId(construct.node.defaultChild as CfnResource);
const getAtt = (s: Synthesized, construct: IConstruct, attribute = 'Arn') => ({ 'Fn::GetAtt': [logicalId(s, construct), attribute] });

let s: Synthesized;
let resources: Record<string, Json>;
beforeAll(() => {
  s = synth(CONTEXT);
  resources = s.template.toJSON().Resources;
});

describe('without amazonConnect', () => {
  test('the stack has no rule, Connect Lambda or queue', () => {
    const plain = synth();
    expect(plain.stack.connectAnalysis).toBeUndefined();
    plain.template.resourceCountIs('AWS::Events::Rule', 0);
    plain.template.resourceCountIs('AWS::SQS::Queue', 0);
    expect(Object.keys(plain.template.toJSON().Outputs)).not.toContain('ConnectDeadLetterQueueUrl');
  });
});

describe('with amazonConnect (redacted, the default)', () => {
  test('one EventBridge rule: S3 Object Created in the instance bucket, redacted voice analysis files only', () => {
    const rules = Object.values(s.template.findResources('AWS::Events::Rule'));
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties.EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: [BUCKET] }, object: { key: [{ wildcard: 'Analysis/Voice/Redacted/*_analysis_redacted_*.json' }] } },
    });
    expect(rules[0]!.Properties.Targets).toEqual([
      {
        Id: expect.any(String),
        Arn: getAtt(s, s.stack.connectAnalysis!.fn),
        DeadLetterConfig: { Arn: getAtt(s, s.stack.connectAnalysis!.deadLetters) },
        RetryPolicy: { MaximumEventAgeInSeconds: 21600, MaximumRetryAttempts: 20 },
      },
    ]);
  });

  test('adds nothing to the bucket: no S3 notification custom resource, no bucket or bucket policy', () => {
    const types = new Set(Object.values(resources).map((r) => r.Type as string));
    expect([...types].filter((type) => /S3|Custom::/.test(type))).toEqual([]);
    expect(JSON.stringify(resources)).not.toContain('BucketNotifications');
  });

  test('the Lambda fails to its own encrypted dead-letter queue after two retries, and an alarm watches the queue', () => {
    const connect = s.stack.connectAnalysis!;
    const fn = resources[logicalId(s, connect.fn)]!.Properties;
    expect(fn.DeadLetterConfig).toEqual({ TargetArn: getAtt(s, connect.deadLetters) });
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(s, connect.fn) },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21600,
    });
    expect(resources[logicalId(s, connect.deadLetters)]!.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    expect(resources[logicalId(s, connect.alarm)]!.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: getAtt(s, connect.deadLetters, 'QueueName') }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    // EventBridge may put undeliverable events in the queue, from this rule only.
    const queuePolicy = Object.values(s.template.findResources('AWS::SQS::QueuePolicy')).find((p) =>
      JSON.stringify(p.Properties.Queues).includes(logicalId(s, connect.deadLetters)),
    )!;
    expect(queuePolicy.Properties.PolicyDocument.Statement).toContainEqual({
      Sid: expect.any(String),
      Action: 'sqs:SendMessage',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Resource: getAtt(s, connect.deadLetters),
      Condition: { ArnEquals: { 'aws:SourceArn': getAtt(s, connect.rule) } },
    });
  });

  test("the Lambda's role allows exactly: its logs, GetObject on the prefix, DescribeContact on the instance's contacts, Decrypt with the key via S3, writing calls, its DLQ", () => {
    const connect = s.stack.connectAnalysis!;
    const roleId = logicalId(s, connect.role);
    const role = resources[roleId]!.Properties;
    expect(role.ManagedPolicyArns).toBeUndefined();
    // Nothing attached from elsewhere: the inline policy is the whole permission set.
    expect(Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`"${roleId}"`))).toEqual([]);
    expect(role.Policies).toHaveLength(1);
    expect(role.Policies[0].PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: getAtt(s, connect.logGroup) },
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${BUCKET}/Analysis/Voice/Redacted/*`]] },
      },
      { Effect: 'Allow', Action: 'connect:DescribeContact', Resource: `${INSTANCE_ARN}/contact/*` },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: KMS_KEY_ARN,
        Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
      },
      { Effect: 'Allow', Action: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem'], Resource: getAtt(s, s.stack.calls.table) },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: getAtt(s, connect.deadLetters) },
    ]);
  });

  test('the Lambda is told the instance, bucket and twin, and the table', () => {
    const env = resources[logicalId(s, s.stack.connectAnalysis!.fn)]!.Properties.Environment.Variables;
    expect(env).toMatchObject({
      [CONNECT_ENV.instanceArn]: INSTANCE_ARN,
      [CONNECT_ENV.bucket]: BUCKET,
      [CONNECT_ENV.output]: 'redacted',
      TABLE_NAME: { Ref: logicalId(s, s.stack.calls.table) },
      RETENTION_DAYS: '90',
    });
  });

  test('cdk-nag passes, its two wildcards acknowledged on the role by their exact resources, with their reasons', () => {
    const assembly = s.app.synth();
    const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, VALIDATION_REPORT_FILE), 'utf8'));
    const nag = report.pluginReports.find((r: Json) => r.pluginName === 'AwsSolutions');
    expect(nag.conclusion).toBe('success');
    const connect = s.stack.connectAnalysis!;
    const onConnect = (nag.suppressedViolations as Json[])
      .filter((v) => v.acknowledgedAt.startsWith(connect.node.path))
      .map((v) => [v.acknowledgedId, v.acknowledgedAt, v.reason])
      .sort();
    expect(onConnect).toEqual(
      [
        ['AwsSolutions::AwsSolutions-L1', connect.fn.node.path, NAG_REASONS.pinnedRuntime],
        [
          `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${BUCKET}/Analysis/Voice/Redacted/*]`,
          connect.role.node.path,
          NAG_REASONS.connectAnalysisObjects,
        ],
        [`AwsSolutions::AwsSolutions-IAM5[Resource::${INSTANCE_ARN}/contact/*]`, connect.role.node.path, NAG_REASONS.connectContacts],
      ].sort(),
    );
  });
});

describe('amazonConnect variants and validation', () => {
  test('raw files (redacted: false, cdk.json object form): the rule and GetObject take the raw prefix, no key means no kms statement', () => {
    const raw = synth({ amazonConnect: { instanceArn: INSTANCE_ARN, bucket: BUCKET, redacted: false } });
    const rule = Object.values(raw.template.findResources('AWS::Events::Rule'))[0]!;
    expect(rule.Properties.EventPattern.detail.object.key).toEqual([{ wildcard: 'Analysis/Voice/*_analysis_*.json' }]);
    const json = raw.template.toJSON().Resources as Record<string, Json>;
    const statements: Json[] = json[logicalId(raw, raw.stack.connectAnalysis!.role)]!.Properties.Policies[0].PolicyDocument.Statement;
    expect(statements.find((st) => st.Action === 's3:GetObject')!.Resource['Fn::Join'][1][2]).toBe(`:s3:::${BUCKET}/Analysis/Voice/*`);
    expect(statements.map((st) => st.Action)).not.toContain('kms:Decrypt');
    expect(json[logicalId(raw, raw.stack.connectAnalysis!.fn)]!.Properties.Environment.Variables[CONNECT_ENV.output]).toBe('raw');
  });

  test.each([
    [{ bucket: BUCKET }, /Context "amazonConnect": instanceArn must be an Amazon Connect instance ARN/],
    [{ instanceArn: INSTANCE_ARN, bucket: `s3://${BUCKET}` }, /Context "amazonConnect": bucket must be the name of the instance's S3 bucket/],
    [{ instanceArn: INSTANCE_ARN, bucket: BUCKET, redacted: 'yes' }, /redacted must be true or false/],
    [{ instanceArn: INSTANCE_ARN, bucket: BUCKET, kmsKeyArn: 'alias/aws/s3' }, /kmsKeyArn must be a KMS key ARN/],
    [{ instanceArn: INSTANCE_ARN, bucket: BUCKET, prefix: 'x/' }, /has unknown keys \(prefix\)/],
    ['{"instanceArn":', /must be a JSON object such as/],
  ])('refuses %j, naming the field', (value, message) => {
    expect(() => synth({ amazonConnect: typeof value === 'string' ? value : JSON.stringify(value) })).toThrow(message);
  });
});
