// The one InfluxDB data source every panel points at, by a stable uid, so the boards work the
// same whether the data source was created over the HTTP API or from a provisioning file.

export const INFLUX_DATASOURCE = { type: 'influxdb', uid: 'qdyz-influxdb' } as const;
export const INFLUX_DATASOURCE_NAME = 'QDYZ InfluxDB';

/** How Grafana reaches InfluxDB: 1.x with a user and password, or 2.x (v1-compatible InfluxQL API) with a token. */
export type InfluxAuth = { kind: 'v1'; username?: string; password?: string } | { kind: 'v2'; token: string };

export interface InfluxTarget {
  url: string;
  /** Database (1.x) or bucket (2.x: the bucket's automatic DBRP mapping serves InfluxQL). */
  database: string;
  auth: InfluxAuth;
}

/** The data source as Grafana's API and its provisioning files both describe it (InfluxQL mode). */
export interface InfluxDatasourceModel {
  uid: string;
  name: string;
  type: 'influxdb';
  access: 'proxy';
  url: string;
  isDefault: boolean;
  user?: string;
  jsonData: Record<string, string | boolean>;
  secureJsonData?: Record<string, string>;
}

export function influxDatasource(target: InfluxTarget): InfluxDatasourceModel {
  const model: InfluxDatasourceModel = {
    uid: INFLUX_DATASOURCE.uid,
    name: INFLUX_DATASOURCE_NAME,
    type: INFLUX_DATASOURCE.type,
    access: 'proxy',
    url: target.url,
    isDefault: true,
    // POST keeps long queries out of URLs and proxy logs.
    jsonData: { version: 'InfluxQL', dbName: target.database, httpMode: 'POST' },
  };
  if (target.auth.kind === 'v2') {
    // InfluxDB 2.x authenticates v1-compatible queries with the token in the Authorization header.
    model.jsonData.httpHeaderName1 = 'Authorization';
    model.secureJsonData = { httpHeaderValue1: `Token ${target.auth.token}` };
  } else if (target.auth.username) {
    model.user = target.auth.username;
    model.secureJsonData = { password: target.auth.password ?? '' };
  }
  return model;
}
