import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { startDashboardTier } from '../../scripts/dashboard-tier.js';
import { telemetryTopic } from '../../domain/topics.js';
import { projectPath } from '../../lib/paths.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { startHttpReceiver, writeDistrictWebhooks, type HttpReceiver } from '../alerting/receivers.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { withPostgres } from '../helpers/database.js';
import { withInfluxd } from '../helpers/influxd.js';
import { until } from '../helpers/poll.js';
import { withRedis } from '../helpers/redis.js';
import { stationClient, statusPayload, statusTopic, tempDir } from '../ingest/fixtures.js';

// Three dashboard processes on one PostgreSQL and one Redis behind HAProxy (issue 13): events reach
// sockets on every node, a maintainer sees only their district on every node, a long-polling socket
// works through the balancer (sticky sessions), changes made on a follower reach the leader, and a
// kill -9 of the alerting leader hands over with no alert lost and no notification sent twice.

const influxd = withInfluxd(test);
const pg = withPostgres(test);
const redis = withRedis(test);

const LEASE_MS = 3000;
const STATIONS = ['SN-0001', 'SN-0002', 'SB-0001', 'SB-0002'];

interface Client {
  node: string;
  user: string;
  socket: Socket;
  events: Array<{ event: string; data: any }>;
}

test('dashboard nodes share events, keep districts apart on every node, and hand the alerting over after a kill -9 of the leader', async (t) => {
  const full = loadRegistryFile();
  const broker: TestBroker = await startTestBroker({ registry: full, stationIds: STATIONS });
  t.teardown(() => broker.close());
  const receiver: HttpReceiver = await startHttpReceiver();
  t.teardown(() => receiver.close());
  const dir = await tempDir(t, 'dash-cluster-');
  const registryFile = join(dir, 'stations.json');
  writeFileSync(registryFile, JSON.stringify({ version: 1, stations: STATIONS.map((id) => full.get(id)) }));
  const rules = JSON.parse(readFileSync(projectPath('config/rules.json'), 'utf8')) as Record<string, unknown>;
  const rulesFile = join(dir, 'rules.json');
  writeFileSync(rulesFile, JSON.stringify({ ...rules, groupWaitS: 0, evaluationIntervalS: 1 }));
  const notificationsFile = writeDistrictWebhooks(dir, receiver);
  const env = {
    ...process.env,
    LOG_LEVEL: 'info',
    DASHBOARD_JWT_SECRET: 'cluster-test-secret-0123456789abcdef',
    DASHBOARD_LEADER_LEASE_MS: String(LEASE_MS),
    DASHBOARD_USERS_FILE: join(dir, 'users.json'),
    DASHBOARD_AUDIT_FILE: join(dir, 'audit.jsonl'),
    DASHBOARD_ACCEPTANCE_FILE: join(dir, 'acceptance.json'),
    DASHBOARD_MQTT_CLIENT_ID: 'svc-dashboard',
    INFLUX_URL: influxd.influxd().url,
    INFLUX_DATABASE: influxd.newDatabase('dashcluster'),
    MQTT_URL: broker.url,
    DEV_CREDENTIALS_FILE: join(broker.dir, 'dev-credentials.json'),
    REGISTRY_FILE: registryFile,
    ALERTING_RULES_FILE: rulesFile,
    ALERTING_NOTIFICATIONS_FILE: notificationsFile,
    ALERTING_REPORTS_DIR: join(dir, 'reports'),
    ALERTING_CRON: 'false',
  };

  const tier = await startDashboardTier({
    nodes: 3,
    port: 0,
    redisUrl: redis().url,
    databaseUrl: await pg.newDatabaseUrl(),
    env,
    nodeEnv: (id) => ({ ALERTING_SPOOL_DIR: join(dir, `spool-${id}`) }),
    command: [process.execPath, '--import', 'tsx', projectPath('dashboard-api/main.ts')],
    keepLog: true,
  });
  t.teardown(() => tier.close());
  const nodes = tier.nodes;
  const leaderOf = (list: typeof nodes) => list.filter((n) => n.events.some((e) => e.event === 'alerting_leader'));
  await until(() => leaderOf(nodes).length === 1, { timeoutMs: 15_000, what: 'one alerting leader' });
  const leader = leaderOf(nodes)[0]!;
  const followers = nodes.filter((n) => n !== leader);

  const passwords = JSON.parse(readFileSync(join(dir, 'users.passwords.json'), 'utf8')) as Record<string, string>;
  const tokens: Record<string, string> = {};
  for (const user of ['maint-sn', 'maint-sb', 'admin']) {
    // Any node signs in for all of them: they share DASHBOARD_JWT_SECRET and the users table.
    const res = await fetch(`${followers[0]!.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user, password: passwords[user] }),
    });
    t.is(res.status, 200);
    tokens[user] = ((await res.json()) as { token: string }).token;
  }

  const clients: Client[] = [];
  // Each node directly, and city staff through the balancer on long-polling (every request of the
  // session must reach the node that holds it: the balancer's cookie, kept by withCredentials).
  const targets = [
    ...nodes.map((n) => ({ node: n.id, url: n.url, users: ['maint-sn', 'maint-sb', 'admin'] })),
    { node: 'lb', url: tier.url, users: ['admin'] },
  ];
  for (const target of targets) {
    for (const user of target.users) {
      const socket = io(target.url, {
        auth: { token: tokens[user] },
        transports: target.node === 'lb' ? ['polling'] : ['websocket'],
        withCredentials: true,
        forceNew: true,
        reconnection: false,
      });
      t.teardown(() => socket.close());
      const client: Client = { node: target.node, user, socket, events: [] };
      socket.onAny((event, data) =>
        event === 'stations' ? client.events.push(...(data as unknown[]).map((d) => ({ event: 'station', data: d }))) : client.events.push({ event, data }),
      );
      await new Promise((resolve, reject) => {
        socket.once('snapshot', resolve);
        socket.once('connect_error', reject);
      });
      clients.push(client);
    }
  }
  const alertEvents = (c: Client, key: string) => c.events.filter((e) => e.event === 'alert' && e.data.alert.key === key).map((e) => e.data.to as string);
  const firings = (path: string, key: string) =>
    receiver.received
      .filter((r) => r.path === path)
      .flatMap((r) => r.body.events as Array<{ kind: string; alert: { key: string } }>)
      .filter((e) => e.kind === 'firing' && e.alert.key === key).length;

  // A fault at SB-0001: the leader fires the alert; every node's SB and city sockets get it, and its station's state.
  const sb = await stationClient(broker, 'SB-0001');
  const ts = Date.now() - 500;
  await sb.publishAsync(statusTopic('SB-0001'), JSON.stringify(statusPayload('SB-0001', ts)), { qos: 1 });
  await sb.publishAsync(
    telemetryTopic({ stationId: 'SB-0001', channel: 'appliance', appliance: 'microwave' }),
    JSON.stringify({ station: 'SB-0001', ts, appliance: 'microwave', on: false, powerW: 0, faultCode: 'E21' }),
    { qos: 1 },
  );
  await sb.endAsync();
  const sbKey = 'SB-0001:appliance_fault';
  const sees = (users: string[], pred: (c: Client) => boolean) => clients.filter((c) => users.includes(c.user)).every(pred);
  await until(() => sees(['maint-sb', 'admin'], (c) => alertEvents(c, sbKey).includes('firing')), { timeoutMs: 15_000, what: 'the alert on every node' });
  await until(() => sees(['maint-sb', 'admin'], (c) => c.events.some((e) => e.event === 'station' && e.data.id === 'SB-0001' && e.data.live === 'online')), {
    timeoutMs: 10_000,
    what: 'the station state on every node',
  });
  await until(() => firings('/hook/SB', sbKey) >= 1, { timeoutMs: 10_000, what: 'the SB notification' });

  // A follower lists the leader's alert and takes an acknowledgement for it (sent to the leader).
  const follower = followers[0]!;
  await until(
    async () => {
      const list = (await (await fetch(`${follower.url}/api/alerts`, { headers: { authorization: `Bearer ${tokens['maint-sb']}` } })).json()) as Array<{
        key: string;
      }>;
      return list.some((a) => a.key === sbKey);
    },
    { timeoutMs: 10_000, what: 'the follower lists the alert' },
  );
  const ack = await fetch(`${follower.url}/api/alerts/${encodeURIComponent(sbKey)}/acknowledge`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens['maint-sb']}`, 'content-type': 'application/json' },
    body: JSON.stringify({ comment: '已派人 / on the way' }),
  });
  t.is(ack.status, 200, await ack.clone().text());
  t.like(await ack.json(), { key: sbKey, state: 'acknowledged', acknowledgedBy: 'maint-sb' });
  await until(() => sees(['maint-sb', 'admin'], (c) => alertEvents(c, sbKey).includes('acknowledged')), {
    timeoutMs: 10_000,
    what: 'the acknowledgement on every node',
  });

  // kill -9 of the leader; a fault at SN-0001 while no node leads.
  leader.child.kill('SIGKILL');
  const killedAt = Date.now();
  await leader.exited;
  const sn = await stationClient(broker, 'SN-0001');
  const ts2 = Date.now() - 500;
  await sn.publishAsync(statusTopic('SN-0001'), JSON.stringify(statusPayload('SN-0001', ts2)), { qos: 1 });
  await sn.publishAsync(
    telemetryTopic({ stationId: 'SN-0001', channel: 'appliance', appliance: 'microwave' }),
    JSON.stringify({ station: 'SN-0001', ts: ts2, appliance: 'microwave', on: false, powerW: 0, faultCode: 'E21' }),
    { qos: 1 },
  );
  await sn.endAsync();
  await until(() => leaderOf(followers).length === 1, { timeoutMs: 30_000, what: 'a new leader within 30 s' });
  const handoverMs = Date.now() - killedAt;
  t.log(`hand-over after kill -9: ${handoverMs} ms (lease ${LEASE_MS} ms)`);
  const snKey = 'SN-0001:appliance_fault';
  // The balancer's socket may have been on the node killed.
  const alive = clients.filter((c) => c.node !== leader.id && c.node !== 'lb');
  await until(() => alive.filter((c) => c.user !== 'maint-sb').every((c) => alertEvents(c, snKey).includes('firing')), {
    timeoutMs: 15_000,
    what: 'the alert fired meanwhile, on every remaining node',
  });
  await until(() => firings('/hook/SN', snKey) >= 1, { timeoutMs: 10_000, what: 'the SN notification' });
  // Let the new leader run three more evaluations (its own counter): nothing more is sent.
  const survivor = leaderOf(followers)[0]!;
  const evaluations = async (): Promise<number> => {
    const port = survivor.events.find((e) => e.event === 'started')!.metricsPort as number;
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return Number(/^alert_evaluation_seconds_count\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
  };
  const seen = await evaluations();
  await until(async () => (await evaluations()) >= seen + 3, { timeoutMs: 10_000, everyMs: 200, what: 'three more evaluations' });
  t.is(firings('/hook/SN', snKey), 1, 'the alert that fired during the hand-over is notified once');
  t.is(firings('/hook/SB', sbKey), 1, 'the alert from before the hand-over is not notified again');
  // Its acknowledgement survived: the new leader started from the shared table.
  const after = (await (await fetch(`${survivor.url}/api/alerts`, { headers: { authorization: `Bearer ${tokens.admin}` } })).json()) as Array<{
    key: string;
    state: string;
  }>;
  t.like(
    after.find((a) => a.key === sbKey),
    { state: 'acknowledged' },
  );

  // A maintainer saw only their own district, on every node, all along.
  const districtOf = (e: { data: any }): string => (e.data.district ?? e.data.alert?.district ?? e.data.stationId?.split('-')[0]) as string;
  for (const c of clients) {
    const live = c.events.filter((e) => e.event !== 'snapshot');
    const own = { 'maint-sn': 'SN', 'maint-sb': 'SB' }[c.user];
    if (own)
      t.true(
        live.every((e) => districtOf(e) === own),
        `${c.user} on node ${c.node}`,
      );
    // Every maintainer on a node still up saw its district's events (SN's came during the hand-over).
    if (own && c.node !== leader.id) t.true(live.length > 0, `${c.user} on node ${c.node}`);
    // One copy of each transition per socket (not one per node).
    t.deepEqual(alertEvents(c, sbKey), c.user === 'maint-sn' ? [] : ['firing', 'acknowledged'], `${c.user} on node ${c.node}`);
  }
  for (const node of followers) {
    node.child.kill('SIGTERM');
    t.is(await node.exited, 0);
  }
});
