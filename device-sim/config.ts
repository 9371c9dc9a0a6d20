import { z } from 'zod';
import { env } from '../lib/config.js';

/** The simulator's seed unless one is given: the CLI's --seed and npm start's SIM_SEED, so both run the same fleet. */
export const DEFAULT_SEED = 2019;

/** Environment defaults of the device-sim CLI; every one can be overridden by its command-line option. */
export const SimConfigSchema = z.object({
  MQTT_URL: env.mqttUrl('mqtt://127.0.0.1:1883', 'Broker the simulated stations connect to (--broker)'),
  REGISTRY_FILE: env.string('data/stations.json', 'Station registry, relative to the project root (--registry)'),
  DEV_CREDENTIALS_FILE: env.string('var/dev-credentials.json', 'username → password JSON for the stations, relative to the project root (--credentials)'),
  LOG_LEVEL: env.string('warn', 'pino log level of the CLI (--log-level); logs are JSON lines on stdout'),
});
export type SimConfig = z.infer<typeof SimConfigSchema>;
