import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Stage } from 'aws-cdk-lib';
import { HANDLER_METADATA_KEY } from '../../lambdas/contracts/deployment';
import { synthMlopsStack } from '../helpers/app';

describe('Lambda bundles', () => {
  test('GIVEN every handler bundle THEN none contains aws-cdk-lib, SDK clients come from the runtime and lib-storage is bundled', () => {
    const { stack, template } = synthMlopsStack();
    const outdir = Stage.of(stack)!.synth().directory;
    const functions = Object.values(template.findResources('AWS::Lambda::Function')).filter((f) => f.Properties.Handler === 'index.handler');
    expect(functions.length).toBe(5);
    for (const fn of functions) {
      const hash = (fn.Properties.Code.S3Key as string).replace(/\.zip$/, '');
      const bundle = path.join(outdir, `asset.${hash}`, 'index.js');
      expect(existsSync(bundle)).toBe(true);
      const code = readFileSync(bundle, 'utf8');
      expect(code).not.toMatch(/aws-cdk-lib|constructs\/lib/);
      expect(code).toMatch(/require\("@aws-sdk\/client-/);
      expect(code).not.toMatch(/require\("@aws-sdk\/lib-storage"\)/);
      // The SageMaker client (the config schema's instance-type enums) is for synthesis: only the evaluation handler calls SageMaker.
      if (fn.Metadata?.[HANDLER_METADATA_KEY] !== 'evaluation') expect(code).not.toMatch(/require\("@aws-sdk\/client-sagemaker"\)/);
    }
  });
});
