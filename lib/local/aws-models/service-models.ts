import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { withSdkEnums } from './sdk-enums';

/** One shape of an AWS service model (botocore's `service-2.json` form). */
export interface Shape {
  readonly type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'float' | 'double' | 'boolean' | 'timestamp' | 'blob';
  readonly required?: readonly string[];
  readonly members?: Readonly<Record<string, { readonly shape: string }>>;
  readonly member?: { readonly shape: string };
  readonly key?: { readonly shape: string };
  readonly value?: { readonly shape: string };
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
}

export interface ServiceModel {
  readonly metadata: { readonly serviceId: string; readonly apiVersion: string; readonly protocol: string };
  readonly operations: Readonly<Record<string, { readonly input?: { readonly shape: string } }>>;
  readonly shapes: Readonly<Record<string, Shape>>;
}

/** How to get AWS's models on a machine that lacks them (the error says it). */
export const MODELS_HINT =
  "AWS's service models come from botocore (AWS's Python SDK core: `pip install botocore`, or Debian's python3-botocore); " +
  'or set MLOPS_AWS_MODELS to a directory holding <service>/<api-version>/service-2.json[.gz]';

/**
 * The directory of AWS's published service models: $MLOPS_AWS_MODELS, else the `data` folder of
 * the botocore that `python3` imports. botocore is the package AWS releases its API models in
 * (daily, with every service's members, required members, types, enums, lengths, ranges and
 * patterns); no npm package carries them with their constraints (the JS SDK v3 keeps enums only).
 */
export function findModelsDirectory(): string | undefined {
  const configured = process.env.MLOPS_AWS_MODELS;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`MLOPS_AWS_MODELS=${configured}: no such directory`);
    return configured;
  }
  const script = 'import botocore, os; print(os.path.join(os.path.dirname(botocore.__file__), "data"))';
  // The python3 on PATH (pyenv's, pip's botocore), else Debian's (python3-botocore).
  for (const python of ['python3', '/usr/bin/python3']) {
    try {
      const found = execFileSync(python, ['-c', script], { encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      if (existsSync(found)) return found;
    } catch {
      /* no python there, or no botocore in it */
    }
  }
  return undefined;
}

/** The service models of one directory, each read (and gunzipped) on first use. */
export class ServiceModels {
  private readonly loaded = new Map<string, ServiceModel>();

  constructor(readonly directory: string) {}

  /**
   * `service` is botocore's name for it: sagemaker, stepfunctions, ssm, sns, cloudwatch, s3. Its
   * enums are the project's JS SDK client's where it has them (`withSdkEnums`).
   */
  model(service: string): ServiceModel {
    const cached = this.loaded.get(service);
    if (cached) return cached;
    const serviceDir = path.join(this.directory, service);
    if (!existsSync(serviceDir)) throw new Error(`no model of the AWS service "${service}" under ${this.directory}`);
    // The newest API version, as the SDKs use.
    const version = readdirSync(serviceDir).sort().at(-1)!;
    const plain = path.join(serviceDir, version, 'service-2.json');
    const text = existsSync(plain) ? readFileSync(plain, 'utf8') : gunzipSync(readFileSync(`${plain}.gz`)).toString('utf8');
    const model = withSdkEnums(service, JSON.parse(text) as ServiceModel);
    this.loaded.set(service, model);
    return model;
  }
}

/** The models found on this machine, or undefined (callers say what that means for them). */
export function localServiceModels(): ServiceModels | undefined {
  const directory = findModelsDirectory();
  return directory ? new ServiceModels(directory) : undefined;
}
