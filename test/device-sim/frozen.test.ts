import test from 'ava';
import { createLogger } from '../../lib/logger.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { telemetryTopic } from '../../domain/topics.js';
import { startFrozenSubscriber } from '../../device-sim/frozen-subscriber.js';
import { startTestBroker } from '../helpers/broker.js';
import { connectAs } from '../helpers/mqtt-clients.js';
import { observe } from './observer.js';

const logger = createLogger('device-sim-test', process.env.LOG_LEVEL ?? 'silent');

test('a frozen subscriber does not stall the stations or the other subscribers', async (t) => {
  const registry = loadRegistryFile();
  const b = await startTestBroker({ registry, stationIds: ['SN-0001'], drainTimeoutMs: 500 });
  t.teardown(b.close);
  const frozen = await startFrozenSubscriber({ brokerUrl: b.url, username: 'svc-alerting', password: b.credentials['svc-alerting'], logger });
  t.teardown(() => frozen.close());
  const obs = await observe(b);
  t.teardown(obs.close);
  const station = await connectAs(b, 'SN-0001');
  t.teardown(() => station.endAsync());

  // 16 MB of 4 KB payloads: far more than the frozen subscriber's socket buffers hold.
  const topic = telemetryTopic({ stationId: 'SN-0001', channel: 'occupancy' });
  const filler = 'x'.repeat(4000);
  const started = Date.now();
  for (let batch = 0; batch < 40; batch++) {
    await Promise.all(Array.from({ length: 100 }, (_, i) => station.publishAsync(topic, `${batch * 100 + i}:${filler}`, { qos: 1 })));
  }
  t.log(`4000 acknowledged in ${Date.now() - started} ms; frozen subscriber cut off ${frozen.cutOff} time(s)`);
  t.true(Date.now() - started < 20_000, 'the station was not held up');
  await obs.waitFor((m) => m.text.startsWith('3999:'), 10_000, 'the last message at the healthy subscriber');
  t.is(obs.messages.length, 4000, 'the healthy subscriber got every message');
});
