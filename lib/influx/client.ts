import { InfluxDB, setLogger } from '@influxdata/influxdb-client';
import { BucketsAPI, DbrpsAPI, OrgsAPI } from '@influxdata/influxdb-client-apis';
import type { Logger } from '../logger.js';
import { projectPath } from '../paths.js';
import { influxqlDuration, retentionSeconds, shardGroupSeconds } from './duration.js';
import { influxQuery, quoteIdent, type QueryParams, type QueryTarget, type Row } from './query.js';
import { v1WritePath, wrapTransport, type RequestHooks } from './transport.js';
import { parseInfluxVersion, type InfluxVersion } from './version.js';
import { createPointWriter, type PointWriter, type WriterOptions } from './writer.js';

export type { PointWriter, WriterOptions, WriterEvents } from './writer.js';
export type { QueryParams, Row } from './query.js';
export { InfluxQueryError } from './query.js';

export interface InfluxConfig {
  url: string;
  /** 1.x database; 2.x bucket (and the database name of its v1 mapping). */
  database: string;
  /** Retention of the database/bucket, an InfluxQL duration ("400d", "52w"; "0s"/"INF" = forever). Unset: left as it is. */
  retention?: string;
  /** 2.x API token. */
  token?: string;
  /** 2.x organisation. */
  org?: string;
  /** 1.x user (when auth-enabled). */
  username?: string;
  password?: string;
  /** How long to wait for /ping at start. */
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export interface Influx {
  version: InfluxVersion;
  /** Creates the database (1.x) or bucket + v1 mapping (2.x) when missing, and applies the retention. Idempotent. */
  ensureDatabase(): Promise<void>;
  /** A batching, spooling writer; `spoolDir` defaults to var/spool/influx-<database>. */
  writer(opts?: Partial<WriterOptions>): PointWriter;
  /**
   * InfluxQL with bound parameters ($name). Rows carry `time` as epoch ms and their series' tags.
   * For `time` bind an RFC 3339 string (new Date(ms).toISOString()): InfluxQL reads a bare integer as nanoseconds,
   * and ms × 1e6 is beyond the integers JSON numbers carry exactly.
   */
  query(influxql: string, params?: QueryParams): Promise<Row[]>;
  /** Closes every writer made here (flushing them). */
  close(): Promise<void>;
}

/** Answers of GET /ping until it responds or the time is up; returns the version header. */
async function ping(url: string, timeoutMs: number, logger: Logger): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1, delay = 250; ; attempt++, delay = Math.min(delay * 2, 5000)) {
    try {
      const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(5000) });
      if (res.status === 204 || res.status === 200) return res.headers.get('x-influxdb-version');
      throw new Error(`HTTP ${res.status}`);
    } catch (err) {
      if (Date.now() + delay > deadline) throw new Error(`InfluxDB at ${url} not reachable: GET /ping failed ${attempt} times (${(err as Error).message})`);
      logger.warn({ url, attempt, err: (err as Error).message }, 'InfluxDB not answering /ping yet; retrying');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** Connects to InfluxDB 1.x or 2.x, whichever answers /ping at `config.url`. */
export async function connectInflux(config: InfluxConfig, logger: Logger): Promise<Influx> {
  // The library logs to the console by default; its messages repeat what writeFailed logs, so keep them at debug.
  setLogger({
    error: (message, err) => logger.debug({ err }, `influxdb-client: ${message}`),
    warn: (message, err) => logger.debug({ err }, `influxdb-client: ${message}`),
  });
  const url = config.url.replace(/\/+$/, '');
  const version = parseInfluxVersion(await ping(url, config.connectTimeoutMs ?? 30_000, logger));
  const timeout = config.requestTimeoutMs ?? 10_000;
  if (version === '2' && (!config.token || !config.org)) throw new Error('InfluxDB 2.x needs a token and an organisation (INFLUX_TOKEN, INFLUX_ORG)');

  const headers: Record<string, string> = {};
  if (version === '2') headers.authorization = `Token ${config.token}`;
  else if (config.username) headers.authorization = `Basic ${Buffer.from(`${config.username}:${config.password ?? ''}`).toString('base64')}`;

  const base = new InfluxDB({ url, timeout, headers }).transport;
  const mapPath = version === '1' ? v1WritePath : (path: string) => path;
  const makeClient = (hooks?: RequestHooks): InfluxDB => new InfluxDB({ url, timeout, transport: wrapTransport(base, mapPath, hooks) });
  const target: QueryTarget = { url, database: config.database, headers, timeoutMs: Math.max(timeout, 30_000) };
  const query = (influxql: string, params?: QueryParams): Promise<Row[]> => influxQuery(target, influxql, params);
  const writers = new Set<PointWriter>();
  logger.info({ url, version, database: config.database }, 'connected to InfluxDB');

  return {
    version,
    query,
    ensureDatabase: () => (version === '1' ? ensureDatabaseV1(query, config) : ensureBucketV2(makeClient(), config, logger)),
    writer(opts = {}) {
      const writer = createPointWriter(
        { makeClient, org: config.org ?? '', bucket: config.database },
        { ...opts, spoolDir: opts.spoolDir ?? projectPath('var/spool', `influx-${config.database}`) },
        logger,
      );
      writers.add(writer);
      return writer;
    },
    async close() {
      await Promise.all([...writers].map((w) => w.close()));
      writers.clear();
    },
  };
}

async function ensureDatabaseV1(query: Influx['query'], config: InfluxConfig): Promise<void> {
  const db = quoteIdent(config.database);
  await query(`CREATE DATABASE ${db}`);
  if (config.retention === undefined) return;
  const seconds = retentionSeconds(config.retention);
  const policies = await query(`SHOW RETENTION POLICIES ON ${db}`);
  const current = policies.find((p) => p.default === true);
  if (!current) throw new Error(`database ${config.database} has no default retention policy`);
  await query(
    `ALTER RETENTION POLICY ${quoteIdent(String(current.name))} ON ${db} DURATION ${influxqlDuration(seconds)} SHARD DURATION ${influxqlDuration(shardGroupSeconds(seconds))} DEFAULT`,
  );
}

async function ensureBucketV2(client: InfluxDB, config: InfluxConfig, logger: Logger): Promise<void> {
  const org = config.org!;
  const orgs = await new OrgsAPI(client).getOrgs({ org });
  const orgID = orgs.orgs?.[0]?.id;
  if (!orgID) throw new Error(`InfluxDB organisation ${org} not found`);
  const buckets = new BucketsAPI(client);
  const found = (await buckets.getBuckets({ orgID, name: config.database })).buckets?.[0];
  const rules = config.retention === undefined ? undefined : [{ type: 'expire' as const, everySeconds: retentionSeconds(config.retention) }];
  let bucketID = found?.id;
  if (!bucketID) {
    bucketID = (await buckets.postBuckets({ body: { orgID, name: config.database, retentionRules: rules ?? [] } })).id!;
    logger.info({ bucket: config.database }, 'created InfluxDB bucket');
  } else if (rules && found?.retentionRules?.[0]?.everySeconds !== rules[0]!.everySeconds) {
    await buckets.patchBucketsID({ bucketID, body: { retentionRules: rules } });
  }
  // InfluxQL (/query?db=) reaches a bucket through a DBRP mapping.
  const dbrps = new DbrpsAPI(client);
  const mapped = (await dbrps.getDBRPs({ orgID, db: config.database })).content ?? [];
  if (!mapped.some((m) => m.bucketID === bucketID)) {
    await dbrps.postDBRP({ body: { orgID, bucketID, database: config.database, retention_policy: 'autogen', default: true } });
  }
}
