import { loadDevCredentials } from '../broker/credentials.js';
import { createLogger, type Logger } from './logger.js';
import { projectPath } from './paths.js';

export interface RunningService {
  /** Stops taking input, flushes what was accepted, releases ports. */
  close(): Promise<void>;
}

/**
 * The life of a service process: start it, log a fatal start-up error and exit 1, and on
 * SIGINT/SIGTERM close it once (flushing what it holds) before exiting 0.
 */
export async function runService(name: string, start: (logger: Logger) => Promise<RunningService>): Promise<void> {
  const logger = createLogger(name);
  let running: RunningService;
  try {
    running = await start(logger);
  } catch (err) {
    logger.fatal({ event: 'start_failed', err }, `${name} not started: ${(err as Error).message}`);
    process.exit(1);
  }
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: 'shutdown', signal }, `stopping ${name}`);
    try {
      await running.close();
      logger.info({ event: 'stopped' }, `${name} stopped cleanly`);
      process.exit(0);
    } catch (err) {
      logger.error({ event: 'stop_failed', err }, `${name} did not stop cleanly`);
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

/** A service account's MQTT password: from its env var, else (development) from the generated dev credentials file. */
export function servicePassword(username: string, fromEnv: string | undefined, devCredentialsFile: string, envName: string): string {
  const password = fromEnv ?? loadDevCredentials(projectPath(devCredentialsFile))[username];
  if (!password) throw new Error(`no password for ${username}: set ${envName} (or generate dev credentials with the broker)`);
  return password;
}
