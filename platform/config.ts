import { z } from 'zod';
import { AlertingConfigSchema } from '../alerting/config.js';
import { BrokerConfigSchema } from '../broker/config.js';
import { DashboardConfigSchema } from '../dashboard-api/config.js';
import { DEFAULT_SEED } from '../device-sim/config.js';
import { IngestConfigSchema } from '../ingest/config.js';
import { env } from '../lib/config.js';

/**
 * `npm start`: every service in one process plus the simulator. It reads the services' own
 * variables (same names, same defaults) and a few of its own; MQTT_URL is the in-process broker.
 */
export const PlatformConfigSchema = BrokerConfigSchema.extend(IngestConfigSchema.shape)
  .extend(AlertingConfigSchema.shape)
  .extend(DashboardConfigSchema.shape)
  .extend({
    // One process anyway: the ingest inside the broker saves the loopback MQTT leg (README "At scale").
    BROKER_INGEST: BrokerConfigSchema.shape.BROKER_INGEST.unwrap().default('embedded'),
    PLATFORM_INFLUXD: env.flag(true, 'Start a private influxd (Debian package influxdb, 1.x) with its data in PLATFORM_INFLUXD_DIR; false: use INFLUX_URL'),
    PLATFORM_INFLUXD_PORT: env.port(8186, 'HTTP port of the private influxd (its own, so it never clashes with a system InfluxDB on 8086); 0 = any free port'),
    PLATFORM_INFLUXD_DIR: env.string('var/influxdb', 'Data directory of the private influxd (relative to the project root); kept between runs'),
    PLATFORM_METRICS_PORT: env.port(9100, 'Prometheus /metrics of every in-process service together'),
    SIM_STATIONS: env.int(600, 0, 100_000, 'Simulated stations (the first N of the registry); 0 runs no simulator'),
    SIM_SPEED: z.coerce.number().min(1).max(3600).default(1).describe('Simulator time acceleration (simulated seconds per second)'),
    SIM_FILL_TODAY: env.flag(
      true,
      'Before the live fleet starts, replay the simulated stations since local midnight (or the newest stored sample) so today is complete',
    ),
    SIM_FILL_DAYS: env.int(
      30,
      0,
      366,
      'Days before today of simulated history written straight to InfluxDB at start (with a progress bar), so 30-day and year figures differ from today; 0 = none. Heartbeats at the live interval, each run written as one held heartbeat (compliance judges it as the run): 600 stations × 30 days ≈ 2 M points, about a minute of CPU (bench/fill-history.ts)',
    ),
    SIM_INSPECTIONS: env.flag(
      true,
      'At start, give every simulated station without inspection records a plausible one (most within the last quarter, a few items missing or broken)',
    ),
    SIM_FILL_MAX_HOURS: env.int(
      4,
      1,
      24,
      'The longest stretch of today SIM_FILL_TODAY replays (bounds the start-up time: about 70 messages per station and hour)',
    ),
    SIM_DEMO_FAULTS_PER_HOUR: env.int(
      4,
      0,
      1000,
      'Demo faults a simulated hour across the fleet (fridge warming, dispenser fault, speaker silent, Wi-Fi drop, closed in hours), each ending after a plausible time; the first hour shows one of each; 0 = none',
    ),
    SIM_SEED: env.int(DEFAULT_SEED, 0, 2 ** 31, 'Simulator random seed: the same seed gives the same fleet behaviour'),
  });
export type PlatformConfig = z.infer<typeof PlatformConfigSchema>;
