import test from 'ava';
import { checkSubscribe } from '../../broker/acl.js';
import { parsePartition, partitionClientId, partitionOf, partitionOfClientId, partitionTopics, stationTelemetryTopics } from '../../domain/partition.js';
import { parseTelemetryTopic } from '../../domain/topics.js';
import { loadRegistryFile } from '../../lib/registry-file.js';

const ids = loadRegistryFile().stations.map((s) => s.id);

test('K workers split the fleet: every station in exactly one share, the shares of similar size', (t) => {
  for (const count of [2, 3, 5]) {
    const shares = Array.from({ length: count }, (_, i) => partitionTopics(ids, { index: i + 1, count }));
    const all = shares.flat();
    t.is(new Set(all).size, all.length, 'no topic in two shares');
    t.is(all.length, ids.length * stationTelemetryTopics(ids[0]!).length, 'every topic of every station in one share');
    const sizes = shares.map((s) => s.length);
    t.true(Math.min(...sizes) > (0.7 * all.length) / count, `shares of ${count}: ${sizes}`);
  }
});

test("a share is exact topics of the contract, which an ingest account may subscribe to, and a station's share does not depend on the registry", (t) => {
  for (const topic of partitionTopics(ids.slice(0, 20), { index: 1, count: 2 })) {
    t.truthy(parseTelemetryTopic(topic), topic);
    t.false(/[+#]/.test(topic));
    t.true(checkSubscribe({ role: 'service', username: 'svc-ingest' }, topic).ok);
  }
  t.is(partitionOf('SN-0042', 3), partitionOf('SN-0042', 3));
  t.deepEqual(partitionTopics(['SN-0042'], { index: partitionOf('SN-0042', 3), count: 3 }), stationTelemetryTopics('SN-0042'));
});

test('k/K is parsed strictly and round-trips through the client id', (t) => {
  t.deepEqual(parsePartition('2/3'), { index: 2, count: 3 });
  for (const bad of ['0/2', '3/2', '1', '1/0', 'a/b', '1/2/3']) t.is(parsePartition(bad), null, bad);
  t.is(partitionClientId('svc-ingest', { index: 2, count: 3 }), 'svc-ingest-2of3');
  t.deepEqual(partitionOfClientId('svc-ingest-2of3'), { index: 2, count: 3 });
  t.is(partitionOfClientId('svc-ingest'), null);
});
