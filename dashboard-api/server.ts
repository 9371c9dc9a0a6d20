import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import cors from 'cors';
import express from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Counter, Histogram, type Registry as Metrics } from 'prom-client';
import swaggerUi from 'swagger-ui-express';
import type { AlertingPort } from '../domain/alerts.js';
import type { Registry } from '../domain/registry.js';
import { parseRulesConfig, type RulesConfig } from '../rules/rule-config.js';
import { projectPath } from '../lib/paths.js';
import type { Db } from '../lib/db/database.js';
import { acceptanceStore } from './acceptance-store.js';
import { createApi } from './api-routes.js';
import { auditLog } from './audit-log.js';
import { tokenService } from './auth/tokens.js';
import { devPasswordsFile, ensureDevUsers, userStore } from './auth/users.js';
import { inspectionStore } from './inspection-store.js';
import { scheduleRequestStore } from './schedule-request-store.js';
import { selfCheckStore } from './self-check-store.js';
import { stationAcceptanceStore } from './station-acceptance-store.js';
import { importDashboardFiles } from './json-import.js';
import { MAX_PHOTO_BYTES, PHOTO_TYPES } from '../domain/inspection.js';
import { corsOrigins, trustedProxies, type DashboardConfig } from './config.js';
import { complianceCache, type ApiContext, type HistorySource, type LiveFeed } from './context.js';
import { errorHandler, HttpError, unknownRoute } from './http-errors.js';
import { attachSocketHub, type SocketHub } from './live/socket-hub.js';
import { offlineThresholds } from './live-state.js';
import { alertHistoryRoutes } from './routes/alert-history-routes.js';
import { alertRoutes } from './routes/alert-routes.js';
import { authRoutes } from './routes/auth-routes.js';
import { complianceRoutes } from './routes/compliance-routes.js';
import { coverageRoutes } from './routes/coverage-routes.js';
import { fleetRoutes } from './routes/fleet-routes.js';
import { mapConfig, mapRoutes, type MapSettings } from './routes/map-routes.js';
import { inspectionRoutes } from './routes/inspection-routes.js';
import { scheduleRequestRoutes } from './routes/schedule-request-routes.js';
import { selfCheckRoutes } from './routes/self-check-routes.js';
import { stationAcceptanceRoutes } from './routes/station-acceptance-routes.js';
import { reportRoutes } from './routes/report-routes.js';
import { stationRoutes } from './routes/station-routes.js';
import { trendRoutes } from './routes/trend-routes.js';

export type DashboardSettings = Pick<
  DashboardConfig,
  | 'DASHBOARD_PORT'
  | 'DASHBOARD_HOST'
  | 'DASHBOARD_USERS_FILE'
  | 'DASHBOARD_JWT_SECRET'
  | 'DASHBOARD_TOKEN_TTL_S'
  | 'DASHBOARD_CORS_ORIGINS'
  | 'DASHBOARD_AUDIT_FILE'
  | 'DASHBOARD_ACCEPTANCE_FILE'
  | 'DASHBOARD_LOGIN_LIMIT'
  | 'DASHBOARD_TRUSTED_PROXIES'
  | 'DASHBOARD_TELEMETRY_THROTTLE_MS'
  | 'DASHBOARD_STATE_BATCH_MS'
  | 'DASHBOARD_WEB_DIR'
  | 'DASHBOARD_COMPLIANCE_TTL_MS'
  | 'DASHBOARD_MIN_WEEKLY_OPEN_HOURS'
  | 'DASHBOARD_MAX_CLOSURE_DAYS'
> &
  MapSettings;

export interface DashboardApiOptions {
  config: DashboardSettings;
  registry: Registry;
  live: LiveFeed;
  alerting: AlertingPort;
  influx: HistorySource;
  /** Users, acceptance scores and the audit log (lib/db); the caller opens and closes it. */
  db: Db;
  /** The alerting service's rules: online/open use the station_offline heartbeat threshold. Default: the catalogue's defaults. */
  rules?: RulesConfig;
  logger: Logger;
  /** Registry for this service's metrics; served by the caller on a listener of its own, not on the dashboard port. */
  metrics: Metrics;
  now?: () => number;
  /** Several dashboard nodes: Socket.IO's Redis adapter on this connection (live/socket-hub.ts). */
  redis?: Redis;
}

export interface DashboardApi {
  port: number;
  url: string;
  server: HttpServer;
  /** The Socket.IO server (rooms, adapters, tests). */
  io: SocketHub['io'];
  close(): Promise<void>;
}

export async function startDashboardApi(opts: DashboardApiOptions): Promise<DashboardApi> {
  const { config, logger, metrics } = opts;
  const log = logger.child({ component: 'dashboard-api' });
  const now = opts.now ?? Date.now;
  const usersFile = projectPath(config.DASHBOARD_USERS_FILE);
  await importDashboardFiles(
    opts.db,
    { usersFile, auditFile: projectPath(config.DASHBOARD_AUDIT_FILE), acceptanceFile: projectPath(config.DASHBOARD_ACCEPTANCE_FILE) },
    log,
    now,
  );
  const passwordsFile = await ensureDevUsers(opts.db, devPasswordsFile(usersFile), now());
  if (passwordsFile) log.warn({ passwordsFile }, 'no users in the database and no users file: generated dev users; their passwords are in the passwords file');
  const users = userStore(opts.db);
  const compliance = complianceCache(opts.alerting, config.DASHBOARD_COMPLIANCE_TTL_MS);
  const rules = opts.rules ?? parseRulesConfig({ version: 1 });
  const ctx: ApiContext = {
    registry: opts.registry,
    live: opts.live,
    alerting: opts.alerting,
    influx: opts.influx,
    users,
    tokens: tokenService(users, config.DASHBOARD_JWT_SECRET, config.DASHBOARD_TOKEN_TTL_S),
    audit: auditLog(opts.db),
    acceptance: acceptanceStore(opts.db),
    inspections: inspectionStore(opts.db),
    selfChecks: selfCheckStore(opts.db),
    stationAcceptances: stationAcceptanceStore(opts.db),
    scheduleRequests: scheduleRequestStore(opts.db),
    scheduleLimits: { minWeeklyOpenHours: config.DASHBOARD_MIN_WEEKLY_OPEN_HOURS, maxClosureDaysPerYear: config.DASHBOARD_MAX_CLOSURE_DAYS },
    logger: log,
    now,
    complianceById: compliance.get,
    complianceThreshold: rules.compliance.threshold,
    offlineAfterMs: offlineThresholds(rules, opts.registry.stations),
  };
  if (!config.DASHBOARD_JWT_SECRET) log.warn('DASHBOARD_JWT_SECRET unset: a random secret is used, logins end at restart');

  const requests = new Histogram({
    name: 'dashboard_http_request_duration_seconds',
    help: 'REST latency by route',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 2],
    registers: [metrics],
  });
  const rejected = new Counter({
    name: 'dashboard_http_rejected_total',
    help: 'Requests answered with a 4xx, by error code',
    labelNames: ['reason'] as const,
    registers: [metrics],
  });
  const logins = new Counter({ name: 'dashboard_logins_total', help: 'Login attempts by result', labelNames: ['result'] as const, registers: [metrics] });

  const map = mapConfig(config);
  if (map.tiles) log.info({ tileServer: new URL(map.tiles.url).origin, datum: map.tiles.datum }, 'map draws background tiles');
  const app = express();
  const origins = corsOrigins(config);
  app.disable('x-powered-by');
  // X-Forwarded-For picks the client address (rate-limit keys, logs): believed only from configured proxies, or any
  // local peer could choose its own key.
  const proxies = trustedProxies(config);
  app.set('trust proxy', proxies.length > 0 ? proxies : false);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'", "'unsafe-inline'"],
          // The site's own tile server may be plain http on the intranet.
          'img-src': ["'self'", 'data:', 'https:', ...(map.tiles ? [new URL(map.tiles.url).origin] : [])],
          'connect-src': ["'self'", 'ws:', 'wss:'],
          'upgrade-insecure-requests': null,
        },
      },
    }),
  );
  app.use(cors({ origin: origins.length ? origins : false }));
  app.use((req, res, next) => {
    const end = requests.startTimer({ method: req.method });
    res.on('finish', () => end({ route: (req.route?.path as string | undefined) ?? 'other', status: String(res.statusCode) }));
    next();
  });
  app.use(express.json({ limit: '32kb' }));
  app.use('/api/inspections/:id/photos', express.raw({ type: [...PHOTO_TYPES], limit: MAX_PHOTO_BYTES }));

  app.get('/healthz', (_req, res) => {
    let reporting = 0;
    for (const s of ctx.live.states.values()) if (s.lastSeen !== null) reporting++;
    res.json({ status: 'ok', stations: ctx.registry.stations.length, reporting, uptimeS: Math.round(process.uptime()) });
  });
  // Failed logins only (a success gives its count back), keyed by username and address, so strangers behind the same
  // NAT cannot lock a user out by failing for other names; the per-address limit bounds guessing across usernames.
  const address = (req: express.Request) => ipKeyGenerator(req.ip ?? '');
  const loginUsername = (req: express.Request) => {
    const name: unknown = (req.body as { username?: unknown } | undefined)?.username;
    return typeof name === 'string' ? name.slice(0, 64) : '';
  };
  const loginLimit = (limit: number, key: (req: express.Request) => string) =>
    rateLimit({
      windowMs: 15 * 60_000,
      limit,
      skipSuccessfulRequests: true,
      keyGenerator: key,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      handler: (_req, _res, next) => next(new HttpError(429, 'rate_limited', 'too many failed login attempts; wait 15 minutes')),
    });
  app.use(
    '/api/auth/login',
    loginLimit(config.DASHBOARD_LOGIN_LIMIT * 10, address),
    loginLimit(config.DASHBOARD_LOGIN_LIMIT, (req) => `${address(req)} ${loginUsername(req)}`),
  );

  const router = express.Router();
  const api = createApi(router, async (req) => {
    const header = req.get('authorization') ?? '';
    const token = /^Bearer +([\w.-]{10,4096})$/i.exec(header)?.[1]; // the scheme is case-insensitive (RFC 7235)
    const user = token ? await ctx.tokens.verify(token) : null;
    if (!user) throw new HttpError(401, 'unauthorized', token ? 'token invalid or expired: log in again' : 'log in first (Authorization: Bearer <token>)');
    return user;
  });
  authRoutes(api, ctx, logins);
  fleetRoutes(api, ctx);
  stationRoutes(api, ctx);
  alertRoutes(api, ctx);
  alertHistoryRoutes(api, ctx);
  complianceRoutes(api, ctx);
  coverageRoutes(api, ctx);
  trendRoutes(api, ctx);
  inspectionRoutes(api, ctx);
  selfCheckRoutes(api, ctx);
  scheduleRequestRoutes(api, ctx);
  stationAcceptanceRoutes(api, ctx);
  reportRoutes(api, ctx);
  mapRoutes(api, map);
  const openapi = api.openapi({ title: '青岛智能户外劳动者驿站 Dashboard API', version: '1' });
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use('/api/docs', swaggerUi.serveFiles(openapi), swaggerUi.setup(openapi, { customSiteTitle: 'Dashboard API' }));
  app.use(router);
  app.use('/api', unknownRoute);

  const webDir = projectPath(config.DASHBOARD_WEB_DIR);
  if (existsSync(webDir)) app.use(express.static(webDir, { index: 'index.html', maxAge: '1h', setHeaders: noCacheForHtml }));
  else log.warn({ webDir }, 'web app not built (npm run build:web): serving the API only');
  app.use(unknownRoute);
  app.use(errorHandler(log, rejected));

  const server = createServer(app);
  const hub = attachSocketHub({
    httpServer: server,
    ctx,
    corsOrigins: origins,
    throttleMs: config.DASHBOARD_TELEMETRY_THROTTLE_MS,
    batchMs: config.DASHBOARD_STATE_BATCH_MS,
    metrics,
    ...(opts.redis ? { redis: opts.redis } : {}),
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(config.DASHBOARD_PORT, config.DASHBOARD_HOST, resolve));
  const port = (server.address() as AddressInfo).port;
  const host = config.DASHBOARD_HOST === '0.0.0.0' ? '127.0.0.1' : config.DASHBOARD_HOST;
  log.info({ port, host: config.DASHBOARD_HOST }, 'dashboard api listening');
  return {
    port,
    url: `http://${host}:${port}`,
    server,
    io: hub.io,
    async close() {
      server.closeAllConnections();
      compliance.close();
      await hub.close();
    },
  };
}

function noCacheForHtml(res: express.Response, path: string): void {
  if (path.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache');
}
