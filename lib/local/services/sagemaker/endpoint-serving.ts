import type { S3Client } from '@aws-sdk/client-s3';
import type { CreateEndpointConfigCommandInput, CreateModelCommandInput } from '@aws-sdk/client-sagemaker';
import { XgboostModel, type XgboostJsonModel } from '../../trainer/xgboost-model';
import { parseS3Uri } from '../../../../lambdas/contracts/layout';
import { readBytes } from '../../../../lambdas/shared/s3';
import type { LocalEndpoints } from './endpoint';
import { untarGz } from '../../trainer/tar';
import { MODEL_FILE } from '../../trainer/sagemaker-trainer';

/**
 * What the local SageMaker calls when an endpoint starts serving a config: load the variant's
 * model.tar.gz from S3 and put it behind the local runtime endpoint, with the config's data capture.
 */
export function serveOnLocalEndpoints(endpoints: LocalEndpoints, s3: S3Client) {
  return async (endpointName: string, config: CreateEndpointConfigCommandInput, models: CreateModelCommandInput[]): Promise<void> => {
    const variant = config.ProductionVariants?.[0];
    const modelDataUrl = models[0]?.PrimaryContainer?.ModelDataUrl;
    if (!variant || !modelDataUrl) throw new Error(`endpoint config ${config.EndpointConfigName} has no model to serve`);
    const { bucket, key } = parseS3Uri(modelDataUrl);
    const archive = Buffer.from(await readBytes(s3, bucket, key));
    const file = untarGz(archive)[MODEL_FILE];
    if (!file) throw new Error(`${modelDataUrl} holds no ${MODEL_FILE}`);
    const model = new XgboostModel(JSON.parse(file.toString('utf8')) as XgboostJsonModel);
    const capture = config.DataCaptureConfig;
    const destination = capture?.EnableCapture && capture.DestinationS3Uri ? parseS3Uri(capture.DestinationS3Uri) : undefined;
    endpoints.deploy(endpointName, model, {
      variant: variant.VariantName,
      serverless: variant.ServerlessConfig !== undefined,
      capture: destination
        ? { s3, bucket: destination.bucket, prefix: destination.key.replace(/\/?$/, '/'), samplingPercent: capture!.InitialSamplingPercentage ?? 100 }
        : undefined,
    });
  };
}
