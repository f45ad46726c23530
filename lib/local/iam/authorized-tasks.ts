import { resourcesOfType, type CfnTemplate, type RenderOptions } from '../template/cfn-template';
import { topicsOf } from '../template/template-wiring';
import { taskStates, type AslDefinition, type TaskHandler } from '../services/stepfunctions/state-machine-runner';
import { AccessDeniedError, type LocalIam } from './local-iam';
import { taskAuthorization } from './state-machine-calls';

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
  const { template, render, definition, iam } = context;
  const [machine] = resourcesOfType(template, 'AWS::StepFunctions::StateMachine');
  const roleId = (template.Resources[machine].Properties?.RoleArn as { 'Fn::GetAtt'?: string[] } | undefined)?.['Fn::GetAtt']?.[0];
  if (!roleId) throw new Error(`state machine ${machine} has no RoleArn of a template role: local IAM cannot evaluate its calls`);
  const topicKeys = topicsOf(template, render);
  const session = iam.sessionOf(roleId, 'local-execution');
  const authorized: Record<string, TaskHandler> = {};
  for (const { name, resource } of taskStates(definition)) {
    const handler = handlers[name];
    if (!handler) continue;
    const requests = taskAuthorization(resource, render.region, topicKeys);
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
