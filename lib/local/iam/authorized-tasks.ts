import { resourcesOfType, type CfnTemplate, type RenderOptions } from '../template/cfn-template';
import { topicsOf } from '../template/template-wiring';
import { taskStates, type AslDefinition, type TaskHandler } from '../services/stepfunctions/state-machine-runner';
import { AccessDeniedError, type LocalIam } from './local-iam';
import { taskAuthorization, taskStopAuthorization, type TaskAuthorization } from './state-machine-calls';

/** How Step Functions names a denied call of each service ("<Service>.<Error>", the service's own error code). */
const DENIAL_NAMES: Record<string, string> = {
  lambda: 'Lambda.AccessDeniedException',
  sagemaker: 'SageMaker.AccessDeniedException',
  iam: 'SageMaker.AccessDeniedException',
  events: 'SageMaker.AccessDeniedException',
  sns: 'SNS.AuthorizationErrorException',
  kms: 'SNS.KMSAccessDeniedException',
  ssm: 'SSM.AccessDeniedException',
};

/**
 * Every Task handler, checked first against the state machine role's policies in the template: a
 * call the role may not make fails the state with AWS's AccessDenied message (naming principal,
 * action and resource), which the state's Catch handles as on AWS.
 */
export function authorizedTaskHandlers(
  handlers: Record<string, TaskHandler>,
  context: { template: CfnTemplate; render: RenderOptions; definition: AslDefinition; iam: LocalIam },
): Record<string, TaskHandler> {
  const topicKeys = topicsOf(context.template, context.render);
  return authorizedUnderStateMachineRole(handlers, context, (resource) => taskAuthorization(resource, context.render.region, topicKeys));
}

/**
 * The calls integrations make when an execution is stopped (StopTrainingJob for a `.sync` Train),
 * checked against the state machine role's policies as on AWS: denied, the call is not made.
 */
export function authorizedTaskStops(
  stops: Record<string, TaskHandler>,
  context: { template: CfnTemplate; render: RenderOptions; definition: AslDefinition; iam: LocalIam },
): Record<string, TaskHandler> {
  return authorizedUnderStateMachineRole(stops, context, (resource) => taskStopAuthorization(resource, context.render.region));
}

function authorizedUnderStateMachineRole(
  handlers: Record<string, TaskHandler>,
  context: { template: CfnTemplate; definition: AslDefinition; iam: LocalIam },
  authorizationOf: (resource: string) => TaskAuthorization | undefined,
): Record<string, TaskHandler> {
  const { template, definition, iam } = context;
  const [machine] = resourcesOfType(template, 'AWS::StepFunctions::StateMachine');
  const roleId = (template.Resources[machine].Properties?.RoleArn as { 'Fn::GetAtt'?: string[] } | undefined)?.['Fn::GetAtt']?.[0];
  if (!roleId) throw new Error(`state machine ${machine} has no RoleArn of a template role: local IAM cannot evaluate its calls`);
  const session = iam.sessionOf(roleId, 'local-execution');
  const authorized: Record<string, TaskHandler> = {};
  for (const { name, resource } of taskStates(definition)) {
    const handler = handlers[name];
    if (!handler) continue;
    const requests = authorizationOf(resource);
    if (!requests) throw new Error(`local IAM does not know what ${name} (${resource}) asks of IAM here`);
    authorized[name] = async (input) => {
      try {
        await iam.authorize(session, requests(input as Record<string, string>));
      } catch (err) {
        if (!(err instanceof AccessDeniedError)) throw err;
        throw Object.assign(new Error(err.message), { name: DENIAL_NAMES[err.request.action.split(':')[0]] ?? 'States.TaskFailed' });
      }
      return handler(input);
    };
  }
  return authorized;
}
