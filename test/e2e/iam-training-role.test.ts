import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../lib/config';
import { runDemo } from '../../lib/local/cli/demo';
import { synthesizeTemplate } from '../../lib/local/template/synth';
import { withoutAction } from '../helpers/templates';

/**
 * Negative control of local IAM for the training job: SageMaker reads the channels under the job's
 * execution role; without s3:GetObject on features/ the job fails with SageMaker's ClientError.
 */
const config = loadConfig();

describe('local IAM on the training job', () => {
  test('GIVEN the SageMaker execution role without s3:GetObject on features/ THEN the training job fails with ClientError naming the channel object', async () => {
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const printed: string[] = [];
    await runDemo({
      config,
      template: withoutAction(synthesizeTemplate(config), 's3:GetObject', 'RetrainingPipelineSageMakerRole'),
      sample: readFileSync(path.join(__dirname, '..', '..', 'data', 'mlc_churn.csv')),
      directory: mkdtempSync(path.join(tmpdir(), 'mlops-iam-')),
      print: (line) => printed.push(line),
    }).catch((err: Error) => err);
    jest.restoreAllMocks();
    expect(printed.join('\n')).toMatch(
      /ClientError: User: arn:aws:sts::000000000000:assumed-role\/RetrainingPipelineSageMakerRole\w+\/SageMaker is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::data-lake-data-bucket\/features\/[\w-]+\/train\//,
    );
  }, 120_000);
});
