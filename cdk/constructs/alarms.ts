import { Aws, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct, type IConstruct } from 'constructs';

/**
 * The name of one of this stack's alarms: `<stack name>-<suffix>`. Named, not generated, so the
 * alarm topic can let CloudWatch publish for exactly this stack's alarms (see AlarmTopic), and so
 * the alarm and its email subject say which deployment it is.
 */
export function alarmName(scope: IConstruct, suffix: string): string {
  return `${alarmNamePrefix(scope)}${suffix}`;
}

function alarmNamePrefix(scope: IConstruct): string {
  return `${Stack.of(scope).stackName}-`;
}

export interface AlarmTopicProps {
  email: string;
  removalPolicy: RemovalPolicy;
}

/**
 * Where the alarms notify: an SNS topic, encrypted with its own KMS key and refusing plain-HTTP
 * publishers, with one email subscription (AWS mails a confirmation link first).
 *
 * CloudWatch publishes an alarm's notification as the `cloudwatch.amazonaws.com` service, so both
 * the topic policy and the key policy must let that service in; both grants carry the
 * aws:SourceAccount and aws:SourceArn conditions (this account, this stack's alarm names), so no
 * other account's or stack's alarm can use them. Without the key grant the alarms would deploy and
 * silently deliver nothing.
 */
export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const alarmArns = `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${alarmNamePrefix(this)}*`;
    const fromThisStacksAlarms = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: { 'aws:SourceArn': alarmArns },
    };
    const cloudWatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');

    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the alarm notifications topic of the Cekura call adapter',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
      pendingWindow: Duration.days(30),
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsEncryptNotifications',
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'], // In a key policy, "*" is this key.
        conditions: fromThisStacksAlarms,
      }),
    );

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Cekura call adapter alarms',
      masterKey: this.key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromThisStacksAlarms,
      }),
    );
    this.topic.addSubscription(new EmailSubscription(props.email));
    this.action = new SnsAction(this.topic);
  }

  /** Mails when each alarm fires and again when it recovers (the OK tells the reader it is over). */
  notify(...alarms: cloudwatch.Alarm[]): void {
    for (const alarm of alarms) {
      const name = (alarm.node.defaultChild as cloudwatch.CfnAlarm).alarmName;
      // The grants above cover this stack's alarm names only: any other alarm's mail would be dropped.
      if (!name?.startsWith(alarmNamePrefix(this))) {
        throw new Error(`Alarm ${alarm.node.path} must be named with alarmName() ("${alarmNamePrefix(this)}..."), or its notifications are refused`);
      }
      alarm.addAlarmAction(this.action);
      alarm.addOkAction(this.action);
    }
  }
}
