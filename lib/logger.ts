import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * One structured JSON line per event that matters; LOG_LEVEL picks the threshold. `sync`: each line is written
 * before the call returns (pino buffers otherwise), for a command whose other stdout output must come after its logs.
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info', o: { sync?: boolean } = {}): Logger {
  const options = { name: service, level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime };
  return o.sync ? pino(options, pino.destination({ dest: 1, sync: true })) : pino(options);
}
