import { z } from 'zod';
import { env, SHARED_ENV } from '../lib/config.js';

/** The simulator's seed unless one is given: the CLI's --seed and npm start's SIM_SEED, so both run the same fleet. */
export const DEFAULT_SEED = 2019;

/** Environment defaults of the device-sim CLI; every one can be overridden by its command-line option. */
export const SimConfigSchema = z.object({
  MQTT_URL: SHARED_ENV.MQTT_URL,
  REGISTRY_FILE: SHARED_ENV.REGISTRY_FILE,
  DEV_CREDENTIALS_FILE: SHARED_ENV.DEV_CREDENTIALS_FILE,
  LOG_LEVEL: env.string('warn', 'pino log level of the CLI (--log-level); logs are JSON lines on stdout'),
});
export type SimConfig = z.infer<typeof SimConfigSchema>;
