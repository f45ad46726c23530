import type { ServiceModel, Shape } from './service-models';

/** The JS SDK v3 client of each botocore service the twin checks (their enums are exported by shape name). */
const SDK_CLIENTS: Readonly<Record<string, string>> = {
  sagemaker: '@aws-sdk/client-sagemaker',
  stepfunctions: '@aws-sdk/client-sfn',
  ssm: '@aws-sdk/client-ssm',
  sns: '@aws-sdk/client-sns',
  cloudwatch: '@aws-sdk/client-cloudwatch',
  s3: '@aws-sdk/client-s3',
};

/**
 * The model with each enum extended by the project's JS SDK client where it has that shape: the
 * config schema's enums (instance types) come from the same client, so the twin and the schema
 * agree on what exists. The SDK is released with every service change, as botocore is, but this
 * project pins it in its lockfile, while botocore is whatever the machine has: an older botocore
 * would refuse values AWS accepts (botocore 1.43.11 lacks 233 SageMaker enum values that
 * @aws-sdk/client-sagemaker 3.1142 lists, among them 47 training instance types). Every other
 * constraint (members, required, types, lengths, ranges, patterns) stays botocore's: the SDK
 * does not carry them.
 */
export function withSdkEnums(service: string, model: ServiceModel): ServiceModel {
  const client = SDK_CLIENTS[service];
  if (!client) return model;
  let sdk: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded by name, once per service
    sdk = require(client) as Record<string, unknown>;
  } catch {
    return model;
  }
  const shapes: Record<string, Shape> = {};
  for (const [name, shape] of Object.entries(model.shapes)) {
    const values = shape.enum && enumValues(sdk[name]);
    // botocore's order first (AWS's messages list the values so), then what only the SDK has.
    shapes[name] = values ? { ...shape, enum: [...shape.enum!, ...values.filter((v) => !shape.enum!.includes(v))] } : shape;
  }
  return { ...model, shapes };
}

/** An SDK enum export: an object of string constants (anything else is not an enum). */
function enumValues(exported: unknown): string[] | undefined {
  if (exported === null || typeof exported !== 'object') return undefined;
  const values = Object.values(exported);
  return values.length > 0 && values.every((v) => typeof v === 'string') ? values : undefined;
}
