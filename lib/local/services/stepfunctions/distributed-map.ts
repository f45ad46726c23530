import './polyfills';
import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import type { AslDefinition, LocalExecution } from './state-machine-runner';

/**
 * Step Functions' Distributed Map, locally (aws-local-stepfunctions runs inline Maps only): the
 * items from S3 (ItemReader: a JSON or JSON Lines object, or a listing), ItemSelector, ItemBatcher
 * (MaxItemsPerBatch, MaxInputBytesPerBatch, BatchInput), child executions of the ItemProcessor at
 * most MaxConcurrency at once, ToleratedFailurePercentage/Count, and ResultWriter's files in S3.
 * The S3 calls are made under the state machine's role and starting the children needs
 * states:StartExecution on the state machine, both evaluated by local IAM (see DistributedMapIo),
 * as on AWS. The fields are checked against the documented rules when the definition is loaded.
 */

/** The Distributed Map fields of a Map state (ASL). */
export interface DistributedMapState {
  readonly Type: 'Map';
  readonly ItemProcessor: AslDefinition & { readonly ProcessorConfig?: { readonly Mode?: string; readonly ExecutionType?: string } };
  readonly ItemReader?: {
    readonly Resource: string;
    readonly Parameters?: Record<string, unknown>;
    readonly ReaderConfig?: { readonly InputType?: string; readonly MaxItems?: number };
  };
  readonly ItemSelector?: Record<string, unknown>;
  readonly ItemsPath?: string;
  readonly ItemBatcher?: { readonly MaxItemsPerBatch?: number; readonly MaxInputBytesPerBatch?: number; readonly BatchInput?: Record<string, unknown> };
  readonly MaxConcurrency?: number;
  readonly ToleratedFailurePercentage?: number;
  readonly ToleratedFailureCount?: number;
  readonly ResultWriter?: { readonly Resource: string; readonly Parameters?: Record<string, unknown> };
  readonly Label?: string;
}

/** What a Distributed Map asks of S3 and IAM, made under the state machine's role. */
export interface DistributedMapIo {
  getObject(bucket: string, key: string): Promise<string>;
  listObjectsV2(bucket: string, prefix: string): Promise<readonly S3ListedObject[]>;
  putObject(bucket: string, key: string, body: string): Promise<void>;
  /** Refuses (throws, with AWS's AccessDenied message) unless the role may start the state machine's executions. */
  authorizeChildExecutions(): Promise<void>;
}

/** An item of an S3 listing, as Step Functions hands it to a child (ListObjectsV2's fields). */
export interface S3ListedObject {
  readonly Etag: string;
  readonly Key: string;
  readonly LastModified: string;
  readonly Size: number;
  readonly StorageClass: string;
}

/** Runs one child execution of the ItemProcessor (the caller's runner, with its handlers). */
export type ChildRunner = (input: unknown, name: string, signal: AbortSignal) => Promise<LocalExecution>;

/** Step Functions' payload limit: a child's input (an item or a batch) is at most 256 KiB. */
export const MAX_CHILD_INPUT_BYTES = 256 * 1024;
/** Child executions a Map Run runs at once at most (MaxConcurrency 0, or none, means this many). */
export const MAX_CHILD_CONCURRENCY = 10_000;

const GET_OBJECT = 'arn:aws:states:::s3:getObject';
const LIST_OBJECTS = 'arn:aws:states:::s3:listObjectsV2';
const PUT_OBJECT = 'arn:aws:states:::s3:putObject';

export function isDistributedMap(state: { Type: string; ItemProcessor?: { ProcessorConfig?: { Mode?: string } } }): boolean {
  return state.Type === 'Map' && state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED';
}

/** The documented rules of the Distributed Map fields: every problem, naming the state and the field. */
export function distributedMapProblems(name: string, state: DistributedMapState): string[] {
  const problems: string[] = [];
  const at = (field: string, problem: string) => problems.push(`${name}.${field}: ${problem}`);
  const reader = state.ItemReader;
  if (reader) {
    if (reader.Resource !== GET_OBJECT && reader.Resource !== LIST_OBJECTS)
      at('ItemReader.Resource', `must be ${GET_OBJECT} or ${LIST_OBJECTS}, got ${reader.Resource}`);
    const type = reader.ReaderConfig?.InputType;
    if (reader.Resource === GET_OBJECT && !['JSON', 'JSONL', 'CSV', 'MANIFEST', 'PARQUET'].includes(type ?? ''))
      at('ItemReader.ReaderConfig.InputType', `s3:getObject needs one of JSON, JSONL, CSV, MANIFEST, PARQUET, got ${String(type)}`);
    if (
      reader.ReaderConfig?.MaxItems !== undefined &&
      !(Number.isInteger(reader.ReaderConfig.MaxItems) && reader.ReaderConfig.MaxItems >= 0 && reader.ReaderConfig.MaxItems <= 100_000_000)
    )
      at('ItemReader.ReaderConfig.MaxItems', 'must be an integer from 0 to 100,000,000');
    if (state.ItemsPath !== undefined) at('ItemsPath', 'cannot be used with ItemReader');
  }
  const batcher = state.ItemBatcher;
  if (batcher) {
    if (batcher.MaxItemsPerBatch === undefined && batcher.MaxInputBytesPerBatch === undefined)
      at('ItemBatcher', 'needs MaxItemsPerBatch or MaxInputBytesPerBatch');
    if (batcher.MaxItemsPerBatch !== undefined && !(Number.isInteger(batcher.MaxItemsPerBatch) && batcher.MaxItemsPerBatch >= 1))
      at('ItemBatcher.MaxItemsPerBatch', 'must be a positive integer');
    if (
      batcher.MaxInputBytesPerBatch !== undefined &&
      !(Number.isInteger(batcher.MaxInputBytesPerBatch) && batcher.MaxInputBytesPerBatch >= 1 && batcher.MaxInputBytesPerBatch <= MAX_CHILD_INPUT_BYTES)
    )
      at('ItemBatcher.MaxInputBytesPerBatch', `must be an integer from 1 to ${MAX_CHILD_INPUT_BYTES} (256 KiB)`);
  }
  if (
    state.MaxConcurrency !== undefined &&
    !(Number.isInteger(state.MaxConcurrency) && state.MaxConcurrency >= 0 && state.MaxConcurrency <= MAX_CHILD_CONCURRENCY)
  )
    at('MaxConcurrency', `must be an integer from 0 to ${MAX_CHILD_CONCURRENCY}`);
  const percentage = state.ToleratedFailurePercentage;
  if (percentage !== undefined && !(typeof percentage === 'number' && percentage >= 0 && percentage <= 100))
    at('ToleratedFailurePercentage', 'must be a number from 0 to 100');
  const count = state.ToleratedFailureCount;
  if (count !== undefined && !(Number.isInteger(count) && count >= 0)) at('ToleratedFailureCount', 'must be a non-negative integer');
  const writer = state.ResultWriter;
  if (writer && writer.Resource !== PUT_OBJECT) at('ResultWriter.Resource', `must be ${PUT_OBJECT}, got ${writer.Resource}`);
  const type = state.ItemProcessor.ProcessorConfig?.ExecutionType;
  if (type !== 'STANDARD' && type !== 'EXPRESS') at('ItemProcessor.ProcessorConfig.ExecutionType', `must be STANDARD or EXPRESS, got ${String(type)}`);
  if (state.Label !== undefined && !/^[^\s?*<>{}[\]:;,\\|^~$#%&`"]{1,40}$/.test(state.Label))
    at('Label', 'at most 40 characters, none of whitespace or ? * < > { } [ ] : ; , \\ | ^ ~ $ # % & ` "');
  return problems;
}

/** Evaluates a Parameters-like template (paths, intrinsics) against an input and context, as the runner does for a Pass state. */
export async function evaluateTemplate(template: Record<string, unknown>, input: unknown, context: Record<string, unknown> = {}): Promise<unknown> {
  let machine = evaluators.get(template);
  if (!machine) {
    machine = new StateMachine({ StartAt: 'Evaluate', States: { Evaluate: { Type: 'Pass', Parameters: template, End: true } } } as never, {
      validationOptions: { checkArn: false },
    });
    evaluators.set(template, machine);
  }
  return machine.run(input as never, { context: context as never }).result;
}

const evaluators = new WeakMap<object, StateMachine>();

/** One Map Run, once the state's input is known; its result is the Map state's raw output. */
export async function runDistributedMap(
  name: string,
  state: DistributedMapState,
  input: unknown,
  context: { readonly io: DistributedMapIo; readonly runChild: ChildRunner; readonly stateMachineArn: string },
): Promise<unknown> {
  const { io } = context;
  const mapRunId = randomUUID();
  const machineName = context.stateMachineArn.split(':').pop()!;
  const mapRunArn = `${context.stateMachineArn.replace(':stateMachine:', ':mapRun:')}/${state.Label ?? name}:${mapRunId}`;
  const items = await readItems(state, input, io);
  await io.authorizeChildExecutions();

  const selected = state.ItemSelector
    ? await Promise.all(items.map((value, index) => evaluateTemplate(state.ItemSelector!, input, { Map: { Item: { Index: index, Value: value } } })))
    : items;
  const batches = await batchesOf(state, selected, input, name);
  const concurrency = Math.min(state.MaxConcurrency || MAX_CHILD_CONCURRENCY, MAX_CHILD_CONCURRENCY);
  const toleratedPercentage = state.ToleratedFailurePercentage ?? 0;
  const toleratedCount = state.ToleratedFailureCount ?? 0;

  interface ChildResult {
    readonly index: number;
    readonly name: string;
    readonly input: unknown;
    readonly items: number;
    readonly start: Date;
    readonly stop: Date;
    readonly execution: LocalExecution;
  }
  const results = new Array<ChildResult | undefined>(batches.length);
  const abort = new AbortController();
  let failedItems = 0;
  let exceeded = false;
  let next = 0;
  const exceeds = (failed: number) => failed > toleratedCount && (failed * 100) / Math.max(1, items.length) > toleratedPercentage;
  const worker = async () => {
    while (next < batches.length && !exceeded) {
      const index = next++;
      const { input: childInput, items: count } = batches[index];
      const childName = `${mapRunId}:${index}`;
      const start = new Date();
      const execution = await context.runChild(childInput, childName, abort.signal);
      results[index] = { index, name: childName, input: childInput, items: count, start, stop: new Date(), execution };
      if (execution.status !== 'SUCCEEDED') {
        failedItems += count;
        if (exceeds(failedItems) && !exceeded) {
          exceeded = true;
          abort.abort();
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, batches.length)) }, worker));

  const done = results.filter((r): r is ChildResult => r !== undefined);
  if (state.ResultWriter) {
    const parameters = (await evaluateTemplate(state.ResultWriter.Parameters ?? {}, input)) as { Bucket?: string; Prefix?: string };
    if (!parameters.Bucket) throw Object.assign(new Error(`${name}.ResultWriter.Parameters: Bucket is required`), { name: 'States.ResultWriterFailed' });
    const base = `${(parameters.Prefix ?? '').replace(/\/+$/, '')}${parameters.Prefix ? '/' : ''}${mapRunId}/`;
    const entry = (r: ChildResult) => ({
      ExecutionArn: `${context.stateMachineArn.replace(':stateMachine:', ':execution:')}/${state.Label ?? name}:${r.name}`,
      Input: JSON.stringify(r.input),
      InputDetails: { Included: true },
      Name: r.name,
      ...(r.execution.status === 'SUCCEEDED'
        ? { Output: JSON.stringify(r.execution.output ?? null), OutputDetails: { Included: true } }
        : { Error: r.execution.error, Cause: r.execution.cause }),
      RedriveCount: 0,
      RedriveStatus: 'NOT_REDRIVABLE',
      StartDate: r.start.toISOString(),
      StateMachineArn: `${context.stateMachineArn}/${state.Label ?? name}`,
      Status: r.execution.status,
      StopDate: r.stop.toISOString(),
    });
    const files: Record<'SUCCEEDED' | 'FAILED' | 'PENDING', { Key: string; Size: number }[]> = { SUCCEEDED: [], FAILED: [], PENDING: [] };
    const write = async (status: 'SUCCEEDED' | 'FAILED', list: ChildResult[]) => {
      if (list.length === 0) return;
      const body = JSON.stringify(list.map(entry));
      const key = `${base}${status}_0.json`;
      await io.putObject(parameters.Bucket!, key, body);
      files[status].push({ Key: key, Size: Buffer.byteLength(body) });
    };
    await write(
      'SUCCEEDED',
      done.filter((r) => r.execution.status === 'SUCCEEDED'),
    );
    await write(
      'FAILED',
      done.filter((r) => r.execution.status !== 'SUCCEEDED'),
    );
    const manifestKey = `${base}manifest.json`;
    await io.putObject(parameters.Bucket, manifestKey, JSON.stringify({ DestinationBucket: parameters.Bucket, MapRunArn: mapRunArn, ResultFiles: files }));
    if (exceeded || exceeds(failedItems)) throw thresholdExceeded(name, failedItems, items.length, machineName);
    return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: parameters.Bucket, Key: manifestKey } };
  }
  if (exceeded || exceeds(failedItems)) throw thresholdExceeded(name, failedItems, items.length, machineName);
  // Without a ResultWriter the state's output is every child's output, in item order (failed ones tolerated: their error).
  return done.map((r) => (r.execution.status === 'SUCCEEDED' ? r.execution.output : { Error: r.execution.error, Cause: r.execution.cause }));
}

function thresholdExceeded(name: string, failed: number, total: number, machine: string): Error {
  return Object.assign(new Error(`The specified tolerated failure threshold was exceeded (${name} of ${machine}: ${failed} of ${total} items failed)`), {
    name: 'States.ExceedToleratedFailureThreshold',
  });
}

/** The items: from the ItemReader's S3 object or listing, or else the input array at ItemsPath. */
async function readItems(state: DistributedMapState, input: unknown, io: DistributedMapIo): Promise<unknown[]> {
  const reader = state.ItemReader;
  if (!reader) {
    const items = state.ItemsPath ? await evaluateTemplate({ 'items.$': state.ItemsPath }, input) : { items: input };
    const list = (items as { items: unknown }).items;
    if (!Array.isArray(list)) throw Object.assign(new Error('the Map state input is not an array (ItemsPath)'), { name: 'States.Runtime' });
    return list;
  }
  const parameters = (await evaluateTemplate(reader.Parameters ?? {}, input)) as { Bucket?: string; Key?: string; Prefix?: string };
  const failed = (message: string) => Object.assign(new Error(message), { name: 'States.ItemReaderFailed' });
  if (!parameters.Bucket) throw failed('ItemReader.Parameters: Bucket is required');
  let items: unknown[];
  if (reader.Resource === LIST_OBJECTS) items = [...(await io.listObjectsV2(parameters.Bucket, parameters.Prefix ?? ''))];
  else {
    if (!parameters.Key) throw failed('ItemReader.Parameters: Key is required for s3:getObject');
    const text = await io.getObject(parameters.Bucket, parameters.Key);
    const type = reader.ReaderConfig?.InputType;
    const where = `s3://${parameters.Bucket}/${parameters.Key}`;
    if (type === 'JSON') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        throw failed(`${where} is not JSON: ${(err as Error).message}`);
      }
      if (!Array.isArray(parsed)) throw failed(`${where}: the JSON ItemReader needs an array of items`);
      items = parsed;
    } else if (type === 'JSONL') {
      items = text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line, i) => {
          try {
            return JSON.parse(line) as unknown;
          } catch (err) {
            throw failed(`${where}: line ${i + 1} is not JSON: ${(err as Error).message}`);
          }
        });
    } else throw failed(`ItemReader InputType ${String(type)} is not run by the local twin (JSON, JSONL and S3 listings are)`);
  }
  const max = reader.ReaderConfig?.MaxItems;
  return max ? items.slice(0, max) : items;
}

/** Children's inputs: one item each, or batches ({ Items, BatchInput }) within the batcher's limits; each at most 256 KiB. */
async function batchesOf(state: DistributedMapState, items: readonly unknown[], input: unknown, name: string): Promise<{ input: unknown; items: number }[]> {
  const tooLarge = (bytes: number) =>
    Object.assign(new Error(`${name}: a child execution's input of ${bytes} bytes exceeds the 256 KiB limit`), { name: 'States.DataLimitExceeded' });
  const batcher = state.ItemBatcher;
  if (!batcher) {
    return items.map((item) => {
      const bytes = Buffer.byteLength(JSON.stringify(item));
      if (bytes > MAX_CHILD_INPUT_BYTES) throw tooLarge(bytes);
      return { input: item, items: 1 };
    });
  }
  const batchInput = batcher.BatchInput ? await evaluateTemplate(batcher.BatchInput, input) : undefined;
  const maxItems = batcher.MaxItemsPerBatch ?? Number.POSITIVE_INFINITY;
  const maxBytes = batcher.MaxInputBytesPerBatch ?? MAX_CHILD_INPUT_BYTES;
  const wrap = (batch: unknown[]) => (batchInput === undefined ? { Items: batch } : { BatchInput: batchInput, Items: batch });
  // A batch's JSON is its wrapper's plus its items' and the commas between them.
  const overhead = Buffer.byteLength(JSON.stringify(wrap([])));
  const batches: { input: unknown; items: number }[] = [];
  let current: unknown[] = [];
  let bytes = overhead;
  const close = () => {
    if (current.length === 0) return;
    if (bytes > MAX_CHILD_INPUT_BYTES || bytes > maxBytes) throw tooLarge(bytes);
    batches.push({ input: wrap(current), items: current.length });
    current = [];
    bytes = overhead;
  };
  for (const item of items) {
    const itemBytes = Buffer.byteLength(JSON.stringify(item));
    const grown = bytes + itemBytes + (current.length > 0 ? 1 : 0);
    if (current.length > 0 && (current.length >= maxItems || grown > maxBytes)) close();
    bytes += itemBytes + (current.length > 0 ? 1 : 0);
    current.push(item);
  }
  close();
  return batches;
}
