/**
 * The local twin's entry points: a whole AWS-free environment built from the synthesized template.
 *
 * - template/  reads a CloudFormation template: intrinsics, the wiring of functions, queues and rules
 * - services/  one stand-in per AWS service (S3, CloudWatch, SNS, SQS, EventBridge, SSM, SageMaker,
 *              Step Functions), each a loopback server speaking its SDK's wire protocol or a class
 *              the runtime calls where Step Functions itself would call AWS
 * - runtime/   wires a template to the services and runs the handlers unmodified
 * - cli/       the demo, the control API of `mlops up`, traffic generation, progress output
 * - trainer/   the local SageMaker XGBoost: trainer, XGBoost JSON model and predictor
 */
export { startControlServer } from './cli/control-server';
export { runDemo } from './cli/demo';
export { routeLambdaLogs } from './runtime/lambda-logs';
export { lockStateDirectory } from './runtime/state-lock';
export { LocalMlops } from './runtime/local-mlops';
export type { CfnTemplate } from './template/cfn-template';
export { readSynthesizedTemplate, synthesizeTemplate } from './template/synth';
