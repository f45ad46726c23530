import { appendFileSync } from 'node:fs';

/**
 * Locally the handlers' structured JSON log lines (what Lambda sends to CloudWatch Logs) go to a
 * file instead of the terminal, so the progress view stays readable. A line is a handler's when
 * it is a JSON object; everything else passes through. Returns the function that restores stdout.
 */
export function routeLambdaLogs(file: string): () => void {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.startsWith('{')) {
      appendFileSync(file, text);
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }
    return write(chunk as never, ...(rest as never[]));
  }) as typeof process.stdout.write;
  return () => {
    process.stdout.write = write;
  };
}
