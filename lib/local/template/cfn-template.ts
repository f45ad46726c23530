/** Just enough of a synthesized CloudFormation template to find and render resources locally. */
export interface CfnTemplate {
  readonly Resources: Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown>; readonly Metadata?: Record<string, unknown> }>;
  readonly Mappings?: Record<string, Record<string, Record<string, string>>>;
}

export const LOCAL_ACCOUNT = '000000000000';
/** The stack name and UUID the local runtime gives the template (AWS::StackName, AWS::StackId). */
export const LOCAL_STACK = { name: 'local-stack', uuid: '5e0c1a2b-3d4e-4f60-8a7b-9c0d1e2f3a4b' } as const;

export interface RenderOptions {
  readonly region: string;
  /** Physical names chosen locally for resources (e.g. bucket names), by logical id. */
  readonly physicalNames?: Readonly<Record<string, string>>;
}

/** Resource types whose Ref is a name the template may declare, and the property that declares it. */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::SSM::Parameter': 'Name',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::SageMaker::ModelPackageGroup': 'ModelPackageGroupName',
};

/** The physical id a resource gets locally: a chosen name, or an ARN built from its logical id. */
function physicalId(template: CfnTemplate, logicalId: string, attribute: string | undefined, options: RenderOptions): string {
  const chosen = options.physicalNames?.[logicalId];
  const resource = template.Resources[logicalId];
  if (!resource) throw new Error(`the template has no resource "${logicalId}"`);
  const arnBase = (service: string, path: string) => `arn:aws:${service}:${options.region}:${LOCAL_ACCOUNT}:${path}`;
  const declared = NAME_PROPERTY[resource.Type] ? resource.Properties?.[NAME_PROPERTY[resource.Type]] : undefined;
  const name = chosen ?? (declared === undefined ? logicalId : String(resolveIntrinsics(template, declared, options)));
  switch (resource.Type) {
    case 'AWS::Lambda::Function':
      // Ref is the function name, as in CloudFormation.
      return attribute === 'Arn' ? arnBase('lambda', `function:${name}`) : name;
    case 'AWS::SNS::Topic':
      return attribute === 'TopicName' ? name : arnBase('sns', name);
    case 'AWS::StepFunctions::StateMachine':
      return attribute === 'Name' ? name : arnBase('states', `stateMachine:${name}`);
    case 'AWS::S3::Bucket':
      return attribute === 'Arn' ? `arn:aws:s3:::${name}` : name;
    case 'AWS::CloudWatch::Alarm':
      return attribute === 'Arn' ? arnBase('cloudwatch', `alarm:${name}`) : name;
    case 'AWS::KMS::Key':
      return attribute === 'Arn' ? arnBase('kms', `key/${name}`) : name;
    case 'AWS::IAM::Role':
      return attribute === 'Arn' ? `arn:aws:iam::${LOCAL_ACCOUNT}:role/${name}` : name;
    default:
      return attribute === 'Arn' ? arnBase(resource.Type.split('::')[1].toLowerCase(), name) : name;
  }
}

/** Resolves Ref, Fn::GetAtt, Fn::Join, Fn::Split, Fn::Select, Fn::FindInMap and pseudo parameters the way CloudFormation would. */
export function resolveIntrinsics(template: CfnTemplate, value: unknown, options: RenderOptions): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(template, v, options));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [fn, arg] = entries[0];
    switch (fn) {
      case 'Ref': {
        const pseudo: Record<string, string> = {
          'AWS::Partition': 'aws',
          'AWS::Region': options.region,
          'AWS::URLSuffix': 'amazonaws.com',
          'AWS::AccountId': LOCAL_ACCOUNT,
          'AWS::StackName': LOCAL_STACK.name,
          'AWS::StackId': `arn:aws:cloudformation:${options.region}:${LOCAL_ACCOUNT}:stack/${LOCAL_STACK.name}/${LOCAL_STACK.uuid}`,
        };
        return pseudo[arg as string] ?? physicalId(template, arg as string, undefined, options);
      }
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = arg as [string, string];
        return physicalId(template, logicalId, attribute, options);
      }
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, unknown[]];
        return parts.map((p) => resolveIntrinsics(template, p, options)).join(separator);
      }
      case 'Fn::Split': {
        const [separator, source] = arg as [string, unknown];
        return String(resolveIntrinsics(template, source, options)).split(separator);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [number | string, unknown];
        const items = resolveIntrinsics(template, list, options) as unknown[];
        const item = items[Number(index)];
        if (item === undefined) throw new Error(`Fn::Select: index ${index} is out of range of ${JSON.stringify(items)}`);
        return item;
      }
      case 'Fn::FindInMap': {
        const [map, top, second] = (arg as unknown[]).map((a) => resolveIntrinsics(template, a, options)) as string[];
        const value = template.Mappings?.[map]?.[top]?.[second];
        if (value === undefined) throw new Error(`mapping ${map} has no ${top}.${second}`);
        return value;
      }
      default:
        if (fn.startsWith('Fn::')) throw new Error(`cannot render ${fn} locally`);
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveIntrinsics(template, v, options)]));
}

/** Logical ids of the resources of one type. */
export function resourcesOfType(template: CfnTemplate, type: string): string[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id]) => id);
}
