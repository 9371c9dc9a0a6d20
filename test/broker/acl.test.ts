import test from 'ava';
import { checkClientId, checkPublish, checkSubscribe, checkWill, filterCoveredBy, type Principal } from '../../broker/acl.js';
import { MAX_PAYLOAD_BYTES } from '../../domain/telemetry.js';
import { TELEMETRY_SUBSCRIPTIONS, commandTopic, telemetryTopic } from '../../domain/topics.js';

const station: Principal = { role: 'station', username: 'SN-0001' };
const ingest: Principal = { role: 'service', username: 'svc-ingest' };
const alerting: Principal = { role: 'service', username: 'svc-alerting' };
const dashboard: Principal = { role: 'service', username: 'svc-dashboard' };

const own = (channel: 'status' | 'service' | 'occupancy' | 'speaker') => telemetryTopic({ stationId: 'SN-0001', channel });
const pub = (topic: string, retain = false, payloadBytes = 100) => ({ topic, retain, payloadBytes });
const reason = (d: { ok: boolean; reason?: string }) => (d.ok ? 'ok' : d.reason);

test('a station publishes only the contract’s telemetry topics under its own prefix, retained or not', (t) => {
  t.is(reason(checkPublish(station, pub(own('status')))), 'ok');
  t.is(reason(checkPublish(station, pub(own('status'), true))), 'ok');
  t.is(reason(checkPublish(station, pub(telemetryTopic({ stationId: 'SN-0001', channel: 'appliance', appliance: 'fridge' }), true))), 'ok');
  for (const topic of [
    'qdyz/v1/SN-0001/debug/x',
    'qdyz/v1/SN-0001/occupancy/extra',
    'qdyz/v1/SN-0001/foo',
    'qdyz/v1/SN-0001/appliance/toaster',
    'qdyz/v1/SN-0001/',
  ]) {
    t.is(reason(checkPublish(station, pub(topic))), 'not_contract_topic', topic);
    t.is(reason(checkPublish(station, pub(topic, true))), 'not_contract_topic', topic);
  }
});

test('topics with ill-formed UTF-8 (decoded to U+FFFD) or U+0000 are refused for everyone, in publishes and filters', (t) => {
  for (const topic of [`${own('status')}\u0000`, 'qdyz/v1/SN-0001/st\uFFFDtus']) {
    t.is(reason(checkPublish(station, pub(topic))), 'invalid_topic');
    t.is(reason(checkPublish(alerting, pub(topic))), 'invalid_topic');
    t.is(reason(checkSubscribe(ingest, topic)), 'invalid_topic');
    t.is(reason(checkSubscribe(station, topic)), 'invalid_topic');
  }
});

test('a station may not publish to another station, its command topic, $SYS or oversized payloads', (t) => {
  t.is(reason(checkPublish(station, pub(telemetryTopic({ stationId: 'SN-0002', channel: 'status' })))), 'foreign_topic');
  t.is(reason(checkPublish(station, pub('qdyz/v1/SN-00012/status'))), 'foreign_topic', 'a longer id sharing the prefix text');
  t.is(reason(checkPublish(station, pub('qdyz/v1/SN-0001'))), 'foreign_topic', 'the bare prefix without a channel');
  t.is(reason(checkPublish(station, pub(commandTopic('SN-0001')))), 'command_topic');
  t.is(reason(checkPublish(station, pub(`${commandTopic('SN-0001')}/reboot`))), 'command_topic');
  t.is(reason(checkPublish(station, pub('$SYS/broker/x'))), 'reserved_topic');
  t.is(reason(checkPublish(station, pub(own('status'), false, MAX_PAYLOAD_BYTES))), 'ok');
  t.is(reason(checkPublish(station, pub(own('status'), false, MAX_PAYLOAD_BYTES + 1))), 'payload_too_large');
});

test('only svc-alerting publishes, and only non-retained commands to station command topics', (t) => {
  t.is(reason(checkPublish(alerting, pub(commandTopic('LS-0042')))), 'ok');
  t.is(reason(checkPublish(alerting, pub(commandTopic('LS-0042'), true))), 'retain_not_allowed');
  t.is(reason(checkPublish(alerting, pub(own('status')))), 'foreign_topic');
  t.is(reason(checkPublish(alerting, pub('qdyz/v1/not-a-station/cmd'))), 'foreign_topic');
  t.is(reason(checkPublish(ingest, pub(commandTopic('SN-0001')))), 'read_only_account');
  t.is(reason(checkPublish(dashboard, pub(own('status')))), 'read_only_account');
});

test('a station subscribes to its own command topic only', (t) => {
  t.is(reason(checkSubscribe(station, commandTopic('SN-0001'))), 'ok');
  t.is(reason(checkSubscribe(station, commandTopic('SN-0002'))), 'not_own_command_topic');
  t.is(reason(checkSubscribe(station, 'qdyz/v1/+/cmd')), 'not_own_command_topic');
  t.is(reason(checkSubscribe(station, '#')), 'not_own_command_topic');
  t.is(reason(checkSubscribe(station, own('status'))), 'not_own_command_topic');
  t.is(reason(checkSubscribe(station, '$SYS/#')), 'reserved_topic');
});

test('services subscribe to telemetry (all of it or any narrower filter) and nothing else', (t) => {
  for (const who of [ingest, alerting, dashboard]) {
    for (const filter of TELEMETRY_SUBSCRIPTIONS) t.is(reason(checkSubscribe(who, filter)), 'ok', `${who.username} ${filter}`);
    t.is(reason(checkSubscribe(who, own('status'))), 'ok');
    t.is(reason(checkSubscribe(who, 'qdyz/v1/SN-0001/appliance/+')), 'ok');
    t.is(reason(checkSubscribe(who, '#')), 'not_telemetry');
    t.is(reason(checkSubscribe(who, 'qdyz/v1/#')), 'not_telemetry');
    t.is(reason(checkSubscribe(who, 'qdyz/v1/+/+')), 'not_telemetry', 'would include command topics');
    t.is(reason(checkSubscribe(who, commandTopic('SN-0001'))), 'not_telemetry');
    t.is(reason(checkSubscribe(who, '$SYS/#')), 'reserved_topic');
    t.is(reason(checkSubscribe(who, '$share/g/qdyz/v1/+/status')), 'reserved_topic');
  }
});

test('filterCoveredBy follows MQTT wildcard semantics', (t) => {
  t.true(filterCoveredBy('a/b/c', 'a/+/c'));
  t.true(filterCoveredBy('a/+/c', 'a/+/c'));
  t.true(filterCoveredBy('a/b/c/d', 'a/#'));
  t.true(filterCoveredBy('a/#', 'a/#'));
  t.false(filterCoveredBy('a/#', 'a/+'));
  t.false(filterCoveredBy('a/+', 'a/b'));
  t.false(filterCoveredBy('a/b', 'a/b/c'));
  t.false(filterCoveredBy('a/b/c', 'a/b'));
  t.false(filterCoveredBy('#', 'a/+/c'));
});

test('client ids: a station uses its id; a service its name or name-instance', (t) => {
  t.is(reason(checkClientId(station, 'SN-0001')), 'ok');
  t.is(reason(checkClientId(station, 'SN-0002')), 'bad_client_id', 'would take over another station session');
  t.is(reason(checkClientId(station, '')), 'bad_client_id');
  t.is(reason(checkClientId(ingest, 'svc-ingest')), 'ok');
  t.is(reason(checkClientId(ingest, 'svc-ingest-2')), 'ok');
  t.is(reason(checkClientId(ingest, 'svc-ingest-')), 'bad_client_id');
  t.is(reason(checkClientId(ingest, 'svc-ingestX')), 'bad_client_id');
  t.is(reason(checkClientId(ingest, 'SN-0001')), 'bad_client_id');
  t.is(reason(checkClientId(ingest, 'svc-alerting')), 'bad_client_id');
});

test('the Last Will of a station must be its own status topic; services have none', (t) => {
  t.is(reason(checkWill(station, { topic: own('status'), payloadBytes: 60 })), 'ok');
  t.is(reason(checkWill(station, { topic: telemetryTopic({ stationId: 'SN-0002', channel: 'status' }), payloadBytes: 60 })), 'will_not_allowed');
  t.is(reason(checkWill(station, { topic: own('service'), payloadBytes: 60 })), 'will_not_allowed');
  t.is(reason(checkWill(station, { topic: own('status'), payloadBytes: MAX_PAYLOAD_BYTES + 1 })), 'payload_too_large');
  t.is(reason(checkWill(ingest, { topic: own('status'), payloadBytes: 60 })), 'will_not_allowed');
});
