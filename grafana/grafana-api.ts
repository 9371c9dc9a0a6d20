import { z } from 'zod';
import type { InfluxDatasourceModel } from './datasource.js';
import type { DashboardJson } from './board.js';

// The slice of Grafana's HTTP API provisioning needs (folders, data sources by uid, dashboards
// by uid, /api/dashboards/db, data source health), authenticated with a service-account token.
// Every answer is validated; every failure becomes a GrafanaError that says what to do.

export class GrafanaError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'GrafanaError';
  }
}

export interface GrafanaApiOptions {
  url: string;
  token: string;
  timeoutMs?: number;
}

const FolderSchema = z.object({ uid: z.string(), title: z.string(), version: z.number().optional() });
export type Folder = z.infer<typeof FolderSchema>;

const DatasourceSchema = z.object({ uid: z.string(), name: z.string(), type: z.string(), version: z.number().optional() });
const HealthSchema = z.object({ status: z.string(), message: z.string().optional() });
const ErrorBodySchema = z.object({ message: z.string().optional(), status: z.string().optional() });

const StoredDashboardSchema = z.object({
  dashboard: z.looseObject({ uid: z.string(), version: z.number().optional(), id: z.number().nullable().optional() }),
  meta: z.looseObject({ folderUid: z.string().optional(), version: z.number().optional() }),
});
export type StoredDashboard = z.infer<typeof StoredDashboardSchema>;

const SavedDashboardSchema = z.object({ uid: z.string(), version: z.number(), url: z.string().optional(), status: z.string().optional() });
export type SavedDashboard = z.infer<typeof SavedDashboardSchema>;

export interface GrafanaApi {
  /** GET /api/health: reachable and serving (no auth needed). */
  health(): Promise<void>;
  getFolder(uid: string): Promise<Folder | null>;
  createFolder(uid: string, title: string): Promise<Folder>;
  updateFolder(uid: string, title: string, version: number | undefined, overwrite: boolean): Promise<Folder>;
  datasourceExists(uid: string): Promise<boolean>;
  createDatasource(model: InfluxDatasourceModel): Promise<void>;
  updateDatasource(model: InfluxDatasourceModel): Promise<void>;
  /** Throws a GrafanaError with Grafana's own message when the data source cannot query its database. */
  checkDatasource(uid: string): Promise<string>;
  getDashboard(uid: string): Promise<StoredDashboard | null>;
  saveDashboard(dashboard: DashboardJson & { version?: number }, folderUid: string, overwrite: boolean): Promise<SavedDashboard>;
}

interface Call {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: unknown;
  /** What the call does, for error messages ("create folder qdyz"). */
  what: string;
  /** A 404 answers null instead of failing. */
  missingOk?: boolean;
  /** Error statuses whose body is an answer to parse (a failing health check is a 400 with a status). */
  answerStatuses?: number[];
  /** What a refusal means for this call, when Grafana's status and message say more than errorFor knows. */
  explain?: (refusal: Refusal) => string | undefined;
}

/** Grafana's answer to a refused call: its status, and the message and reason its JSON body gives. */
interface Refusal {
  status: number;
  message: string;
  reason?: string;
}

// Grafana's own words for resources its provisioning files own (pkg/api/datasources.go: 403
// "Cannot update read-only data source"; pkg/services/dashboards: 400 "Cannot save provisioned dashboard").
const READ_ONLY_DATASOURCE = /read-only data source/i;
const PROVISIONED_DASHBOARD = /provisioned dashboard/i;

export function createGrafanaApi(options: GrafanaApiOptions): GrafanaApi {
  const base = options.url.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 15_000;

  async function call<T>(schema: z.ZodType<T>, c: Call): Promise<T | null> {
    let res: Response;
    try {
      res = await fetch(`${base}${c.path}`, {
        method: c.method,
        headers: {
          authorization: `Bearer ${options.token}`,
          accept: 'application/json',
          ...(c.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: c.body === undefined ? undefined : JSON.stringify(c.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
      throw new GrafanaError(
        `Grafana at ${base} is not reachable (${cause?.code ?? cause?.message ?? (err as Error).message}) while trying to ${c.what}: check --url and that Grafana is running`,
      );
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = { message: text.slice(0, 200) };
    }
    if (res.status === 404 && c.missingOk) return null;
    if (!res.ok && !c.answerStatuses?.includes(res.status)) throw errorFor(refusalOf(res.status, body), c);
    const parsed = schema.safeParse(body);
    if (!parsed.success)
      throw new GrafanaError(
        `unexpected answer from Grafana to ${c.what}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        res.status,
      );
    return parsed.data;
  }

  const must = async <T>(schema: z.ZodType<T>, c: Call): Promise<T> => (await call(schema, c))!;
  const ok = z.unknown();

  return {
    async health() {
      await must(ok, { method: 'GET', path: '/api/health', what: 'check Grafana health' });
    },
    getFolder: (uid) => call(FolderSchema, { method: 'GET', path: `/api/folders/${encodeURIComponent(uid)}`, what: `read folder ${uid}`, missingOk: true }),
    createFolder: (uid, title) => must(FolderSchema, { method: 'POST', path: '/api/folders', body: { uid, title }, what: `create folder ${uid}` }),
    updateFolder: (uid, title, version, overwrite) =>
      must(FolderSchema, { method: 'PUT', path: `/api/folders/${encodeURIComponent(uid)}`, body: { title, version, overwrite }, what: `update folder ${uid}` }),
    async datasourceExists(uid) {
      return (
        (await call(DatasourceSchema, {
          method: 'GET',
          path: `/api/datasources/uid/${encodeURIComponent(uid)}`,
          what: `read data source ${uid}`,
          missingOk: true,
        })) !== null
      );
    },
    async createDatasource(model) {
      await must(ok, {
        method: 'POST',
        path: '/api/datasources',
        body: model,
        what: `create data source ${model.uid}`,
        // Found by uid it was not, so a 409 is another data source holding the name.
        explain: (r) =>
          r.status === 409
            ? `a data source named "${model.name}" already exists with another uid (409: ${r.message}); the boards query uid ${model.uid}, so rename or delete that data source in Grafana (Connections → Data sources) and rerun`
            : undefined,
      });
    },
    async updateDatasource(model) {
      await must(ok, {
        method: 'PUT',
        path: `/api/datasources/uid/${encodeURIComponent(model.uid)}`,
        body: model,
        what: `update data source ${model.uid}`,
        explain: (r) =>
          r.status === 403 && READ_ONLY_DATASOURCE.test(r.message)
            ? `that Grafana provisions data source ${model.uid} from a file (403: ${r.message}), so only the file changes it: edit its URL and credentials in that Grafana's provisioning/datasources (docker compose: grafana/provisioning/datasources/influxdb.yaml, from .env), or remove it from the file, restart Grafana and rerun`
            : undefined,
      });
    },
    async checkDatasource(uid) {
      // Grafana answers a failing check with 400 and the data source's own message.
      const path = `/api/datasources/uid/${encodeURIComponent(uid)}/health`;
      const health = await must(HealthSchema, { method: 'GET', path, what: `health-check data source ${uid}`, answerStatuses: [400] });
      if (health.status !== 'OK') {
        throw new GrafanaError(
          `data source ${uid} failed its health check: ${health.message ?? health.status} — check the InfluxDB URL, database and credentials`,
          400,
        );
      }
      return health.message ?? 'OK';
    },
    getDashboard: (uid) =>
      call(StoredDashboardSchema, { method: 'GET', path: `/api/dashboards/uid/${encodeURIComponent(uid)}`, what: `read dashboard ${uid}`, missingOk: true }),
    saveDashboard: (dashboard, folderUid, overwrite) =>
      must(SavedDashboardSchema, {
        method: 'POST',
        path: '/api/dashboards/db',
        body: { dashboard, folderUid, overwrite, message: 'provisioned by npm run grafana:provision' },
        what: `save dashboard ${dashboard.uid}`,
        explain: (r) => {
          if (r.status === 400 && PROVISIONED_DASHBOARD.test(r.message)) {
            return `that Grafana provisions dashboard ${dashboard.uid} from files (400: ${r.message}), so it already has the boards and keeps them as the files say: update the files with npm run grafana:generate (docker compose mounts grafana/provisioning), or remove that dashboard provider to manage the boards over the API and rerun`;
          }
          if (r.status === 412 && r.reason === 'name-exists') {
            // --force would not help: Grafana would overwrite that dashboard and give ours its uid.
            return `another dashboard in folder ${folderUid} already has the title "${dashboard.title}" (412: ${r.message}); rename, move or delete that one in Grafana and rerun`;
          }
          return undefined;
        },
      }),
  };
}

function refusalOf(status: number, body: unknown): Refusal {
  const parsed = ErrorBodySchema.safeParse(body);
  return { status, message: parsed.success ? (parsed.data.message ?? '') : '', reason: parsed.success ? parsed.data.status : undefined };
}

function errorFor(refusal: Refusal, { what, explain }: Call): GrafanaError {
  const { status, message } = refusal;
  const explained = explain?.(refusal);
  if (explained) return new GrafanaError(`Grafana refused to ${what}: ${explained}`, status);
  switch (status) {
    case 401:
      return new GrafanaError(
        `Grafana refused the token (401 Unauthorized) trying to ${what}: pass a valid service-account token with --token or GRAFANA_TOKEN`,
        status,
      );
    case 403:
      return new GrafanaError(
        `the service account may not ${what} (403 Forbidden${message ? `: ${message}` : ''}): give it the Editor role for folders and dashboards, Admin for data sources`,
        status,
      );
    case 412:
      return new GrafanaError(
        `Grafana refused to ${what}: it was changed in Grafana since it was read (version conflict)${message ? ` (${message})` : ''}; rerun with --force to overwrite it`,
        status,
      );
    default:
      return new GrafanaError(`Grafana answered ${status} trying to ${what}${message ? `: ${message}` : ''}`, status);
  }
}
