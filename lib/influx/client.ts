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
  /** How long connectInflux waits for /ping (openInflux waits as long as it takes). */
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export interface Influx {
  /** The server's API generation; throws before `ready`. */
  readonly version: InfluxVersion;
  /** Resolves once the server answered /ping (see openInflux). */
  readonly ready: Promise<void>;
  /** Creates the database (1.x) or bucket + v1 mapping (2.x) when missing, and applies the retention. Idempotent. */
  ensureDatabase(): Promise<void>;
  /** A batching writer with a write-ahead log in `spoolDir` (default var/spool/influx-<database>). */
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

/** Polls GET /ping until it answers (or `signal` aborts); returns the version header. Failures are logged once a minute. */
async function ping(url: string, logger: Logger, signal: AbortSignal): Promise<string | null> {
  let lastLog = 0;
  for (let attempt = 1, delay = 250; ; attempt++, delay = Math.min(delay * 2, 5000)) {
    signal.throwIfAborted();
    try {
      const res = await fetch(`${url}/ping`, { signal: AbortSignal.any([signal, AbortSignal.timeout(5000)]) });
      if (res.status === 204 || res.status === 200) return res.headers.get('x-influxdb-version');
      throw new Error(`HTTP ${res.status}`);
    } catch (err) {
      signal.throwIfAborted();
      if (Date.now() - lastLog > 60_000) {
        lastLog = Date.now();
        logger.warn({ url, attempt, err: (err as Error).message }, 'InfluxDB not answering /ping yet; retrying');
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/**
 * Connects to InfluxDB 1.x or 2.x, whichever answers /ping at `config.url`; rejects when it does not
 * answer within `connectTimeoutMs`. For a service that must start without InfluxDB, see openInflux.
 */
export async function connectInflux(config: InfluxConfig, logger: Logger): Promise<Influx> {
  const influx = openInflux(config, logger);
  const timeoutMs = config.connectTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      influx.ready,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`InfluxDB at ${config.url} not reachable: GET /ping did not answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    await influx.close();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return influx;
}

/**
 * The InfluxDB client at once, whether or not the server answers yet: `ready` resolves when /ping
 * answered and the API version is known; writers wait for it (their points stay in the write-ahead
 * log meanwhile), queries and ensureDatabase too.
 */
export function openInflux(config: InfluxConfig, logger: Logger): Influx {
  // The library logs to the console by default; its messages repeat what the writer logs, so keep them at debug.
  setLogger({
    error: (message, err) => logger.debug({ err }, `influxdb-client: ${message}`),
    warn: (message, err) => logger.debug({ err }, `influxdb-client: ${message}`),
  });
  const url = config.url.replace(/\/+$/, '');
  const timeout = config.requestTimeoutMs ?? 10_000;
  const aborter = new AbortController();
  let version: InfluxVersion | undefined;
  let base: ReturnType<typeof baseTransport> | undefined;
  const headers: Record<string, string> = {};
  const baseTransport = () => new InfluxDB({ url, timeout, headers }).transport;

  const ready = (async () => {
    version = parseInfluxVersion(await ping(url, logger, aborter.signal));
    if (version === '2' && (!config.token || !config.org)) throw new Error('InfluxDB 2.x needs a token and an organisation (INFLUX_TOKEN, INFLUX_ORG)');
    if (version === '2') headers.authorization = `Token ${config.token}`;
    else if (config.username) headers.authorization = `Basic ${Buffer.from(`${config.username}:${config.password ?? ''}`).toString('base64')}`;
    base = baseTransport();
    logger.info({ url, version, database: config.database }, 'connected to InfluxDB');
  })();
  ready.catch(() => {});

  const makeClient = (hooks?: RequestHooks): InfluxDB => {
    if (!version || !base) throw new Error('InfluxDB version not known yet');
    return new InfluxDB({ url, timeout, transport: wrapTransport(base, version === '1' ? v1WritePath : (path: string) => path, hooks) });
  };
  const target: QueryTarget = { url, database: config.database, headers, timeoutMs: Math.max(timeout, 30_000) };
  const query = async (influxql: string, params?: QueryParams): Promise<Row[]> => {
    await ready;
    return influxQuery(target, influxql, params);
  };
  const writers = new Set<PointWriter>();

  return {
    get version(): InfluxVersion {
      if (!version) throw new Error('InfluxDB version not known yet (await ready)');
      return version;
    },
    ready,
    query,
    async ensureDatabase() {
      await ready;
      return version === '1' ? ensureDatabaseV1(query, config) : ensureBucketV2(makeClient(), config, logger);
    },
    writer(opts = {}) {
      const writer = createPointWriter(
        { ready, makeClient, org: config.org ?? '', bucket: config.database },
        { ...opts, spoolDir: opts.spoolDir ?? projectPath('var/spool', `influx-${config.database}`) },
        logger,
      );
      writers.add(writer);
      return writer;
    },
    async close() {
      aborter.abort(new Error('InfluxDB client closed'));
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
