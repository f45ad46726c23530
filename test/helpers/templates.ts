import type { CfnTemplate } from '../../lib/local/template/cfn-template';

/**
 * A copy of the template with `action` taken out of every IAM policy whose logical id starts with
 * `policyPrefix`, only from statements whose Resource mentions `onResource` when it is given.
 */
export function withoutAction(template: CfnTemplate, action: string, policyPrefix = '', onResource?: string): CfnTemplate {
  const copy = JSON.parse(JSON.stringify(template)) as CfnTemplate;
  let removed = 0;
  for (const [id, resource] of Object.entries(copy.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy' || !id.startsWith(policyPrefix)) continue;
    const statements = (resource.Properties!.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement;
    for (const statement of statements as { Action: string | string[]; Resource?: unknown }[]) {
      const actions = [statement.Action].flat();
      if (!actions.includes(action) || (onResource && !JSON.stringify(statement.Resource).includes(onResource))) continue;
      statement.Action = actions.filter((a) => a !== action);
      removed++;
    }
  }
  if (removed === 0) throw new Error(`no policy of the template grants ${action}`);
  return copy;
}
