import { z } from 'zod';
import { env } from '../lib/config.js';
import { InfluxEnvSchema } from '../lib/influx/env.js';
import { FOLDER } from './provisioner.js';

/**
 * Settings of `npm run grafana:provision`; each can be given as the environment variable named
 * here or as its flag (provision.ts; flags win). The descriptions are the flags' help.
 */
export const ProvisionConfigSchema = z.object({
  GRAFANA_URL: z.url().describe('Grafana base URL'),
  GRAFANA_TOKEN: z
    .string()
    .min(1, 'a Grafana service-account token is required')
    .describe('Service-account token, sent as a Bearer token; Editor for boards, Admin for the data source'),
  GRAFANA_FOLDER_TITLE: env.string(FOLDER.title, `Title of the folder the boards go into (default "${FOLDER.title}"); its uid is always ${FOLDER.uid}`),
  GRAFANA_INFLUX_URL: env.url('http://127.0.0.1:8086', 'InfluxDB URL as the Grafana server reaches it'),
  GRAFANA_OVERWRITE: env.flag(false, 'Overwrite boards changed in Grafana since they were read'),
  INFLUX_DATABASE: InfluxEnvSchema.shape.INFLUX_DATABASE,
  INFLUX_TOKEN: InfluxEnvSchema.shape.INFLUX_TOKEN.describe(
    'InfluxDB 2.x token: the data source then sends it as "Authorization: Token …"; not together with the 1.x user and password',
  ),
  INFLUX_USERNAME: InfluxEnvSchema.shape.INFLUX_USERNAME.describe('InfluxDB 1.x user'),
  INFLUX_PASSWORD: InfluxEnvSchema.shape.INFLUX_PASSWORD.describe('InfluxDB 1.x password'),
});
export type ProvisionConfig = z.infer<typeof ProvisionConfigSchema>;
