/**
 * Alarms: the API's 5xx rate (always), the forwarder's dead letters and calls without an agent
 * (with the push), and with context `alarmEmail` an encrypted SNS topic that mails them all.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CfnResource } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sns from 'aws-cdk-lib/aws-sns';
import { VALIDATION_REPORT_FILE } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { buildApp } from '../../cdk/app';
import { SERVER_ERROR_ALARM } from '../../cdk/constructs/http-api';
import { STACK_NAME } from '../../cdk/stack';
import { METRICS_NAMESPACE, UNROUTED_METRIC } from '../../functions/cekura-forwarder';
import { NO_BUNDLING, type Synthesized, synth } from './synth';

// biome-ignore lint/suspicious/noExplicitAny: a synthesized CloudFormation template is JSON of any shape; each test asserts the parts it reads
type Json = Record<string, any>;

const EMAIL = 'ops@example.com';
const WITH_EMAIL = { cekuraAgents: '{"+14155550100":123}', alarmEmail: EMAIL };

const logicalId = (s: Synthesized, construct: IConstruct) => s.stack.getLogicalId(construct.node.defaultChild as CfnResource);
const resourcesOf = (s: Synthesized) => s.template.toJSON().Resources as Record<string, Json>;
const alarmsOf = (s: Synthesized) => s.template.findResources('AWS::CloudWatch::Alarm');

describe('the API 5xx alarm', () => {
  let plain: Synthesized;
  beforeAll(() => {
    plain = synth();
  });

  test('exists without alarmEmail, with no action: visible in CloudWatch, mailing nobody', () => {
    const alarm = resourcesOf(plain)[logicalId(plain, plain.stack.httpApi.serverErrorsAlarm)]!.Properties;
    expect(alarm.AlarmActions).toBeUndefined();
    expect(alarm.OKActions).toBeUndefined();
    plain.template.resourceCountIs('AWS::SNS::Topic', 0);
    plain.template.resourceCountIs('AWS::KMS::Key', 0);
    expect(Object.keys(plain.template.toJSON().Outputs)).not.toContain('AlarmTopicArn');
  });

  test('fires when at least 5% of the requests of 5 minutes got a 5xx, from the $default stage metrics', () => {
    const alarm = resourcesOf(plain)[logicalId(plain, plain.stack.httpApi.serverErrorsAlarm)]!.Properties;
    expect(SERVER_ERROR_ALARM).toEqual({ periodMinutes: 5, thresholdPercent: 5 });
    expect(alarm).toMatchObject({
      AlarmName: `${STACK_NAME}-api-5xx-rate`,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 5,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(alarm.AlarmDescription).toMatch(/5%.*5xx.*5 minutes.*access log/);
    const dimensions = [
      { Name: 'ApiId', Value: { Ref: logicalId(plain, plain.stack.httpApi.api) } },
      { Name: 'Stage', Value: '$default' },
    ];
    const byId = Object.fromEntries((alarm.Metrics as Json[]).map((m) => [m.Id, m]));
    expect(byId.errors).toEqual({
      Id: 'errors',
      MetricStat: { Metric: { Namespace: 'AWS/ApiGateway', MetricName: '5xx', Dimensions: dimensions }, Period: 300, Stat: 'Sum' },
      ReturnData: false,
    });
    expect(byId.requests).toMatchObject({
      MetricStat: { Metric: { Namespace: 'AWS/ApiGateway', MetricName: 'Count', Dimensions: dimensions }, Period: 300 },
      ReturnData: false,
    });
    // A percentage, and no division by zero when there were no requests.
    const expression = (alarm.Metrics as Json[]).filter((m) => m.ReturnData !== false);
    expect(expression).toEqual([expect.objectContaining({ Expression: 'IF(requests > 0, 100 * errors / requests, 0)' })]);
  });
});

describe('the forwarder alarms', () => {
  test('calls without an agent: the metric the forwarder emits (namespace, name, Powertools service dimension), > 0 over 5 minutes', () => {
    const s = synth({ cekuraPush: 'on' });
    const fw = s.stack.cekuraForwarder!;
    const alarm = resourcesOf(s)[logicalId(s, fw.callsWithoutAgentAlarm!)]!.Properties;
    const env = resourcesOf(s)[logicalId(s, fw.fn)]!.Properties.Environment.Variables;
    expect(alarm).toMatchObject({
      AlarmName: `${STACK_NAME}-cekura-calls-without-agent`,
      Namespace: METRICS_NAMESPACE,
      MetricName: UNROUTED_METRIC,
      Dimensions: [{ Name: 'service', Value: env.POWERTOOLS_SERVICE_NAME }],
      Statistic: 'Sum',
      Period: 300,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      TreatMissingData: 'notBreaching',
    });
    expect(alarm.AlarmDescription).toMatch(/cekuraAgents/);
    expect(alarm.AlarmActions).toBeUndefined();
    // Three alarms with the push: the API's, the dead letters', the calls without an agent.
    expect(Object.keys(alarmsOf(s)).sort()).toEqual(
      [fw.alarm, fw.callsWithoutAgentAlarm!, s.stack.httpApi.serverErrorsAlarm].map((a) => logicalId(s, a)).sort(),
    );
  });
});

describe('with alarmEmail', () => {
  let s: Synthesized;
  let topicRef: Json;
  beforeAll(() => {
    s = synth(WITH_EMAIL);
    topicRef = { Ref: logicalId(s, s.stack.alarmTopic!.topic) };
  });

  test('one KMS-encrypted topic (its own key, rotated) with an email subscription to that address', () => {
    const { topic, key } = s.stack.alarmTopic!;
    s.template.resourceCountIs('AWS::SNS::Topic', 1);
    s.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(s, key), 'Arn'] } });
    s.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const subscriptions = Object.values(s.template.findResources('AWS::SNS::Subscription'));
    expect(subscriptions.map((r) => r.Properties)).toEqual([{ Protocol: 'email', Endpoint: EMAIL, TopicArn: topicRef }]);
    expect(s.stack.alarmTopic!.topic).toBe(topic);
  });

  test('every alarm notifies the topic when it fires and when it recovers', () => {
    const alarms = Object.values(alarmsOf(s));
    expect(alarms).toHaveLength(3);
    for (const alarm of alarms) {
      expect([alarm.Properties.AlarmName, alarm.Properties.AlarmActions, alarm.Properties.OKActions]).toEqual([
        alarm.Properties.AlarmName,
        [topicRef],
        [topicRef],
      ]);
    }
  });

  test('the topic refuses plain-HTTP publishers and lets CloudWatch publish only for this account and stack', () => {
    const policies = Object.values(s.template.findResources('AWS::SNS::TopicPolicy'));
    expect(policies).toHaveLength(1);
    const statements = policies[0]!.Properties.PolicyDocument.Statement as Json[];
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    const allows = statements.filter((st) => st.Effect === 'Allow');
    expect(allows).toEqual([expect.objectContaining({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish', Resource: topicRef })]);
    expectOnlyThisStacksAlarms(allows[0]!.Condition);
  });

  test("the key lets CloudWatch encrypt notifications, for this stack's alarms only (else mails are silently dropped)", () => {
    const key = resourcesOf(s)[logicalId(s, s.stack.alarmTopic!.key)]!.Properties;
    const forCloudWatch = (key.KeyPolicy.Statement as Json[]).filter((st) => JSON.stringify(st.Principal).includes('cloudwatch'));
    expect(forCloudWatch).toHaveLength(1);
    expect(forCloudWatch[0]).toMatchObject({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] });
    expectOnlyThisStacksAlarms(forCloudWatch[0]!.Condition);
    // And every alarm's name is covered by that pattern.
    for (const alarm of Object.values(alarmsOf(s))) expect(alarm.Properties.AlarmName).toMatch(new RegExp(`^${STACK_NAME}-`));
  });

  test('the topic ARN is a stack output', () => {
    const outputs = s.template.toJSON().Outputs as Record<string, Json>;
    expect(outputs.AlarmTopicArn!.Value).toEqual(topicRef);
    expect(outputs.AlarmTopicArn!.Description).toContain(EMAIL);
  });

  test('without the push, the topic carries the 5xx alarm alone', () => {
    const apiOnly = synth({ alarmEmail: EMAIL });
    const alarms = Object.values(alarmsOf(apiOnly));
    expect(alarms.map((a) => a.Properties.AlarmName)).toEqual([`${STACK_NAME}-api-5xx-rate`]);
    expect(alarms[0]!.Properties.AlarmActions).toEqual([{ Ref: logicalId(apiOnly, apiOnly.stack.alarmTopic!.topic) }]);
  });

  test('an alarm not named with alarmName() is refused by notify(): the grants would drop its mails', () => {
    const { stack } = buildApp({ ...NO_BUNDLING, alarmEmail: EMAIL });
    const stray = new cloudwatch.Alarm(stack, 'Stray', { metric: stack.httpApi.stage.metricCount(), threshold: 1, evaluationPeriods: 1 });
    expect(() => stack.alarmTopic!.notify(stray)).toThrow(/Stray.*alarmName\(\)/);
  });

  test.each([['ops'], ['ops@example'], ['a@example.com,b@example.com'], [42]])('alarmEmail=%j is refused', (value) => {
    expect(() => synth({ alarmEmail: value })).toThrow(/Context "alarmEmail" must be one email address/);
  });

  test('cdk-nag AwsSolutions passes with the topic and key, and they need no acknowledgement', () => {
    const { app, stack } = buildApp({ ...NO_BUNDLING, ...WITH_EMAIL });
    const assembly = app.synth();
    const reports = JSON.parse(fs.readFileSync(path.join(assembly.directory, VALIDATION_REPORT_FILE), 'utf8')).pluginReports as Json[];
    expect(reports.flatMap((r) => r.violations)).toEqual([]);
    const newPaths = [stack.alarmTopic!.node.path, stack.httpApi.serverErrorsAlarm.node.path, stack.cekuraForwarder!.callsWithoutAgentAlarm!.node.path];
    const acknowledgedThere = reports.flatMap((r) => r.suppressedViolations ?? []).filter((v: Json) => newPaths.some((p) => v.acknowledgedAt.startsWith(p)));
    expect(acknowledgedThere).toEqual([]);
  });

  test('the SNS rules are live: a plain topic fails synth with SNS2 and SNS3', () => {
    const { app, stack } = buildApp({ ...NO_BUNDLING });
    new sns.Topic(stack, 'PlainTopic');
    expect(() => app.synth()).toThrow(/PlainTopic[\s\S]*AwsSolutions-SNS(2|3)/);
  });
});

function expectOnlyThisStacksAlarms(condition: Json) {
  expect(condition.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
  expect(JSON.stringify(condition.ArnLike['aws:SourceArn'])).toMatch(new RegExp(`:cloudwatch:.*:alarm:${STACK_NAME}-\\*"`));
}
