import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ENDPOINT_VARIANT } from '../../lambdas/contracts/deployment';
import { EndpointMetricNames, SAGEMAKER_ENDPOINT_NAMESPACE } from '../../lambdas/contracts/metrics';

/**
 * SageMaker's metrics of one endpoint's variant (a metric factory in the manner of
 * cdk-monitoring-constructs): the alarms and the dashboard read the same definitions.
 */
export class EndpointMetricFactory {
  constructor(private readonly endpointName: string) {}

  /** Requests served. @default Sum over 5 minutes */
  metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(EndpointMetricNames.INVOCATIONS, 'Sum', props);
  }

  /** Requests the endpoint refused as bad input. @default Sum over 5 minutes */
  metricInvocation4XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(EndpointMetricNames.INVOCATION_4XX_ERRORS, 'Sum', props);
  }

  /** Requests the model failed. @default Sum over 5 minutes */
  metricInvocation5XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(EndpointMetricNames.INVOCATION_5XX_ERRORS, 'Sum', props);
  }

  /** The model's own latency in microseconds. @default p99 over 5 minutes */
  metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(EndpointMetricNames.MODEL_LATENCY, 'p99', props);
  }

  private metric(metricName: string, statistic: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: SAGEMAKER_ENDPOINT_NAMESPACE,
      metricName,
      dimensionsMap: { EndpointName: this.endpointName, VariantName: ENDPOINT_VARIANT },
      statistic,
      period: Duration.minutes(5),
      ...props,
    });
  }
}
