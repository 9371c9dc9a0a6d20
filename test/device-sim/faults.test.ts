import test from 'ava';
import { decodeTelemetry, MAX_CLOCK_SKEW_MS } from '../../domain/telemetry.js';
import { isScheduledOpen } from '../../domain/schedule.js';
import { createLogger } from '../../lib/logger.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { FAULT_KINDS, FaultPlanError, parseFaultFlag, parseFaultPlan, resolveFaults, type FaultPlanInput } from '../../device-sim/faults.js';
import { startFleet } from '../../device-sim/fleet.js';
import { hostileMessages } from '../../device-sim/hostile.js';
import { PERFECT_SHARES } from '../../device-sim/model/profile.js';
import { startTestBroker } from '../helpers/broker.js';
import { observe, type Observed } from './observer.js';

const logger = createLogger('device-sim-test', process.env.LOG_LEVEL ?? 'silent');
const registry = loadRegistryFile();
const MIN = 60_000;

// 24 h stations with every appliance the faults need, so "during its hours" is always true.
const stations = registry.stations
  .filter(
    (s) => s.openingHours.type === '24h' && (['fridge', 'microwave', 'water_dispenser', 'ai_speaker'] as const).every((k) => s.equipment[k] === 'telemetry'),
  )
  .slice(0, 10);
const [applianceSt, fridgeSt, speakerSt, closedSt, offlineSt, powerSt, wifiSt, removedSt, hostileSt, calmSt] = stations.map((s) => s.id) as [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
];

const plan: FaultPlanInput = {
  faults: [
    { kind: 'appliance_fault', stations: [applianceSt], appliance: 'microwave', code: 'E21', at: '+30m', for: '40m' },
    { kind: 'fridge_warming', stations: [fridgeSt], at: '+30m' },
    { kind: 'speaker_offline', stations: [speakerSt], at: '+30m', for: '40m' },
    { kind: 'closed_during_hours', stations: [closedSt], at: '+30m', for: '40m' },
    { kind: 'station_offline', stations: [offlineSt], at: '+30m', for: '40m' },
    { kind: 'power_outage', stations: [powerSt], at: '+30m', for: '40m' },
    { kind: 'wifi_drop', stations: [wifiSt], at: '+30m', for: '40m' },
    { kind: 'device_removed', stations: [removedSt], item: 'water_dispenser', at: '+30m' },
    { kind: 'bad_input', stations: [hostileSt], at: '+30m', for: '60m', everyS: 60 },
    { kind: 'reconnect_storm', at: '+150m' },
  ],
};

test('the plan below exercises every fault kind', (t) => {
  t.deepEqual([...new Set(plan.faults.map((f) => f.kind))].sort(), [...FAULT_KINDS].sort());
});

const tsOf = (m: Observed): number | undefined => (typeof m.json?.ts === 'number' ? m.json.ts : undefined);

test('every fault kind of the plan arrives as the telemetry the rules engine needs', async (t) => {
  const b = await startTestBroker({ registry, stationIds: stations.map((s) => s.id) });
  t.teardown(b.close);
  const start = Math.floor((Date.now() - 3 * 60 * MIN) / MIN) * MIN;
  const speed = 1200;
  const faults = resolveFaults(parseFaultPlan(plan), stations, start, 5);
  let fleet: ReturnType<typeof startFleet> | undefined;
  const obs = await observe(b, 'svc-dashboard-faults', () => fleet?.simulatedNow() ?? start);
  t.teardown(obs.close);
  fleet = startFleet({
    registry,
    stations,
    brokerUrl: b.url,
    credentials: b.credentials,
    seed: 5,
    speed,
    start,
    shares: PERFECT_SHARES,
    faults,
    timing: { stepMs: MIN, heartbeatMs: 5 * MIN, sampleMs: 5 * MIN },
    tickMs: 50,
    logger,
  });
  const f = fleet;
  t.teardown(() => f.stop().then(() => undefined));
  await fleet.ready;
  const from = start + 30 * MIN;
  const until = start + 70 * MIN;
  const storm = start + 150 * MIN;
  await obs.waitFor(() => f.simulatedNow() > storm + 10 * MIN, 30_000, 'the end of the scenario');
  await new Promise((r) => setTimeout(r, 500));

  // Appliance fault: the code while it lasts, healthy again afterwards.
  const microwave = obs.of(applianceSt, 'appliance/microwave');
  t.true(
    microwave.some((m) => m.json?.faultCode === 'E21' && m.json.on === false && tsOf(m)! >= from && tsOf(m)! < until),
    'fault code E21 reported',
  );
  t.true(
    microwave.some((m) => m.json?.faultCode === null && tsOf(m)! >= until),
    'healthy again after the fault',
  );
  t.false(microwave.some((m) => m.json?.faultCode === 'E21' && tsOf(m)! >= until + MIN));

  // Fridge warming: temperature climbs out of the 2-6 °C band with no fault code (only the temperature tells).
  const fridge = obs.of(fridgeSt, 'appliance/fridge');
  const before = fridge.filter((m) => tsOf(m)! < from).map((m) => Number(m.json?.tempC));
  t.true(before.length > 0 && before.every((c) => c >= 1.5 && c <= 6.5), `before: ${before.join(',')}`);
  t.true(
    fridge.some((m) => Number(m.json?.tempC) > 8 && m.json?.faultCode === null),
    `max ${Math.max(...fridge.map((m) => Number(m.json?.tempC)))}`,
  );

  // Speaker offline.
  const speaker = obs.of(speakerSt, 'speaker');
  t.true(speaker.some((m) => m.json?.online === false && tsOf(m)! >= from && tsOf(m)! < until));
  t.true(speaker.some((m) => m.json?.online === true && tsOf(m)! >= until));

  // Closed during its hours: open=false while the schedule says open, then open again.
  const closedStation = registry.get(closedSt)!;
  const service = obs.of(closedSt, 'service');
  t.true(service.some((m) => m.json?.open === false && tsOf(m)! >= from && tsOf(m)! < until && isScheduledOpen(closedStation.openingHours, tsOf(m)!)));
  t.true(service.some((m) => m.json?.open === true && tsOf(m)! >= until));

  // Station offline: the broker publishes the Last Will, nothing arrives stamped inside the window, it comes back.
  const lwtDuring = (id: string) =>
    obs
      .of(id, 'status')
      .some((m) => m.json?.online === false && m.json.reason === 'lwt' && m.json.ts === undefined && m.simulatedAt >= from && m.simulatedAt < until);
  t.true(lwtDuring(offlineSt), 'Last Will of the offline station');
  const offlineAll = obs.messages.filter((m) => m.topic.startsWith(`qdyz/v1/${offlineSt}/`));
  t.false(
    offlineAll.some((m) => tsOf(m) !== undefined && tsOf(m)! > from && tsOf(m)! < until),
    'nothing stamped inside the offline window',
  );
  t.true(obs.of(offlineSt, 'status').some((m) => m.json?.online === true && tsOf(m)! >= until));

  // Power outage: Last Will, then a reboot (status reason "boot", uptime reset).
  t.true(lwtDuring(powerSt), 'Last Will of the station without power');
  const boot = obs.of(powerSt, 'status').find((m) => m.json?.reason === 'boot' && tsOf(m)! >= until);
  t.truthy(boot);
  t.true(Number(boot?.json?.uptimeS) < 120);

  // Wi-Fi drop: Last Will, then samples taken during the drop arrive late, after the reconnect.
  t.true(lwtDuring(wifiSt), 'Last Will of the station whose Wi-Fi dropped');
  t.true(
    obs.messages.some((m) => m.topic.startsWith(`qdyz/v1/${wifiSt}/`) && tsOf(m)! > from && tsOf(m)! < until && m.simulatedAt >= until),
    'late samples',
  );
  t.false(
    obs.of(wifiSt, 'status').some((m) => m.json?.online === true && tsOf(m)! > from && tsOf(m)! < until),
    'no heartbeat while the link is down',
  );

  // Required device removed: it simply stops reporting; the station's other appliances carry on.
  t.false(obs.of(removedSt, 'appliance/water_dispenser').some((m) => tsOf(m)! > from));
  t.true(obs.of(removedSt, 'appliance/water_dispenser').some((m) => tsOf(m)! < from));
  t.true(obs.of(removedSt, 'appliance/fridge').some((m) => tsOf(m)! > from));

  // Bad input: each hostile message is rejected by the contract for the reason the rejection counters use,
  // and nothing else the station sent is rejected. Hostile messages are recognised by their payload.
  // The time is left out of the comparison, except whether it is ahead of the clock: a hostile message
  // "from the future" differs from an ordinary occupancy sample in nothing else.
  const now = Date.now();
  const key = (topic: string, text: string): string =>
    `${topic} ${text.replace(/"ts":(\d+)/, (_, ts: string) => (Number(ts) > now + MAX_CLOCK_SKEW_MS ? '"ts":future' : '"ts":past'))}`;
  const expected = new Map(hostileMessages(registry.get(hostileSt)!, now).map((h) => [key(h.topic, h.payload), h.expect]));
  const decoded = obs.messages
    .filter((m) => m.topic.startsWith(`qdyz/v1/${hostileSt}/`))
    .map((m) => ({ m, want: expected.get(key(m.topic, m.text)), d: decodeTelemetry(m.topic, Buffer.from(m.text), registry, now) }));
  const hostile = decoded.filter((x) => x.want !== undefined);
  t.true(hostile.length >= 5, `${hostile.length} hostile messages seen`);
  for (const { m, want, d } of hostile) t.is(d.ok ? 'accepted' : (d.reason as string), want!, m.text.slice(0, 80));
  const otherRejections = decoded.filter((x) => x.want === undefined && !x.d.ok).map((x) => x.m.text.slice(0, 120));
  t.deepEqual(otherRejections, [], 'only the hostile messages are rejected');
  const reasons = new Set(hostile.map((x) => x.want));
  t.true(reasons.size >= 4, [...reasons].join(','));

  // The storm: every station drops and reconnects at once, and reports again.
  t.true(fleet.stats().reconnects >= stations.length);
  t.true(obs.of(calmSt, 'status').some((m) => m.json?.online === true && m.simulatedAt > storm));
  // Drops and the storm lose only what was awaiting its PUBACK at that instant; the hostile station loses
  // more, as the broker disconnects it for its oversized payloads.
  for (const [id, n] of Object.entries(fleet.stats().failedBy)) if (id !== hostileSt) t.true(n <= 10, `${id} lost ${n}`);
});

test('fault plans are validated with every problem named', (t) => {
  const error = t.throws(() =>
    parseFaultPlan({ faults: [{ kind: 'appliance_fault', stations: ['SN-0001'], appliance: 'toaster', code: 'bad code', at: 'soon' }, { kind: 'meteor' }] }),
  );
  t.true(error instanceof FaultPlanError);
  t.regex(error.message, /faults\[0\]\.appliance/);
  t.regex(error.message, /faults\[0\]\.code/);
  t.regex(error.message, /faults\[0\]\.at/);
  t.regex(error.message, /faults\[1\]\.kind/);
  t.throws(() => resolveFaults(parseFaultPlan({ faults: [{ kind: 'speaker_offline', stations: ['SN-9999'] }] }), stations, 0, 1), { message: /SN-9999/ });
  // A fault of a device the station does not report would silently do nothing.
  const first = stations[0]!;
  const noMicrowave = { ...first, equipment: { ...first.equipment, microwave: 'inspection' as const } };
  const fleet = [noMicrowave, ...stations.slice(1)];
  t.throws(
    () => resolveFaults(parseFaultPlan({ faults: [{ kind: 'appliance_fault', stations: [first.id], appliance: 'microwave', code: 'E1' }] }), fleet, 0, 1),
    {
      message: new RegExp(`no microwave reporting telemetry at ${first.id}`),
    },
  );
  t.throws(() => resolveFaults(parseFaultPlan({ faults: [{ kind: 'device_removed', stations: [first.id], item: 'microwave' }] }), fleet, 0, 1), {
    message: /no microwave/,
  });
  const all = resolveFaults(parseFaultPlan({ faults: [{ kind: 'appliance_fault', stations: 'all', appliance: 'microwave', code: 'E1' }] }), fleet, 0, 1);
  t.false(all.byStation.has(first.id), '"all" means every station that has the appliance');
  t.is(all.byStation.size, fleet.length - 1);
  const random = resolveFaults(
    parseFaultPlan({ faults: [{ kind: 'appliance_fault', stations: { random: fleet.length }, appliance: 'microwave', code: 'E1' }] }),
    fleet,
    0,
    1,
  );
  t.false(random.byStation.has(first.id));
  const flag = parseFaultFlag('kind=appliance_fault,stations=SN-0001+SN-0002,appliance=microwave,code=E21,at=+5m,for=30m');
  t.deepEqual(flag, {
    kind: 'appliance_fault',
    stations: ['SN-0001', 'SN-0002'],
    appliance: 'microwave',
    code: 'E21',
    at: { offsetMs: 5 * MIN },
    for: 30 * MIN,
  });
  t.throws(() => parseFaultFlag('kind=wifi_drop,stations'), { instanceOf: FaultPlanError });
});
