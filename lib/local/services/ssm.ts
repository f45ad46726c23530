import type { ServiceAuth } from '../auth/request-auth';
import { resolveIntrinsics, resourcesOfType, type CfnTemplate, type RenderOptions } from '../template/cfn-template';
import { ServiceError, startJsonRpcServer, type RequestAuthorizer, type RunningServer } from './json-rpc-server';
import { ControlPlaneStore } from '../state/control-plane-store';

/** The local stand-in for SSM Parameter Store (where the pipeline publishes its deployed model). */
export class LocalParameterStore {
  readonly parameters = new Map<string, { value: string; version: number }>();

  /** `store` keeps the parameters (in memory by default). */
  constructor(private readonly store: ControlPlaneStore = ControlPlaneStore.inMemory()) {
    for (const p of store.parameters()) this.parameters.set(p.name, { value: p.value, version: p.version });
  }

  /**
   * The parameters a template creates, with their initial values, as CloudFormation would create
   * them; those the store already holds keep their values (a restart is not a new deployment).
   */
  static fromTemplate(template: CfnTemplate, options: RenderOptions, store?: ControlPlaneStore): LocalParameterStore {
    const parameters = new LocalParameterStore(store);
    for (const id of resourcesOfType(template, 'AWS::SSM::Parameter')) {
      const properties = resolveIntrinsics(template, template.Resources[id].Properties, options) as { Name?: string; Value?: string };
      if (!properties.Name) throw new Error(`parameter ${id} has no Name: a local run needs the name the handlers are given`);
      if (!parameters.parameters.has(properties.Name)) parameters.putParameter({ Name: properties.Name, Value: properties.Value });
    }
    return parameters;
  }

  putParameter(input: { Name?: string; Value?: string; Overwrite?: boolean }): { Version: number } {
    if (!input.Name || input.Value === undefined) throw new ServiceError('ValidationException', 'PutParameter: Name and Value are required');
    const existing = this.parameters.get(input.Name);
    if (existing && !input.Overwrite) throw new ServiceError('ParameterAlreadyExists', `parameter ${input.Name} exists`);
    const version = (existing?.version ?? 0) + 1;
    this.parameters.set(input.Name, { value: input.Value, version });
    this.store.saveParameter(input.Name, input.Value, version);
    return { Version: version };
  }

  getParameter(input: { Name?: string }): { Parameter: { Name: string; Type: string; Value: string; Version: number } } {
    const parameter = input.Name ? this.parameters.get(input.Name) : undefined;
    if (!parameter) throw new ServiceError('ParameterNotFound', `parameter ${input.Name} does not exist`);
    return { Parameter: { Name: input.Name!, Type: 'String', Value: parameter.value, Version: parameter.version } };
  }

  /** Serves GetParameter/PutParameter (AWS JSON 1.1) for SDK clients using AWS_ENDPOINT_URL_SSM. */
  start(port = 0, authorize?: RequestAuthorizer, auth?: ServiceAuth): Promise<RunningServer> {
    return startJsonRpcServer(
      {
        title: 'local SSM',
        targetPrefix: 'AmazonSSM',
        signingName: 'ssm',
        protocol: '1.1',
        operations: { GetParameter: (input) => this.getParameter(input), PutParameter: (input) => this.putParameter(input) },
      },
      port,
      authorize,
      auth,
    );
  }
}
