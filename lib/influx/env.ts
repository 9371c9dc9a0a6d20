import { z } from 'zod';
import { env } from '../config.js';
import type { InfluxConfig } from './client.js';
import { isRetentionDuration, MIN_RETENTION_S, retentionSeconds } from './duration.js';

/** INFLUX_* variables, spelled the same by every service that talks to InfluxDB; merge into the service's config schema. */
export const InfluxEnvSchema = z.object({
  INFLUX_URL: env.url('http://127.0.0.1:8086', 'InfluxDB base URL; 1.x or 2.x is detected from GET /ping'),
  INFLUX_DATABASE: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only')
    .default('stations')
    .describe('1.x database, or 2.x bucket (also its InfluxQL database name)'),
  INFLUX_RETENTION: z
    .string()
    .refine(isRetentionDuration, 'an InfluxQL duration such as 400d, 52w, 8760h; 0s or INF for forever')
    .refine(
      (v) => !isRetentionDuration(v) || retentionSeconds(v) === 0 || retentionSeconds(v) >= MIN_RETENTION_S,
      'InfluxDB refuses a retention shorter than 1h; 0s or INF keeps forever',
    )
    .optional()
    .describe('Retention applied on start; unset leaves the existing one (a new database keeps data forever)'),
  INFLUX_TOKEN: env.optionalString('2.x API token (write and bucket/DBRP admin in the organisation)'),
  INFLUX_ORG: env.optionalString('2.x organisation'),
  INFLUX_USERNAME: env.optionalString('1.x user, when InfluxDB has auth-enabled'),
  INFLUX_PASSWORD: env.optionalString('1.x password'),
});
export type InfluxEnv = z.infer<typeof InfluxEnvSchema>;

export function influxConfigFromEnv(e: InfluxEnv): InfluxConfig {
  return {
    url: e.INFLUX_URL,
    database: e.INFLUX_DATABASE,
    retention: e.INFLUX_RETENTION,
    token: e.INFLUX_TOKEN,
    org: e.INFLUX_ORG,
    username: e.INFLUX_USERNAME,
    password: e.INFLUX_PASSWORD,
  };
}
