import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry as Metrics } from 'prom-client';
import type { AlertingPort } from '../../../domain/alerts.js';
import type { Registry } from '../../../domain/registry.js';
import type { RulesConfig } from '../../../rules/rule-config.js';
import { applyTelemetry, initialState, type StationState } from '../../../domain/station-state.js';
import type { Telemetry } from '../../../domain/telemetry.js';
import { createLogger } from '../../../lib/logger.js';
import { loadRegistryFile } from '../../../lib/registry-file.js';
import { upsertUsers, type UserRecord } from '../../../dashboard-api/auth/users.js';
import { hashPassword, PERSON_SCRYPT_PARAMS } from '../../../lib/password-hash.js';
import { DashboardConfigSchema } from '../../../dashboard-api/config.js';
import type { HistorySource, LiveFeed } from '../../../dashboard-api/context.js';
import { startDashboardApi, type DashboardApi } from '../../../dashboard-api/server.js';
import type { Db } from '../../../lib/db/database.js';
import { tempSqlite } from '../../helpers/database.js';

export const PASSWORD = 'correct horse battery staple';

export const TEST_USERS: Array<Omit<UserRecord, 'passwordHash'>> = [
  { username: 'admin', displayName: 'Admin', role: 'city-admin' },
  { username: 'viewer', displayName: 'Viewer', role: 'city-viewer' },
  { username: 'maint-sn', displayName: 'SN maintainer', role: 'district-maintainer', district: 'SN' },
  { username: 'maint-sb', displayName: 'SB maintainer', role: 'district-maintainer', district: 'SB' },
];

let hashed: UserRecord[] | undefined;
const testUsers = async (): Promise<UserRecord[]> =>
  (hashed ??= await Promise.all(TEST_USERS.map(async (u) => ({ ...u, passwordHash: await hashPassword(PASSWORD, PERSON_SCRYPT_PARAMS) }) as UserRecord)));

/** Live state folded with the real domain reducer, fed by the test instead of by MQTT. */
export class TestFeed extends EventEmitter implements LiveFeed {
  readonly states = new Map<string, StationState>();
  constructor(private readonly registry: Registry) {
    super();
  }
  push(message: Telemetry): StationState {
    const station = this.registry.get(message.stationId)!;
    const next = applyTelemetry(this.states.get(station.id) ?? initialState(station), message);
    this.states.set(station.id, next);
    this.emit('telemetry', message, next);
    return next;
  }
}

export interface Harness {
  api: DashboardApi;
  dir: string;
  /** The dashboard's database: a temp SQLite file holding TEST_USERS. */
  db: Db;
  registry: Registry;
  feed: TestFeed;
  /** The dashboard's metrics registry (served by main.ts on its own listener). */
  metrics: Metrics;
  login(username: string): Promise<string>;
  get(path: string, token?: string): Promise<{ status: number; body: any; headers: Headers }>;
  send(method: string, path: string, body: unknown, token?: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  alerting: AlertingPort;
  influx: HistorySource;
  env?: Record<string, string>;
  webDir?: string;
  /** Default: the committed 600-station registry. */
  registry?: Registry;
  /** Default: a TestFeed the test pushes telemetry into. */
  live?: LiveFeed;
  /** Default: the rule catalogue's defaults (heartbeat threshold 90 s). */
  rules?: RulesConfig;
  /** The dashboard's clock; default: wall time. */
  now?: () => number;
}

export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-test-'));
  const database = await tempSqlite();
  await upsertUsers(database.db, await testUsers(), Date.now());
  const config = DashboardConfigSchema.parse({
    DASHBOARD_PORT: '0',
    DASHBOARD_HOST: '127.0.0.1',
    DASHBOARD_USERS_FILE: join(dir, 'users.json'),
    DASHBOARD_AUDIT_FILE: join(dir, 'audit.jsonl'),
    DASHBOARD_ACCEPTANCE_FILE: join(dir, 'acceptance.json'),
    DASHBOARD_WEB_DIR: opts.webDir ?? join(dir, 'no-web'),
    DASHBOARD_TELEMETRY_THROTTLE_MS: '100',
    DASHBOARD_LOGIN_LIMIT: '50',
    DASHBOARD_COMPLIANCE_TTL_MS: '0',
    DASHBOARD_STATE_BATCH_MS: '20',
    ...opts.env,
  });
  const registry = opts.registry ?? loadRegistryFile();
  const feed = new TestFeed(registry);
  const metrics = new Metrics();
  const api = await startDashboardApi({
    config,
    registry,
    live: opts.live ?? feed,
    alerting: opts.alerting,
    influx: opts.influx,
    db: database.db,
    rules: opts.rules,
    logger: createLogger('dashboard-test', 'silent'),
    metrics,
    ...(opts.now ? { now: opts.now } : {}),
  });
  const parse = async (res: Response): Promise<any> => ((res.headers.get('content-type') ?? '').includes('json') ? res.json() : res.text());
  const auth = (token?: string): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});
  const h: Harness = {
    api,
    dir,
    db: database.db,
    registry,
    feed,
    metrics,
    async login(username) {
      const r = await h.send('POST', '/api/auth/login', { username, password: PASSWORD });
      if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.token as string;
    },
    async get(path, token) {
      const res = await fetch(api.url + path, { headers: auth(token) });
      return { status: res.status, body: await parse(res), headers: res.headers };
    },
    async send(method, path, body, token) {
      const res = await fetch(api.url + path, { method, headers: { 'content-type': 'application/json', ...auth(token) }, body: JSON.stringify(body) });
      return { status: res.status, body: await parse(res) };
    },
    async close() {
      await api.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}
