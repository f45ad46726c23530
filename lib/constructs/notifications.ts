import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface NotificationsProps {
  /** Encrypts the topic. Its policy must let CloudWatch use it (DataLake.allowServiceToUseKey). */
  readonly key: kms.IKey;
  /**
   * Addresses subscribed to every alarm and pipeline notification (each must confirm by email).
   * @default - no subscriptions
   */
  readonly emails?: readonly string[];
}

/**
 * The one SNS topic every alarm and pipeline notification goes to, and the one place alarms are
 * created, so each has the same action and none is forgotten.
 */
export class Notifications extends Construct {
  readonly topic: sns.Topic;
  private readonly key: kms.IKey;
  private readonly alarmList: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    this.key = props.key;
    this.topic = new sns.Topic(this, 'Topic', { masterKey: props.key, enforceSSL: true });
    for (const email of props.emails ?? []) this.topic.addSubscription(new subscriptions.EmailSubscription(email));
  }

  /** Lets a principal publish to the encrypted topic (sns:Publish and the key's data-key actions). */
  grantPublish(grantee: iam.IGrantable): void {
    // Explicit statements: Topic.grantPublish would add the wildcard action kms:GenerateDataKey*.
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }));
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [this.key.keyArn] }));
  }

  /** Every alarm created through addAlarm. */
  get alarms(): readonly cloudwatch.Alarm[] {
    return this.alarmList;
  }

  /** An alarm on any occurrence: the metric above 0 in one period; no data is no occurrence. */
  addOccurrenceAlarm(id: string, metric: cloudwatch.IMetric, alarmDescription: string): cloudwatch.Alarm {
    return this.addAlarm(id, {
      alarmDescription,
      metric,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** Creates an alarm that notifies the topic when it fires and when it recovers. */
  addAlarm(id: string, props: cloudwatch.AlarmProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, props);
    const action = new actions.SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarmList.push(alarm);
    return alarm;
  }
}
