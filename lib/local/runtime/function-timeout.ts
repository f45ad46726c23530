/**
 * Lambda's Timeout: an invocation still running after the function's timeout fails, with the
 * message Lambda gives (`Task timed out after 3.00 seconds`). Step Functions reports a function's
 * timeout as `Lambda.Unknown` (its Lambda best-practices page: "These include out-of-memory errors
 * and function timeouts"), so that is the error's name.
 */
export class FunctionTimedOut extends Error {
  override readonly name = 'Lambda.Unknown';
  constructor(functionName: string, seconds: number) {
    super(`${functionName}: Task timed out after ${seconds.toFixed(2)} seconds`);
  }
}

/**
 * Runs `invocation` under the function's timeout. `onTimeout` ends what the invocation started
 * (a worker's sandbox is terminated, as Lambda ends the environment); an in-process handler
 * cannot be stopped, so its invocation fails while its work runs on until it returns.
 */
export async function withFunctionTimeout<T>(
  invocation: Promise<T>,
  options: { readonly functionName: string; readonly timeoutSeconds: number; readonly onTimeout?: () => void },
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      options.onTimeout?.();
      reject(new FunctionTimedOut(options.functionName, options.timeoutSeconds));
    }, options.timeoutSeconds * 1000);
  });
  try {
    return await Promise.race([invocation, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
