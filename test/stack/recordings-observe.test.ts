/**
 * Recordings in S3 (context recordingBuckets) and Cekura Observe (context cekuraObserve): the
 * Lambdas that sign links may read exactly the listed prefixes (and decrypt with a listed key,
 * through S3 only); Observe gets its own forwarder, queue and alarm; cdk-nag stays clean.
 */
import type { CfnResource } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { buildApp } from '../../cdk/app';
import { loadRecordingSettings } from '../../cdk/settings';
import { CEKURA_ENV } from '../../lib/cekura-push/forward';
import { NO_BUNDLING, type Synthesized, synth } from './synth';

// biome-ignore lint/suspicious/noExplicitAny: a synthesized CloudFormation template is JSON of any shape; each test asserts the parts it reads
type Json = Record<string, any>;

const KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const BUCKETS = [{ bucket: 'amazon-connect-abc', prefix: 'connect/acme/CallRecordings/', kmsKeyArn: KEY }, 'other-bucket'];
const CONTEXT = { cekuraAgentId: '123', cekuraObserve: true, cekuraRedactFields: 'phone_number,ssn', recordingBuckets: BUCKETS, recordingLinkMinutes: 30 };

let s: Synthesized;
beforeAll(() => {
  s = synth(CONTEXT);
});

const logicalId = (construct: IConstruct, stack = s.stack) => stack.getLogicalId(construct.node.defaultChild as CfnResource);
const resources = (synthesized = s) => synthesized.template.toJSON().Resources as Record<string, Json>;

function statementsOf(role: IConstruct, synthesized = s): Json[] {
  const policies: Json[] = resources(synthesized)[logicalId(role, synthesized.stack)]!.Properties.Policies ?? [];
  return policies.flatMap((p) => p.PolicyDocument.Statement);
}
const s3Statements = (role: IConstruct, synthesized = s) =>
  statementsOf(role, synthesized).filter((st) => JSON.stringify(st.Action).includes('s3:') || JSON.stringify(st.Action).includes('kms:'));
const objectArn = (path: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${path}`]] });

describe('recordings in S3', () => {
  test('the Lambdas that sign links may read exactly the listed prefixes, and decrypt with the listed key through S3 only', () => {
    const signers = [s.stack.functions.byName.readCalls, s.stack.cekuraForwarder!.fn, s.stack.cekuraObserveForwarder!.fn];
    for (const fn of signers) {
      expect(s3Statements(fn.role!)).toEqual([
        { Effect: 'Allow', Action: 's3:GetObject', Resource: [objectArn('amazon-connect-abc/connect/acme/CallRecordings/*'), objectArn('other-bucket/*')] },
        {
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: KEY,
          Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
        },
      ]);
    }
  });

  test('ingest only checks where a recording is: the list in its environment, no S3 permission', () => {
    const { ingestCalls, platformWebhook, eraseCalls, fallback } = s.stack.functions.byName;
    for (const fn of [ingestCalls, platformWebhook]) {
      expect(resources()[logicalId(fn)]!.Properties.Environment.Variables.RECORDING_BUCKETS).toBe(
        'amazon-connect-abc/connect/acme/CallRecordings/,other-bucket',
      );
      expect(s3Statements(fn.role!)).toEqual([]);
    }
    for (const fn of [eraseCalls, fallback]) expect(s3Statements(fn.role!)).toEqual([]);
    const read = resources()[logicalId(s.stack.functions.byName.readCalls)]!.Properties.Environment.Variables;
    expect(read).toMatchObject({ RECORDING_BUCKETS: 'amazon-connect-abc/connect/acme/CallRecordings/,other-bucket', RECORDING_LINK_MINUTES: '30' });
  });

  test('without recordingBuckets, no Lambda may read S3 and none is told of buckets', () => {
    const plain = synth({ cekuraAgentId: '123' });
    for (const fn of [plain.stack.functions.byName.readCalls, plain.stack.cekuraForwarder!.fn]) {
      expect(s3Statements(fn.role!, plain)).toEqual([]);
      expect(resources(plain)[logicalId(fn, plain.stack)]!.Properties.Environment.Variables).not.toHaveProperty('RECORDING_BUCKETS');
    }
  });

  test('recordingBuckets is read from cdk.json lists, -c JSON and -c text, and a wrong entry is named', () => {
    const read = (value: unknown, minutes?: unknown) =>
      loadRecordingSettings(buildApp({ ...NO_BUNDLING, recordingBuckets: value, recordingLinkMinutes: minutes }).stack);
    expect(read('a-bucket/p/,b-bucket')).toEqual({
      buckets: [
        { bucket: 'a-bucket', prefix: 'p/' },
        { bucket: 'b-bucket', prefix: '' },
      ],
      kmsKeyArns: [],
      linkMinutes: 60,
    });
    expect(read(JSON.stringify(BUCKETS), '120')).toMatchObject({ kmsKeyArns: [KEY], linkMinutes: 120 });
    expect(() => read([{ bucket: 'ok-bucket', kmsKeyArn: 'alias/aws/s3' }])).toThrow(/recordingBuckets"\[0\]\.kmsKeyArn must be a KMS key ARN/);
    expect(() => read(['ok-bucket', 'Not A Bucket'])).toThrow(/recordingBuckets"\[1\]: "Not A Bucket"/);
    expect(() => read([{ bucket: 'ok-bucket', region: 'eu-west-1' }])).toThrow(/unknown keys: region/);
    expect(() => read('ok-bucket', 0)).toThrow(/recordingLinkMinutes/);
    expect(() => read('[not json')).toThrow(/not valid JSON/);
  });
});

test('cdk-nag passes with recordings and Observe on: each listed prefix acknowledged on each signing role, by its own resource', () => {
  const { app } = buildApp({ ...NO_BUNDLING, ...CONTEXT });
  expect(() => app.synth()).not.toThrow();
  const { app: unlisted, stack } = buildApp({ ...NO_BUNDLING, ...CONTEXT });
  // A wildcard the list does not name is not covered by those acknowledgements.
  stack.functions.byName.readCalls.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::unlisted-bucket/*'] }));
  expect(() => unlisted.synth()).toThrow(/AwsSolutions-IAM5/);
});

describe('Cekura Observe', () => {
  test('a second forwarder on the same stream sends production calls, with its own queue and alarm, sharing the key', () => {
    const push = s.stack.cekuraForwarder!;
    const observe = s.stack.cekuraObserveForwarder!;
    s.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    s.template.resourceCountIs('AWS::SQS::Queue', 2);
    s.template.resourceCountIs('AWS::SecretsManager::Secret', 4);
    const env = (fn: IConstruct) => resources()[logicalId(fn)]!.Properties.Environment.Variables;
    expect(env(push.fn)).toMatchObject({ [CEKURA_ENV.observe]: 'on', [CEKURA_ENV.channel]: 'webhook' });
    expect(env(observe.fn)).toMatchObject({ [CEKURA_ENV.observe]: 'on', [CEKURA_ENV.channel]: 'observe', [CEKURA_ENV.redactFields]: 'phone_number,ssn' });
    expect(env(observe.fn)[CEKURA_ENV.apiKeySecretId]).toEqual(env(push.fn)[CEKURA_ENV.apiKeySecretId]);
    expect(env(observe.fn)[CEKURA_ENV.dlqUrl]).toEqual({ Ref: logicalId(observe.deadLetters) });
    const mappings = Object.values(s.template.findResources('AWS::Lambda::EventSourceMapping'));
    expect(mappings.map((m) => m.Properties.FunctionName.Ref).sort()).toEqual([logicalId(push.fn), logicalId(observe.fn)].sort());
    for (const m of mappings) {
      expect(m.Properties).toMatchObject({ FunctionResponseTypes: ['ReportBatchItemFailures'], MaximumRetryAttempts: 3, MaximumBatchingWindowInSeconds: 1 });
    }
    const observeMapping = mappings.find((m) => m.Properties.FunctionName.Ref === logicalId(observe.fn))!;
    expect(JSON.stringify(observeMapping.Properties.DestinationConfig)).toContain(logicalId(observe.deadLetters));
    expect(observe.callsWithoutAgentAlarm).toBeUndefined();
    expect(resources()[logicalId(observe.alarm)]!.Properties.AlarmName).toMatch(/cekura-observe-dead-letters/);
    // Its role may send to its own queue only.
    const sqs = statementsOf(observe.fn.role!).filter((st) => st.Action === 'sqs:SendMessage');
    expect(sqs).toEqual([{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [logicalId(observe.deadLetters), 'Arn'] } }]);
    expect(s.template.toJSON().Outputs).toHaveProperty('CekuraObserveDeadLetterQueueUrl');
  });

  test('the alarm email is told of both queues', () => {
    const withEmail = synth({ ...CONTEXT, alarmEmail: 'ops@example.com' });
    const alarms = Object.values(withEmail.template.findResources('AWS::CloudWatch::Alarm'));
    const notified = alarms.filter((a) =>
      JSON.stringify(a.Properties.AlarmActions ?? []).includes(logicalId(withEmail.stack.alarmTopic!.topic, withEmail.stack)),
    );
    expect(notified).toHaveLength(4);
  });

  test('is off by default, needs the push on, and reads its switches', () => {
    expect(synth({ cekuraAgentId: '123' }).stack.cekuraObserveForwarder).toBeUndefined();
    expect(() => synth({ cekuraObserve: true })).toThrow(/"cekuraObserve" needs the push to Cekura on/);
    expect(() => synth({ cekuraAgentId: '1', cekuraObserve: 'maybe' })).toThrow(/cekuraObserve/);
    expect(() => synth({ cekuraAgentId: '1', cekuraObserve: 'on', cekuraRedactFields: 'ok,not ok' })).toThrow(/cekuraRedactFields/);
  });
});
