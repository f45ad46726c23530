type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** One structured JSON line per event, so CloudWatch Logs Insights can query every field. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(service: string, write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Logger {
  const log =
    (level: Level) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      write(JSON.stringify({ timestamp: new Date().toISOString(), level, service, message, ...fields }));
  return { info: log('INFO'), warn: log('WARN'), error: log('ERROR') };
}
