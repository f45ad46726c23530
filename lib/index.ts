/**
 * serverless-mlops as a construct library: compose the constructs into a stack of your own, or
 * use MlopsStack for the whole lifecycle from one config.
 */
export { DataLake, type DataLakeProps } from './constructs/data-lake';
export { Notifications, type NotificationsProps } from './constructs/notifications';
export { RetrainingTrigger, type RetrainingTriggerProps, OBJECT_CREATED_REASONS } from './constructs/retraining-trigger';
export { RetrainingPipeline, type RetrainingPipelineProps, PipelineStates } from './constructs/retraining-pipeline';
export { DriftMonitor, type DriftMonitorProps } from './constructs/drift-monitor';
export { MonitoringDashboard, type MonitoringDashboardProps } from './constructs/dashboard';
export { EndpointMetricFactory } from './constructs/endpoint-metrics';
export { XGBOOST, type TrainingAlgorithm } from './constructs/pipeline/training-step';
export { HandlerFunction, type HandlerFunctionProps } from './constructs/handler-function';
export { SageMakerExecutionRole, type SageMakerExecutionRoleProps } from './constructs/sagemaker-execution-role';
export { InvalidPropError } from './constructs/props';
export { MlopsStack, type MlopsStackProps, MlopsOutputs, stackNameFor } from './stacks/mlops-stack';
export { DeliveryStack, type DeliveryStackProps, MlopsStage } from './stacks/delivery-stack';
export * from './config';
