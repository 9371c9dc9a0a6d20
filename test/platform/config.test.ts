import test from 'ava';
import { ConfigError, readConfig } from '../../lib/config.js';
import { IngestConfigSchema } from '../../ingest/config.js';
import { SimConfigSchema } from '../../device-sim/config.js';
import { PlatformConfigSchema } from '../../platform/config.js';

const problems = (fn: () => unknown): string[] => {
  try {
    fn();
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
};

test('an empty variable counts as unset: the default, not 0 ("any port")', (t) => {
  const config = readConfig(PlatformConfigSchema, { MQTT_PORT: '', PLATFORM_INFLUXD_PORT: '', SIM_STATIONS: '' });
  t.is(config.MQTT_PORT, 1883);
  t.is(config.PLATFORM_INFLUXD_PORT, 8186);
  t.is(config.SIM_STATIONS, 600);
  t.is(config.SIM_FILL_DAYS, 30, 'a default start fills the last 30 days, so month figures mean something');
  t.is(readConfig(PlatformConfigSchema, { MQTT_PORT: '0' }).MQTT_PORT, 0, 'an explicit 0 is still any free port');
});

test('MQTT_URL takes mqtt://, mqtts://, ws:// and wss:// only', (t) => {
  for (const schema of [IngestConfigSchema, SimConfigSchema]) {
    for (const url of ['mqtt://127.0.0.1:1883', 'mqtts://broker.example:8883', 'ws://127.0.0.1:8083/', 'wss://broker.example/mqtt']) {
      t.is(readConfig(schema, { MQTT_URL: url }).MQTT_URL, url);
    }
    for (const url of ['http://127.0.0.1:1883', 'tcp://127.0.0.1:1883', 'file:///etc/passwd']) {
      t.deepEqual(
        problems(() => readConfig(schema, { MQTT_URL: url })),
        ['MQTT_URL: expected an mqtt://, mqtts://, ws:// or wss:// URL'],
        url,
      );
    }
  }
});

test('INFLUX_RETENTION below 1h is refused with the reason; 0s and INF mean forever', (t) => {
  for (const retention of ['1s', '59m', '3599s']) {
    t.deepEqual(
      problems(() => readConfig(IngestConfigSchema, { INFLUX_RETENTION: retention })),
      ['INFLUX_RETENTION: InfluxDB refuses a retention shorter than 1h; 0s or INF keeps forever'],
      retention,
    );
  }
  for (const retention of ['1h', '60m', '400d', '0s', 'INF']) t.is(readConfig(IngestConfigSchema, { INFLUX_RETENTION: retention }).INFLUX_RETENTION, retention);
  t.is(problems(() => readConfig(IngestConfigSchema, { INFLUX_RETENTION: '1y' })).length, 1);
});
