import { runStateMachine, type AslDefinition, type TaskHandler } from '../../../lib/local/services/stepfunctions/state-machine-runner';
import type { DistributedMapIo } from '../../../lib/local/services/stepfunctions/distributed-map';

/**
 * The local Distributed Map against Step Functions' documented behaviour: items from an S3
 * object, ItemSelector, ItemBatcher with BatchInput, MaxConcurrency, tolerated failures,
 * ResultWriter's files, the 256 KiB child input limit, the refusal of a role that may not start
 * child executions, and the field rules checked when the definition is loaded.
 */
const ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:Machine';

/** An S3 stand-in for the runner's calls (the real S3 and IAM are the e2e tests'); it keeps what is written. */
function memoryIo(objects: Record<string, string>, options: { denyChildren?: boolean } = {}): DistributedMapIo & { written: Record<string, string> } {
  const written: Record<string, string> = {};
  return {
    written,
    async getObject(bucket, key) {
      const body = objects[`${bucket}/${key}`];
      if (body === undefined) throw Object.assign(new Error(`NoSuchKey ${bucket}/${key}`), { name: 'States.ItemReaderFailed' });
      return body;
    },
    async listObjectsV2(bucket, prefix) {
      return Object.keys(objects)
        .filter((k) => k.startsWith(`${bucket}/${prefix}`))
        .map((k) => ({
          Etag: '"e"',
          Key: k.slice(bucket.length + 1),
          LastModified: new Date(0).toISOString(),
          Size: objects[k].length,
          StorageClass: 'STANDARD',
        }));
    },
    async putObject(bucket, key, body) {
      written[`${bucket}/${key}`] = body;
    },
    async authorizeChildExecutions() {
      if (options.denyChildren) {
        throw Object.assign(new Error(`User: role/machine is not authorized to perform: states:StartExecution on resource: ${ARN}`), {
          name: 'States.Runtime',
        });
      }
    },
  };
}

function mapDefinition(map: Record<string, unknown>, processor: Record<string, unknown> = {}): AslDefinition {
  return {
    StartAt: 'Fan',
    States: {
      Fan: {
        Type: 'Map',
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSON' },
          Parameters: { 'Bucket.$': '$.bucket', 'Key.$': '$.key' },
        },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Work',
          States: { Work: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:work', End: true, ...processor } },
        },
        End: true,
        ...map,
      } as never,
    },
  };
}

const items = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ n: i })));

async function run(definition: AslDefinition, work: TaskHandler, io: DistributedMapIo) {
  return runStateMachine(
    definition,
    { bucket: 'b', key: 'plan.json', run: 'r1' },
    { Work: work },
    { executionName: 'e1', stateMachineArn: ARN, distributedMap: io },
  );
}

describe('local Distributed Map', () => {
  test('GIVEN a JSON ItemReader, an ItemBatcher with BatchInput and MaxConcurrency 2 THEN children get { BatchInput, Items } batches, at most 2 at once, outputs in item order', async () => {
    let active = 0;
    let most = 0;
    const seen: unknown[] = [];
    const work: TaskHandler = async (input) => {
      active++;
      most = Math.max(most, active);
      seen.push(input);
      await new Promise((resolve) => setTimeout(resolve, 20));
      active--;
      const batch = input as { Items: { n: number }[]; BatchInput: { run: string } };
      return { run: batch.BatchInput.run, sum: batch.Items.reduce((a, b) => a + b.n, 0) };
    };
    const definition = mapDefinition({ ItemBatcher: { MaxItemsPerBatch: 3, BatchInput: { 'run.$': '$.run' } }, MaxConcurrency: 2 });
    const result = await run(definition, work, memoryIo({ 'b/plan.json': items(10) }));
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual([
      { run: 'r1', sum: 3 },
      { run: 'r1', sum: 12 },
      { run: 'r1', sum: 21 },
      { run: 'r1', sum: 9 },
    ]);
    expect(seen).toHaveLength(4);
    expect(most).toBe(2);
  });

  test('GIVEN ItemSelector THEN each item is shaped with $$.Map.Item.Value and Index', async () => {
    const work: TaskHandler = async (input) => input;
    const definition = mapDefinition({ ItemSelector: { 'value.$': '$$.Map.Item.Value.n', 'index.$': '$$.Map.Item.Index', 'run.$': '$.run' } });
    const result = await run(definition, work, memoryIo({ 'b/plan.json': items(2) }));
    expect(result.output).toEqual([
      { value: 0, index: 0, run: 'r1' },
      { value: 1, index: 1, run: 'r1' },
    ]);
  });

  test('GIVEN failing children within ToleratedFailurePercentage THEN the Map succeeds and ResultWriter lists the failure; above it the Map fails with States.ExceedToleratedFailureThreshold', async () => {
    const work: TaskHandler = async (input) => {
      if ((input as { n: number }).n === 3) throw Object.assign(new Error('shard 3 is bad'), { name: 'BadShard' });
      return input;
    };
    const writer = { ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'b', Prefix: 'runs/' } } };
    const tolerant = memoryIo({ 'b/plan.json': items(10) });
    const ok = await run(mapDefinition({ ...writer, ToleratedFailurePercentage: 10 }), work, tolerant);
    expect(ok.status).toBe('SUCCEEDED');
    const details = (ok.output as { ResultWriterDetails: { Bucket: string; Key: string } }).ResultWriterDetails;
    const manifest = JSON.parse(tolerant.written[`b/${details.Key}`]) as { ResultFiles: Record<string, { Key: string }[]> };
    expect(manifest.ResultFiles.SUCCEEDED).toHaveLength(1);
    const failed = JSON.parse(tolerant.written[`b/${manifest.ResultFiles.FAILED[0].Key}`]) as { Status: string; Error: string; Cause: string; Input: string }[];
    expect(failed).toEqual([expect.objectContaining({ Status: 'FAILED', Error: 'BadShard', Cause: 'shard 3 is bad', Input: '{"n":3}' })]);
    expect(details.Key).toMatch(/^runs\/[0-9a-f-]{36}\/manifest\.json$/);

    const strict = await run(mapDefinition(writer), work, memoryIo({ 'b/plan.json': items(10) }));
    expect(strict).toMatchObject({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold' });
  });

  test('GIVEN a role that may not start the child executions THEN the Map fails before any child runs', async () => {
    let ran = 0;
    const result = await run(
      mapDefinition({}),
      async () => {
        ran++;
        return {};
      },
      memoryIo({ 'b/plan.json': items(3) }, { denyChildren: true }),
    );
    expect(result.status).toBe('FAILED');
    expect(result.cause).toContain('states:StartExecution');
    expect(ran).toBe(0);
  });

  test('GIVEN a child input over 256 KiB THEN the Map fails with States.DataLimitExceeded', async () => {
    const big = JSON.stringify([{ text: 'x'.repeat(300 * 1024) }]);
    const result = await run(mapDefinition({}), async (i) => i, memoryIo({ 'b/plan.json': big }));
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['MaxInputBytesPerBatch above 256 KiB', { ItemBatcher: { MaxInputBytesPerBatch: 300_000 } }, 'Fan.ItemBatcher.MaxInputBytesPerBatch'],
    ['an ItemBatcher without a limit', { ItemBatcher: { BatchInput: {} } }, 'Fan.ItemBatcher: needs MaxItemsPerBatch or MaxInputBytesPerBatch'],
    ['MaxConcurrency above 10,000', { MaxConcurrency: 10_001 }, 'Fan.MaxConcurrency'],
    ['ToleratedFailurePercentage above 100', { ToleratedFailurePercentage: 101 }, 'Fan.ToleratedFailurePercentage'],
    ['an ItemReader of another service', { ItemReader: { Resource: 'arn:aws:states:::dynamodb:scan' } }, 'Fan.ItemReader.Resource'],
    [
      'an s3:getObject reader without InputType',
      { ItemReader: { Resource: 'arn:aws:states:::s3:getObject', Parameters: { Bucket: 'b', Key: 'k' } } },
      'Fan.ItemReader.ReaderConfig.InputType',
    ],
    ['a ResultWriter that is not s3:putObject', { ResultWriter: { Resource: 'arn:aws:states:::s3:getObject' } }, 'Fan.ResultWriter.Resource'],
    ['a Label with a space', { Label: 'two words' }, 'Fan.Label'],
  ])('GIVEN %s THEN the definition is refused naming the field', async (_, fields, problem) => {
    await expect(run(mapDefinition(fields), async (i) => i, memoryIo({ 'b/plan.json': items(1) }))).rejects.toThrow(problem);
  });

  test('GIVEN a Distributed Map without an ExecutionType THEN the definition is refused', async () => {
    const definition = mapDefinition({});
    const fan = definition.States.Fan as unknown as { ItemProcessor: { ProcessorConfig: Record<string, unknown> } };
    delete fan.ItemProcessor.ProcessorConfig.ExecutionType;
    await expect(run(definition, async (i) => i, memoryIo({ 'b/plan.json': items(1) }))).rejects.toThrow('Fan.ItemProcessor.ProcessorConfig.ExecutionType');
  });
});
