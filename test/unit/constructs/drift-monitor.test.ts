import { Match } from 'aws-cdk-lib/assertions';
import { windowMinutes } from '../../../lib/constructs/drift-monitor';
import { synthMlopsStack } from '../../helpers/app';
import { makeConfig } from '../../helpers/config';

describe('DriftMonitor', () => {
  const config = makeConfig({
    monitoring: {
      schedule: 'rate(15 minutes)',
      evaluationPeriods: 4,
      datapointsToAlarm: 3,
      featureAlarms: ['total_day_minutes'],
      thresholds: { driftedShare: 0.4 },
      retrainOnDrift: { enabled: true, cooldownHours: 12 },
    },
  });
  const { stack, template } = synthMlopsStack(config);
  const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
  const drift = stack.driftMonitor;

  test('GIVEN a schedule THEN the check runs on it and looks back one period', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [id(drift.handler.function), 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          ENDPOINT_NAME: 'churn-endpoint',
          WINDOW_MINUTES: '15',
          CAPTURE_PREFIX: 'capture/',
          DRIFT_RULES: JSON.stringify({ minWindowRecords: 1000, jensenShannon: 0.1, psi: 0.2, driftedShare: 0.4 }),
          DEPLOYED_MODEL_PARAMETER: { Ref: id(stack.pipeline.deployedModelParameter) },
        }),
      },
    });
  });

  test.each([
    ['rate(1 hour)', 60],
    ['rate(5 minutes)', 5],
    ['rate(2 days)', 2880],
    ['cron(0 * * * ? *)', 60],
  ])('GIVEN %s THEN the window is %d minutes', (schedule, minutes) => {
    expect(windowMinutes(schedule)).toBe(minutes);
  });

  test('GIVEN the thresholds THEN the data set alarm fires on M of N checks and treats missing data as no drift', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `${stack.stackName}-churn-endpoint-dataset-drift`,
      Namespace: 'ServerlessMlops',
      MetricName: 'DriftedFeatureShare',
      Dimensions: [{ Name: 'EndpointName', Value: 'churn-endpoint' }],
      Statistic: 'Maximum',
      Period: 900,
      Threshold: 0.4,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 4,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: id(stack.notifications.topic) }],
    });
    const alarm = template.toJSON().Resources[id(drift.datasetDriftAlarm)];
    expect(JSON.stringify(alarm.Properties.AlarmDescription)).toContain('/drift/churn-endpoint/latest/report.html');
  });

  test('GIVEN a feature alarm THEN that feature has its own alarm', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'FeatureDrifted',
      Dimensions: [
        { Name: 'EndpointName', Value: 'churn-endpoint' },
        { Name: 'Feature', Value: 'total_day_minutes' },
      ],
      Threshold: 1,
      EvaluationPeriods: 4,
      DatapointsToAlarm: 3,
    });
  });

  test('GIVEN the check itself fails THEN an alarm says so', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(drift.handler.function) } }],
      Threshold: 0,
    });
  });

  test('GIVEN retrain-on-drift THEN the alarm entering ALARM reaches the trigger queue, which retrains once per cooldown', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        resources: [{ 'Fn::GetAtt': [id(drift.datasetDriftAlarm), 'Arn'] }],
        detail: { state: { value: ['ALARM'] } },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [id(stack.trigger.queue), 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ RETRAIN_COOLDOWN_HOURS: '12' }) } });
  });

  test('GIVEN retrain-on-drift off THEN no drift rule exists', () => {
    const off = synthMlopsStack(makeConfig({ monitoring: { retrainOnDrift: { enabled: false } } }));
    off.template.resourcePropertiesCountIs('AWS::Events::Rule', { EventPattern: { source: ['aws.cloudwatch'] } }, 0);
  });

  test('GIVEN the check THEN it may read baselines and capture, write reports, and publish only to its namespace', () => {
    const policy = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: id(drift.handler.role) }] } }))[0];
    const statements = policy.Properties.PolicyDocument.Statement as Record<string, unknown>[];
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: 'ssm:GetParameter' }),
        expect.objectContaining({
          Action: 's3:PutObject',
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id(stack.dataLake.dataBucket), 'Arn'] }, '/drift/*']] },
        }),
        expect.objectContaining({
          Action: 'cloudwatch:PutMetricData',
          Resource: '*',
          Condition: { StringEquals: { 'cloudwatch:namespace': 'ServerlessMlops' } },
        }),
      ]),
    );
  });

  test('GIVEN the stack THEN one dashboard shows runs, endpoint, drift per feature and every alarm', () => {
    const dashboards = template.findResources('AWS::CloudWatch::Dashboard');
    expect(Object.keys(dashboards)).toHaveLength(1);
    const body = JSON.stringify(stack.resolve(Object.values(dashboards)[0].Properties.DashboardBody));
    for (const text of ['ExecutionsFailed', 'Invocation5XXErrors', 'ModelLatency', 'DriftedFeatureShare', 'FeatureJensenShannon', 'total_intl_charge', 'alarm'])
      expect(body).toContain(text);
    expect(body.match(/arn:aws:cloudwatch|Fn::GetAtt/g)?.length ?? 0).toBeGreaterThan(0);
  });
});
