import { z } from 'zod';
import { env, readConfig } from '../lib/config.js';

/** Environment of the dashboard API; the descriptions are the documentation (docs/api.md). */
export const DashboardConfigSchema = z.object({
  DASHBOARD_PORT: env.port(8080, 'HTTP port of the dashboard API and web app (0 = any free port)'),
  DASHBOARD_HOST: env.string('0.0.0.0', 'Interface the dashboard API listens on'),
  DASHBOARD_USERS_FILE: env.string('var/dashboard-users.json', 'Users file (roles, scrypt password hashes); a dev file is generated when missing'),
  DASHBOARD_JWT_SECRET: z.string().min(32).optional().describe('HS256 secret for login tokens (>= 32 chars); when unset a random one is made per process, so tokens end at restart'),
  DASHBOARD_TOKEN_TTL_S: env.int(12 * 3600, 60, 30 * 86_400, 'Lifetime of a login token in seconds'),
  DASHBOARD_CORS_ORIGINS: z.string().default('').describe('Comma-separated origins allowed by CORS (REST and Socket.IO); empty = same origin only'),
  DASHBOARD_AUDIT_FILE: env.string('var/dashboard-audit.jsonl', 'Append-only audit log (JSON lines, fsynced per entry)'),
  DASHBOARD_ACCEPTANCE_FILE: env.string('var/dashboard-acceptance.json', 'Manually scored items of the acceptance self-check form (附件2)'),
  DASHBOARD_LOGIN_LIMIT: env.int(10, 1, 10_000, 'Login attempts allowed per client IP per 15 minutes'),
  DASHBOARD_TELEMETRY_THROTTLE_MS: env.int(1000, 50, 60_000, 'Socket.IO telemetry deltas per station are coalesced over this window'),
  DASHBOARD_WEB_DIR: env.string('dist/dashboard-web', 'Built web app served at / (npm run build:web)'),
  INFLUX_URL: env.url('http://127.0.0.1:8086', 'InfluxDB URL for history queries'),
  INFLUX_DATABASE: env.string('qdyz', 'InfluxDB database (1.x) or bucket (2.x)'),
  INFLUX_TOKEN: env.optionalString('InfluxDB 2.x token (unset for 1.x)'),
  INFLUX_ORG: env.optionalString('InfluxDB 2.x organisation'),
  MQTT_URL: env.url('mqtt://127.0.0.1:1883', 'Broker URL for live telemetry (standalone mode)'),
  MQTT_USERNAME: env.string('svc-dashboard', 'Broker account of the dashboard'),
  MQTT_PASSWORD: env.optionalString('Broker password; when unset it is read from the dev credentials file'),
  REGISTRY_FILE: env.string('data/stations.json', 'Station registry file'),
});
export type DashboardConfig = z.infer<typeof DashboardConfigSchema>;

export const readDashboardConfig = (source: Record<string, string | undefined> = process.env): DashboardConfig => readConfig(DashboardConfigSchema, source);

export const corsOrigins = (config: Pick<DashboardConfig, 'DASHBOARD_CORS_ORIGINS'>): string[] =>
  config.DASHBOARD_CORS_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean);
