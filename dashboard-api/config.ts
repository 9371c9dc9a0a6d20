import { z } from 'zod';
import { env, readConfig, SHARED_ENV } from '../lib/config.js';
import { InfluxEnvSchema } from '../lib/influx/env.js';

/** Datums a tile server may draw in: the map converts the tiles' corners to the outlines' GCJ-02. */
export const TILE_DATUMS = ['WGS-84', 'GCJ-02'] as const;

/** Environment of the dashboard API; the descriptions are the documentation (docs/api.md). */
export const DashboardConfigSchema = InfluxEnvSchema.extend({
  DASHBOARD_PORT: env.port(8080, 'HTTP port of the dashboard API and web app (0 = any free port)'),
  DASHBOARD_HOST: env.string('0.0.0.0', 'Interface the dashboard API listens on'),
  DASHBOARD_USERS_FILE: env.string(
    'var/dashboard-users.json',
    'Users file (format: config/users.example.json) imported once into the database; with no users in the database and no file, dev users are created and their passwords written to *.passwords.json beside it',
  ),
  DASHBOARD_JWT_SECRET: z
    .string()
    .min(32)
    .optional()
    .describe('HS256 secret for login tokens (>= 32 chars); when unset a random one is made per process, so tokens end at restart'),
  DASHBOARD_TOKEN_TTL_S: env.int(12 * 3600, 2, 30 * 86_400, 'Lifetime of a login token in seconds; sockets are disconnected when it ends'),
  DASHBOARD_CORS_ORIGINS: z.string().default('').describe('Comma-separated origins allowed by CORS (REST and Socket.IO); empty = same origin only'),
  DASHBOARD_AUDIT_FILE: env.string('var/dashboard-audit.jsonl', 'Audit log of older versions (JSON lines), imported once into the database'),
  DASHBOARD_ACCEPTANCE_FILE: env.string(
    'var/dashboard-acceptance.json',
    'Manual acceptance-form (附件2) scores of older versions, imported once into the database',
  ),
  DASHBOARD_LOGIN_LIMIT: env.int(
    10,
    1,
    10_000,
    'Failed logins allowed per username and client address per 15 minutes (10 times as many per address for all usernames together)',
  ),
  DASHBOARD_TRUSTED_PROXIES: z
    .string()
    .default('')
    .describe(
      'Comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For is believed (client address of rate limits and logs); empty = none, the peer address is the client',
    ),
  DASHBOARD_METRICS_PORT: env.port(
    9104,
    'Prometheus /metrics of the standalone dashboard (and the alerting it hosts), on its own listener; not served on the public dashboard port',
  ),
  DASHBOARD_METRICS_HOST: env.string('127.0.0.1', 'Interface of the /metrics listener; 0.0.0.0 in docker'),
  DASHBOARD_TELEMETRY_THROTTLE_MS: env.int(1000, 50, 60_000, 'Socket.IO telemetry deltas per station are coalesced over this window'),
  DASHBOARD_COMPLIANCE_TTL_MS: env.int(
    5000,
    0,
    300_000,
    'Fleet views share compliance snapshots refreshed this often in the background (0 = computed per request)',
  ),
  DASHBOARD_STATE_BATCH_MS: env.int(100, 10, 5000, 'Socket.IO station state changes are sent in one batch per this window'),
  DASHBOARD_MIN_WEEKLY_OPEN_HOURS: env.int(
    56,
    0,
    168,
    'A requested schedule change must keep a station open at least this many hours a week (refused otherwise, naming this limit)',
  ),
  DASHBOARD_MAX_CLOSURE_DAYS: env.int(
    30,
    0,
    366,
    'Declared-closure days per station and calendar year, approved and pending requests together; a closure request beyond it is refused',
  ),
  DASHBOARD_WEB_DIR: env.string('dist/dashboard-web', 'Built web app served at / (npm run build:web)'),
  DASHBOARD_MAP_TILE_URL: z
    .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
    .refine(
      (u) => ['{z}', '{x}', '{y}'].every((p) => u.includes(p)),
      'expected a tile URL template with {z}, {x} and {y}, e.g. https://tiles.example.org/{z}/{x}/{y}.png',
    )
    .optional()
    .describe(
      "Background map tiles of a site's own tile server: an XYZ (web-mercator) URL template with {z}, {x} and {y}, drawn under the district outlines; unset = outlines only, no tile requests",
    ),
  DASHBOARD_MAP_TILE_DATUM: z
    .enum(TILE_DATUMS)
    .default('WGS-84')
    .describe(
      'Datum of those tiles: WGS-84 for OSM-style servers, GCJ-02 for Chinese providers such as AMap (the outlines are GCJ-02; tiles are shifted to match)',
    ),
  DASHBOARD_MAP_TILE_ATTRIBUTION: z
    .string()
    .max(200)
    .default('')
    .describe('Attribution of the tiles shown on the map (e.g. © OpenStreetMap contributors), as their licence asks'),
  DASHBOARD_MAP_TILE_MAX_ZOOM: env.int(18, 0, 22, 'Highest zoom level the tile server has; the map enlarges these tiles rather than ask for deeper ones'),
  MQTT_URL: SHARED_ENV.MQTT_URL,
  DASHBOARD_MQTT_USERNAME: env.string('svc-dashboard', 'Broker account of the dashboard'),
  DASHBOARD_MQTT_PASSWORD: env.optionalString('Its password; unset: taken from DEV_CREDENTIALS_FILE (development set-up)'),
  DASHBOARD_MQTT_CLIENT_ID: env.string(
    'svc-dashboard',
    'Stable client id of its persistent MQTT session: the alerting service it hosts must see what arrived while it was down (one process per id); several nodes (DASHBOARD_REDIS_URL) each use <id>-<DASHBOARD_NODE_ID> with a clean session',
  ),
  DASHBOARD_REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: 'expected redis://[:password@]host:port[/db] or rediss://…' })
    .optional()
    .describe(
      'Redis shared by several dashboard nodes (behind a balancer, DATABASE_URL on PostgreSQL): Socket.IO events reach sockets on every node and one node at a time leads the alerting; unset = one dashboard process, no Redis',
    ),
  DASHBOARD_NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,40}$/, 'letters, digits, . _ - (at most 40)')
    .optional()
    .describe(
      'Name of this node among several (DASHBOARD_REDIS_URL set): in logs and the alerting lease, and its MQTT client id is DASHBOARD_MQTT_CLIENT_ID-<node>; default: the host name (unique per container; set it when nodes share a host)',
    ),
  DASHBOARD_LEADER_LEASE_MS: env.int(
    10_000,
    1000,
    60_000,
    'Alerting lease of several nodes: a leader that stops renewing it (crash, kill -9, cut off) is replaced after this long; renewed every third of it',
  ),
  DATABASE_URL: SHARED_ENV.DATABASE_URL,
  DEV_CREDENTIALS_FILE: SHARED_ENV.DEV_CREDENTIALS_FILE,
  REGISTRY_FILE: SHARED_ENV.REGISTRY_FILE,
});
export type DashboardConfig = z.infer<typeof DashboardConfigSchema>;

export const readDashboardConfig = (source: Record<string, string | undefined> = process.env): DashboardConfig => readConfig(DashboardConfigSchema, source);

export const trustedProxies = (config: Pick<DashboardConfig, 'DASHBOARD_TRUSTED_PROXIES'>): string[] =>
  config.DASHBOARD_TRUSTED_PROXIES.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export const corsOrigins = (config: Pick<DashboardConfig, 'DASHBOARD_CORS_ORIGINS'>): string[] =>
  config.DASHBOARD_CORS_ORIGINS.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
