import type { z } from 'zod';
import { env, SHARED_ENV } from '../lib/config.js';
import { InfluxEnvSchema } from '../lib/influx/env.js';

export const AlertingConfigSchema = InfluxEnvSchema.extend({
  MQTT_URL: SHARED_ENV.MQTT_URL,
  ALERTING_MQTT_USERNAME: env.string('svc-alerting', 'Broker account of the alerting service'),
  ALERTING_MQTT_PASSWORD: env.optionalString('Its password; unset: taken from DEV_CREDENTIALS_FILE (development set-up)'),
  ALERTING_MQTT_CLIENT_ID: env.string('svc-alerting', 'Stable client id of its persistent MQTT session'),
  DATABASE_URL: SHARED_ENV.DATABASE_URL,
  DEV_CREDENTIALS_FILE: SHARED_ENV.DEV_CREDENTIALS_FILE,
  REGISTRY_FILE: SHARED_ENV.REGISTRY_FILE,
  ALERTING_RULES_FILE: env.string('config/rules.json', 'Rules, thresholds, durations and per-district/station overrides (relative to the project root)'),
  ALERTING_NOTIFICATIONS_FILE: env.string(
    'var/notifications.json',
    'Receivers per district and for city staff (format: config/notifications.example.json); missing: alerts are only logged, stored and served',
  ),
  ALERTING_SPOOL_DIR: env.string('var/spool/alerting', 'Alert records InfluxDB did not take yet are kept here and replayed'),
  ALERTING_REPORTS_DIR: env.string('var/reports', 'Monthly summaries and self-check drafts are also written here as JSON'),
  ALERTING_CRON: env.flag(
    true,
    'Run the scheduled jobs (daily rollup 00:05, monthly summary, June self-check draft: the plan wants it before July; 1 July: late self-checks to city staff); one instance only',
  ),
  ALERTING_METRICS_HOST: env.string('127.0.0.1', 'Interface of the /metrics listener; 0.0.0.0 in docker'),
  ALERTING_METRICS_PORT: env.port(9103, 'Prometheus /metrics of the alerting service'),
});
export type AlertingConfig = z.infer<typeof AlertingConfigSchema>;
