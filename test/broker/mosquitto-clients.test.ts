import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import anyTest, { type TestFn } from 'ava';
import { commandTopic, telemetryTopic, TELEMETRY_SUBSCRIPTIONS } from '../../domain/topics.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { connectAs, refusals } from '../helpers/mqtt-clients.js';
import { until } from '../helpers/poll.js';

// The same rules seen through Debian's mosquitto clients (another MQTT 3.1.1 implementation than mqtt.js).

const test = anyTest as TestFn<{ b: TestBroker; A: string; B: string }>;

test.before(async (t) => {
  const registry = loadRegistryFile();
  const [A, B] = registry.stations.slice(0, 2).map((s) => s.id) as [string, string];
  t.context = { b: await startTestBroker({ registry, stationIds: [A, B] }), A, B };
});
test.after.always((t) => t.context.b?.close());

const status = (station: string) => telemetryTopic({ stationId: station, channel: 'status' });
const payload = (station: string, fw: string) => JSON.stringify({ station, ts: Date.now(), online: true, reason: 'heartbeat', fw });

/** Runs mosquitto_pub; resolves with its exit code and stderr (never rejects on a non-zero exit). */
function mosquittoPub(b: TestBroker, user: string, password: string | undefined, args: string[]): Promise<{ code: number; stderr: string }> {
  const auth = password === undefined ? [] : ['-u', user, '-P', password];
  return new Promise((resolve) => {
    execFile(
      'mosquitto_pub',
      ['-V', 'mqttv311', '-h', '127.0.0.1', '-p', String(b.port), '-i', user, ...auth, ...args],
      { timeout: 10_000 },
      (err, _stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

/** Starts mosquitto_sub and resolves once it is subscribed (it prints nothing until a message arrives, so ask the broker). */
async function mosquittoSub(b: TestBroker, user: string, topics: readonly string[], clientId = user) {
  const child = spawn('mosquitto_sub', [
    '-V',
    'mqttv311',
    '-h',
    '127.0.0.1',
    '-p',
    String(b.port),
    '-i',
    clientId,
    '-u',
    user,
    '-P',
    b.credentials[user]!,
    '-q',
    '1',
    '-v',
    ...topics.flatMap((topic) => ['-t', topic]),
  ]);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const subscribed = new Promise<void>((resolve) => {
    const onSub = (_subs: unknown, client: { id: string }) => {
      if (client.id !== clientId) return;
      b.broker.aedes.off('subscribe', onSub);
      resolve();
    };
    b.broker.aedes.on('subscribe', onSub);
  });
  await Promise.race([subscribed, once(child, 'exit').then(() => Promise.reject(new Error(`mosquitto_sub exited: ${err}`)))]);
  return {
    lines: () => out.split('\n').filter(Boolean),
    stderr: () => err,
    exited: once(child, 'exit') as Promise<[number | null]>,
    stop: () => child.kill(),
  };
}

test.serial('mosquitto_pub with a station’s credentials reaches mosquitto_sub on the telemetry topics; the foreign topic does not', async (t) => {
  const { b, A, B } = t.context;
  const sub = await mosquittoSub(b, 'svc-ingest', TELEMETRY_SUBSCRIPTIONS);
  t.teardown(sub.stop);

  const ok = await mosquittoPub(b, A, b.credentials[A], ['-q', '1', '-t', status(A), '-m', payload(A, 'mosq-ok')]);
  t.is(ok.code, 0, ok.stderr);
  await until(() => sub.lines().length >= 1);

  const before = await refusals(b, 'publish', 'foreign_topic');
  const forged = await mosquittoPub(b, A, b.credentials[A], ['-q', '1', '-t', status(B), '-m', payload(B, 'mosq-forged')]);
  t.not(forged.code, 0, 'the broker drops the connection instead of acknowledging');
  t.is((await refusals(b, 'publish', 'foreign_topic')) - before, 1);

  // A later genuine message proves the subscriber was still listening when the forged one would have arrived.
  const genuine = await mosquittoPub(b, B, b.credentials[B], ['-q', '1', '-t', status(B), '-m', payload(B, 'mosq-genuine')]);
  t.is(genuine.code, 0, genuine.stderr);
  await until(() => sub.lines().length >= 2);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const lines = sub.lines();
  t.is(lines.length, 2, lines.join('\n'));
  t.true(lines[0]!.startsWith(`${status(A)} `) && lines[0]!.includes('mosq-ok'));
  t.true(lines[1]!.startsWith(`${status(B)} `) && lines[1]!.includes('mosq-genuine'));
});

test.serial('mosquitto_pub with a wrong password, unknown user or no credentials is refused', async (t) => {
  const { b, A, B } = t.context;
  const before = await Promise.all(['bad_password', 'unknown_user', 'no_credentials'].map((r) => refusals(b, 'connect', r)));
  const wrong = await mosquittoPub(b, A, b.credentials[B], ['-t', status(A), '-m', payload(A, 'x')]);
  t.not(wrong.code, 0);
  t.regex(wrong.stderr, /bad user name or password|not authori[sz]ed/i);
  const unknown = await mosquittoPub(b, 'LX-9999', 'some-password-123456', ['-t', status('LX-9999'), '-m', '{}']);
  t.not(unknown.code, 0);
  const anonymous = await mosquittoPub(b, A, undefined, ['-t', status(A), '-m', payload(A, 'x')]);
  t.not(anonymous.code, 0);
  t.regex(anonymous.stderr, /not authori[sz]ed/i);
  const after = await Promise.all(['bad_password', 'unknown_user', 'no_credentials'].map((r) => refusals(b, 'connect', r)));
  t.deepEqual(
    after.map((n, i) => n - before[i]!),
    [1, 1, 1],
  );
});

test.serial('mosquitto_sub as a station gets its own commands; subscribing to # or another station’s commands is refused', async (t) => {
  const { b, A, B } = t.context;
  const sub = await mosquittoSub(b, A, [commandTopic(A)]);
  t.teardown(sub.stop);
  const alerting = await connectAs(b, 'svc-alerting');
  t.teardown(() => alerting.endAsync());
  await alerting.publishAsync(commandTopic(A), '{"action":"ping"}', { qos: 1 });
  await until(() => sub.lines().length >= 1);
  t.deepEqual(sub.lines(), [`${commandTopic(A)} {"action":"ping"}`]);

  sub.stop(); // the next clients use the same client id (the station's), which would take over this session
  await sub.exited;
  const before = await refusals(b, 'subscribe', 'not_own_command_topic');
  for (const filter of ['#', commandTopic(B)]) {
    const refused = spawn('mosquitto_sub', [
      '-V',
      'mqttv311',
      '-h',
      '127.0.0.1',
      '-p',
      String(b.port),
      '-i',
      A,
      '-u',
      A,
      '-P',
      b.credentials[A]!,
      '-t',
      filter,
      '-C',
      '1',
      '-W',
      '3',
    ]);
    let err = '';
    refused.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await once(refused, 'exit');
    t.regex(err, /All subscription requests were denied/, filter); // SUBACK 0x80; mosquitto_sub then gives up
  }
  t.is((await refusals(b, 'subscribe', 'not_own_command_topic')) - before, 2);
});
