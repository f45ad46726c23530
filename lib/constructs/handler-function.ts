import * as path from 'node:path';
import { Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HANDLER_METADATA_KEY } from '../../lambdas/contracts/deployment';

/** Every handler runs on this runtime; the local runtime runs the same sources on Node >= 20. */
export const HANDLER_RUNTIME = lambda.Runtime.NODEJS_24_X;

export interface HandlerFunctionProps {
  /** The folder under lambdas/ holding handler.ts, e.g. "retraining-trigger". */
  readonly handlerName: string;
  readonly description: string;
  readonly environment: Record<string, string>;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default Duration.seconds(60) */
  readonly timeout?: Duration;
  /** Local disk under /tmp. @default 512 MiB (Lambda's default) */
  readonly ephemeralStorageSize?: Size;
  /** @default - unreserved */
  readonly reservedConcurrentExecutions?: number;
  /** Encrypts the environment variables. */
  readonly key: kms.IKey;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * A bundled Node.js handler from lambdas/<name>/handler.ts with its own role and log group. The role
 * may write only to that log group, instead of the AWS-managed basic execution policy.
 */
export class HandlerFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.handlerName} handler of ${Stack.of(this).stackName}`,
    });
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${this.logGroup.logGroupArn}`] }));
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: path.join(__dirname, '..', '..', 'lambdas', props.handlerName, 'handler.ts'),
      handler: 'handler',
      runtime: HANDLER_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      description: props.description,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(60),
      ephemeralStorageSize: props.ephemeralStorageSize,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: props.environment,
      environmentEncryption: props.key,
      role: this.role,
      logGroup: this.logGroup,
      // The runtime provides the SDK clients; helpers such as @aws-sdk/lib-storage are bundled, as
      // the runtime does not promise them.
      bundling: { minify: true, sourceMap: true, target: 'node22', externalModules: ['@aws-sdk/client-*'] },
    });
    // Tells the local runtime which source under lambdas/ this function runs.
    (this.function.node.defaultChild as lambda.CfnFunction).addMetadata(HANDLER_METADATA_KEY, props.handlerName);
  }
}
