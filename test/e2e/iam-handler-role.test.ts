import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../lib/config';
import { runDemo } from '../../lib/local/cli/demo';
import { synthesizeTemplate } from '../../lib/local/template/synth';
import { withoutAction } from '../helpers/templates';

/**
 * Negative control of local IAM for a handler's own calls: the drift-check function's role without
 * cloudwatch:PutMetricData. Its unmodified handler calls the local CloudWatch under that role and
 * gets AWS's AccessDeniedException, so the demo's first drift check fails with it.
 */
const config = loadConfig();

describe("local IAM on a handler's calls", () => {
  test('GIVEN the drift check role without cloudwatch:PutMetricData THEN the drift check fails with AccessDenied naming the function session', async () => {
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const outcome = await runDemo({
      config,
      template: withoutAction(synthesizeTemplate(config), 'cloudwatch:PutMetricData', 'DriftMonitorDriftCheckRole'),
      sample: readFileSync(path.join(__dirname, '..', '..', 'data', 'mlc_churn.csv')),
      directory: mkdtempSync(path.join(tmpdir(), 'mlops-iam-')),
      print: () => undefined,
    }).then(
      () => 'the demo succeeded',
      (err: Error) => `${err.name}: ${err.message}`,
    );
    jest.restoreAllMocks();
    expect(outcome).toMatch(
      /AccessDeniedException: User: arn:aws:sts::000000000000:assumed-role\/DriftMonitorDriftCheckRole\w+\/DriftMonitorDriftCheckFunction\w+ is not authorized to perform: cloudwatch:PutMetricData on resource: \* because no identity-based policy allows/,
    );
  }, 120_000);
});
