import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { load } from 'js-yaml';
import { INFLUX_DATASOURCE } from '../../grafana/datasource.js';
import { buildDashboards } from '../../grafana/dashboards/index.js';
import { FOLDER } from '../../grafana/provisioner.js';
import { BOARDS_SUBDIR, CONTAINER_PROVISIONING_DIR, PROVISIONING_DIR, provisioningFiles } from '../../grafana/provisioning-files.js';

const onDisk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(PROVISIONING_DIR, join(e.parentPath, e.name)))
    .sort();

test('the committed provisioning files are up to date (npm run grafana:generate)', (t) => {
  const files = provisioningFiles();
  t.deepEqual(onDisk(PROVISIONING_DIR), [...files.keys()].sort(), 'no file missing, none left over');
  for (const [path, content] of files) t.is(readFileSync(join(PROVISIONING_DIR, path), 'utf8'), content, `${path} is stale: run npm run grafana:generate`);
});

test('the JSON boards are the boards as code, one file per uid', (t) => {
  const files = provisioningFiles();
  for (const board of buildDashboards()) t.deepEqual(JSON.parse(files.get(`${BOARDS_SUBDIR}/${board.uid}.json`)!), board);
});

test('the data source and provider YAML match what the boards and docker-compose expect', (t) => {
  const files = provisioningFiles();
  const ds = load(files.get('datasources/influxdb.yaml')!) as { apiVersion: number; datasources: Array<Record<string, any>> };
  t.is(ds.apiVersion, 1);
  t.like(ds.datasources[0], { uid: INFLUX_DATASOURCE.uid, type: INFLUX_DATASOURCE.type, access: 'proxy', url: '${GRAFANA_INFLUX_URL}' });
  t.deepEqual(ds.datasources[0]!.jsonData, { version: 'InfluxQL', dbName: '${INFLUX_DATABASE}', httpMode: 'POST', httpHeaderName1: 'Authorization' });
  t.deepEqual(ds.datasources[0]!.secureJsonData, { httpHeaderValue1: 'Token ${INFLUX_TOKEN}' });

  const providers = load(files.get('dashboards/qdyz.yaml')!) as { providers: Array<Record<string, any>> };
  t.like(providers.providers[0], {
    type: 'file',
    folderUid: FOLDER.uid,
    folder: FOLDER.title,
    options: { path: `${CONTAINER_PROVISIONING_DIR}/${BOARDS_SUBDIR}` },
  });
});
