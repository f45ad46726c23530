/**
 * The shapes that cross a service boundary: what starts the retraining state machine, and the
 * deployed-model pointer the pipeline publishes in SSM and the drift check reads.
 */

/** The trigger's StartExecution input: a pinned data snapshot (`features/<run>/manifest.json`). */
export interface RetrainingInput {
  readonly runId: string;
  /** The snapshot; `bytes` (its objects' total size) picks the feature-processing path. */
  readonly manifest: { readonly bucket: string; readonly key: string; readonly hash: string; readonly objectCount: number; readonly bytes: number };
}

/** The approval rule's StartExecution input: deploy a package approved in the registry. */
export interface ApprovalInput {
  readonly runId: string;
  readonly approvedModelPackageArn: string;
}

/** The SSM parameter's JSON: `{ endpointName, deployed: false }` until a deployment publishes the rest. */
export interface DeployedModel {
  readonly deployed?: boolean;
  readonly endpointName: string;
  readonly variantName?: string;
  readonly endpointConfigName?: string;
  readonly modelPackageArn?: string;
  readonly featureSpecUri?: string;
  readonly baselineUri?: string;
  readonly runId?: string;
  readonly runStartedAt?: string;
}
