import { z } from 'zod';

/** An AWS account id. */
const accountSchema = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
/** An AWS region name such as "eu-west-1" or "us-gov-west-1". */
const regionSchema = z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'must be an AWS region such as "eu-west-1"');

/** A section a stage may override: checked field by field once merged into the base config. */
const overridableSection = z.record(z.string(), z.unknown());

export const stageSchema = z.strictObject({
  /** The account this stage deploys to; required for stages the delivery pipeline deploys. */
  account: accountSchema.optional(),
  region: regionSchema,
  /** The delivery pipeline waits for a person to approve before deploying this stage. */
  requiresApproval: z.boolean().default(false),
  /** Deep-merged into the base config for this stage (arrays replace); the data set is the same everywhere. */
  overrides: z
    .strictObject({
      removalPolicy: z.unknown().optional(),
      training: overridableSection.optional(),
      evaluation: overridableSection.optional(),
      deployment: overridableSection.optional(),
      monitoring: overridableSection.optional(),
      notifications: overridableSection.optional(),
    })
    .default({}),
});

export const deliverySchema = z.strictObject({
  /** The CodeConnections (CodeStar Connections) connection to the repository host. */
  connectionArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection\/[\w-]+$/, 'must be a CodeConnections connection ARN'),
  /** "owner/name" on the connected host. */
  repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be "owner/name"'),
  branch: z.string().min(1).default('main'),
  /** The account and region of the pipeline itself (the tooling account). */
  account: accountSchema,
  region: regionSchema,
  /** Stages in deployment order, e.g. ["dev", "prod"]. */
  stages: z.array(z.string()).min(1),
  /** Addresses told about failed pipeline executions. */
  notificationEmails: z.array(z.email()).default([]),
});

export const STAGE_NAME = /^[a-z][a-z0-9-]{0,19}$/;

export type Delivery = z.output<typeof deliverySchema>;
