import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

// A local stand-in for Grafana's HTTP API (the one double the team accepts): it keeps folders,
// data sources and dashboards with versions the way Grafana does, and checks every request —
// method and path, the Bearer token, and the body against the shape Grafana's API documents.
// Anything else is answered 404/400 and recorded in `violations`, which the tests assert empty.

const FolderBody = z.strictObject({ uid: z.string().max(40), title: z.string().min(1) });
const FolderUpdateBody = z.strictObject({ title: z.string().min(1), version: z.number().optional(), overwrite: z.boolean() });
const DatasourceBody = z.looseObject({
  uid: z.string(),
  name: z.string(),
  type: z.literal('influxdb'),
  access: z.literal('proxy'),
  url: z.url(),
  isDefault: z.boolean(),
  user: z.string().optional(),
  jsonData: z.looseObject({ version: z.literal('InfluxQL'), dbName: z.string().min(1), httpMode: z.enum(['GET', 'POST']) }),
  secureJsonData: z.record(z.string(), z.string()).optional(),
});
const DashboardBody = z.strictObject({
  dashboard: z.looseObject({ uid: z.string().max(40), title: z.string(), id: z.null(), version: z.number().optional(), panels: z.array(z.unknown()) }),
  folderUid: z.string(),
  overwrite: z.boolean(),
  message: z.string().optional(),
});

/** The built-in annotation Grafana adds to every board that has none. */
const BUILT_IN_ANNOTATION = {
  builtIn: 1,
  datasource: { type: 'grafana', uid: '-- Grafana --' },
  enable: true,
  hide: true,
  iconColor: 'rgba(0, 211, 255, 1)',
  name: 'Annotations & Alerts',
  type: 'dashboard',
};

/**
 * A board as Grafana 12 hands it back: it keeps every field it was given, including ones it does
 * not know, but fills in the built-in annotation and each panel's plugin version.
 */
function normalised<D extends Record<string, unknown>>(dashboard: D): D {
  const annotations = (dashboard.annotations ?? {}) as { list?: unknown[] };
  const panels = (dashboard.panels as Array<Record<string, unknown>>).map((p) => ({ ...p, pluginVersion: '12.1.0' }));
  return { ...dashboard, annotations: { ...annotations, list: annotations.list?.length ? annotations.list : [BUILT_IN_ANNOTATION] }, panels };
}

export interface RecordedRequest {
  method: string;
  path: string;
  authorization?: string;
  body?: unknown;
}

interface StoredBoard {
  dashboard: Record<string, unknown> & { uid: string; version: number; id: number };
  folderUid: string;
}

export interface FakeGrafanaOptions {
  token: string;
  /** Data source health answer: undefined = OK; a string = the InfluxDB error Grafana would relay. */
  healthError?: string;
  /** Paths (prefixes) the token is not allowed to write: 403. */
  forbidden?: string[];
  /** Someone saves this board in Grafana between our read and our write (a race → 412). */
  raceOn?: string;
  /** Data sources (uids) this Grafana provisions from files: read-only over the API. */
  readOnlyDatasources?: string[];
  /** Dashboards (uids) this Grafana provisions from files: the API may not save them. */
  provisionedDashboards?: string[];
}

export interface FakeGrafana {
  url: string;
  requests: RecordedRequest[];
  violations: string[];
  folders: Map<string, { uid: string; title: string; version: number }>;
  datasources: Map<string, z.infer<typeof DatasourceBody>>;
  dashboards: Map<string, StoredBoard>;
  /** Puts a data source in place as if made in Grafana (checked like a POST body). */
  seedDatasource(model: unknown): void;
  close(): Promise<void>;
}

export async function startFakeGrafana(options: FakeGrafanaOptions): Promise<FakeGrafana> {
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const folders: FakeGrafana['folders'] = new Map();
  const datasources: FakeGrafana['datasources'] = new Map();
  const dashboards: FakeGrafana['dashboards'] = new Map();
  let nextId = 1;

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  function parse<T>(schema: z.ZodType<T>, req: RecordedRequest, res: ServerResponse): T | undefined {
    const result = schema.safeParse(req.body);
    if (result.success) return result.data;
    violations.push(`${req.method} ${req.path}: bad body: ${result.error.message}`);
    send(res, 400, { message: 'bad request data' });
    return undefined;
  }

  async function handle(http: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of http) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const req: RecordedRequest = { method: http.method ?? '', path: http.url ?? '', authorization: http.headers.authorization };
    if (raw) {
      if (http.headers['content-type'] !== 'application/json') violations.push(`${req.method} ${req.path}: body without content-type application/json`);
      req.body = JSON.parse(raw);
    }
    requests.push(req);

    const route = `${req.method} ${req.path}`;
    let m: RegExpExecArray | null;
    // Grafana serves its health without authentication.
    if (route === 'GET /api/health') return send(res, 200, { database: 'ok', version: '12.1.0' });

    if (req.authorization !== `Bearer ${options.token}`) return send(res, 401, { message: 'invalid API key' });
    if (req.method !== 'GET' && options.forbidden?.some((p) => req.path.startsWith(p))) {
      return send(res, 403, { message: "You'll need additional permissions to perform this action. Permissions needed: datasources:create" });
    }

    if ((m = /^GET \/api\/folders\/([^/]+)$/.exec(route))) {
      const folder = folders.get(decodeURIComponent(m[1]!));
      return folder ? send(res, 200, { id: 1, ...folder }) : send(res, 404, { message: 'folder not found', status: 'not-found' });
    }
    if (route === 'POST /api/folders') {
      const body = parse(FolderBody, req, res);
      if (!body) return;
      if (folders.has(body.uid)) return send(res, 409, { message: 'a folder with the same uid already exists' });
      const folder = { ...body, version: 1 };
      folders.set(body.uid, folder);
      return send(res, 200, { id: 1, ...folder });
    }
    if ((m = /^PUT \/api\/folders\/([^/]+)$/.exec(route))) {
      const body = parse(FolderUpdateBody, req, res);
      const folder = folders.get(decodeURIComponent(m[1]!));
      if (!body) return;
      if (!folder) return send(res, 404, { message: 'folder not found' });
      if (!body.overwrite && body.version !== folder.version)
        return send(res, 412, { message: 'the folder has been changed by someone else', status: 'version-mismatch' });
      Object.assign(folder, { title: body.title, version: folder.version + 1 });
      return send(res, 200, { id: 1, ...folder });
    }

    if ((m = /^GET \/api\/datasources\/uid\/([^/]+)\/health$/.exec(route))) {
      if (!datasources.has(decodeURIComponent(m[1]!))) return send(res, 404, { message: 'Data source not found' });
      return options.healthError
        ? send(res, 400, { status: 'ERROR', message: options.healthError })
        : send(res, 200, { status: 'OK', message: 'datasource is working. 5 measurements found' });
    }
    if ((m = /^GET \/api\/datasources\/uid\/([^/]+)$/.exec(route))) {
      const ds = datasources.get(decodeURIComponent(m[1]!));
      if (!ds) return send(res, 404, { message: 'Data source not found' });
      const { secureJsonData, ...visible } = ds;
      const readOnly = options.readOnlyDatasources?.includes(ds.uid) ?? false;
      return send(res, 200, {
        id: 1,
        version: 1,
        ...visible,
        readOnly,
        secureJsonFields: Object.fromEntries(Object.keys(secureJsonData ?? {}).map((k) => [k, true])),
      });
    }
    if (route === 'POST /api/datasources') {
      const body = parse(DatasourceBody, req, res);
      if (!body) return;
      const all = [...datasources.values()];
      if (all.some((d) => d.name === body.name)) return send(res, 409, { message: 'data source with the same name already exists' });
      if (all.some((d) => d.uid === body.uid)) return send(res, 409, { message: 'data source with the same uid already exists' });
      datasources.set(body.uid, body);
      return send(res, 200, { id: 1, message: 'Datasource added', name: body.name, datasource: { ...body, id: 1 } });
    }
    if ((m = /^PUT \/api\/datasources\/uid\/([^/]+)$/.exec(route))) {
      const body = parse(DatasourceBody, req, res);
      const uid = decodeURIComponent(m[1]!);
      if (!body) return;
      if (!datasources.has(uid)) return send(res, 404, { message: 'Data source not found' });
      if (options.readOnlyDatasources?.includes(uid)) return send(res, 403, { message: 'Cannot update read-only data source' });
      if (body.uid !== uid) violations.push(`PUT data source ${uid} with body uid ${body.uid}`);
      datasources.set(uid, body);
      return send(res, 200, { id: 1, message: 'Datasource updated', name: body.name, datasource: body });
    }

    if ((m = /^GET \/api\/dashboards\/uid\/([^/]+)$/.exec(route))) {
      const uid = decodeURIComponent(m[1]!);
      const stored = dashboards.get(uid);
      if (!stored) return send(res, 404, { message: 'Dashboard not found' });
      const answer = { dashboard: stored.dashboard, meta: { folderUid: stored.folderUid, version: stored.dashboard.version, slug: uid } };
      if (options.raceOn === uid) stored.dashboard = { ...stored.dashboard, version: stored.dashboard.version + 1 };
      return send(res, 200, answer);
    }
    if (route === 'POST /api/dashboards/db') {
      const body = parse(DashboardBody, req, res);
      if (!body) return;
      if (!folders.has(body.folderUid)) return send(res, 400, { message: 'folder not found' });
      if (options.provisionedDashboards?.includes(body.dashboard.uid)) return send(res, 400, { message: 'Cannot save provisioned dashboard' });
      const sameTitle = [...dashboards.values()].find(
        (d) => d.folderUid === body.folderUid && d.dashboard.title === body.dashboard.title && d.dashboard.uid !== body.dashboard.uid,
      );
      if (sameTitle && !body.overwrite)
        return send(res, 412, { message: 'A dashboard with the same name in the folder already exists', status: 'name-exists' });
      if (sameTitle) violations.push(`${route}: overwrite of ${sameTitle.dashboard.uid} by title (Grafana would give ${body.dashboard.uid} its uid)`);
      const stored = dashboards.get(body.dashboard.uid);
      if (stored && !body.overwrite && body.dashboard.version !== stored.dashboard.version) {
        return send(res, 412, { message: 'The dashboard has been changed by someone else', status: 'version-mismatch' });
      }
      const version = (stored?.dashboard.version ?? 0) + 1;
      const id = stored?.dashboard.id ?? nextId++;
      dashboards.set(body.dashboard.uid, { dashboard: { ...normalised(body.dashboard), id, version }, folderUid: body.folderUid });
      return send(res, 200, { id, uid: body.dashboard.uid, url: `/d/${body.dashboard.uid}/x`, status: 'success', version, slug: 'x' });
    }

    violations.push(`unexpected request ${route}`);
    send(res, 404, { message: 'Not found' });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      violations.push(`handler error: ${err.message}`);
      send(res, 500, { message: err.message });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    violations,
    folders,
    datasources,
    dashboards,
    seedDatasource: (model) => {
      const ds = DatasourceBody.parse(model);
      datasources.set(ds.uid, ds);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
