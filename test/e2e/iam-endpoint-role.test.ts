import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../lib/config';
import { runDemo } from '../../lib/local/cli/demo';
import { synthesizeTemplate } from '../../lib/local/template/synth';
import { withoutAction } from '../helpers/templates';

/**
 * Negative control of local IAM for the endpoint: SageMaker starts the model's container under the
 * model's execution role, which reads the artifact; without s3:GetObject on the models bucket the
 * endpoint fails with SageMaker's "Could not access model data" and the run reports it.
 */
const config = loadConfig();

describe('local IAM on the endpoint', () => {
  test('GIVEN the model execution role without s3:GetObject on the models bucket THEN the endpoint fails to start, the run fails saying why, and nothing serves', async () => {
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const printed: string[] = [];
    const template = withoutAction(synthesizeTemplate(config), 's3:GetObject', 'RetrainingPipelineSageMakerRole', 'DataLakeModelsBucket');
    let served: string[] = [];
    await runDemo({
      config,
      template,
      sample: readFileSync(path.join(__dirname, '..', '..', 'data', 'mlc_churn.csv')),
      directory: mkdtempSync(path.join(tmpdir(), 'mlops-iam-')),
      print: (line) => printed.push(line),
      beforeStop: async (local) => {
        served = [...local.sagemaker.endpoints.values()].filter((e) => e.status === 'InService').map((e) => e.name);
      },
    }).catch((err: Error) => err);
    jest.restoreAllMocks();
    const output = printed.join('\n');
    // Training and registration still ran (the role kept s3:PutObject of the artifact); the endpoint did not start.
    expect(output).toMatch(/Train → Evaluate → Gate → Register → .*CreateEndpoint → /);
    expect(output).toMatch(/failure: EndpointFailed: Endpoint failed: Could not access model data/);
    expect(output).toMatch(
      /Could not access model data at s3:\/\/data-lake-models-bucket\/models\/[\w-]+\/output\/model\.tar\.gz\. Please ensure that the role "arn:aws:iam::000000000000:role\/RetrainingPipelineSageMakerRole\w+" exists/,
    );
    expect(output).toMatch(/is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::data-lake-models-bucket\/models\//);
    expect(served).toEqual([]);
  }, 120_000);
});
