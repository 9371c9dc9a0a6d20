import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Registry as Metrics } from 'prom-client';
import { createInfluxStore } from '../../alerting/influx-store.js';
import { parseNotificationConfig } from '../../alerting/notification-config.js';
import { createNotifier } from '../../alerting/notifier.js';
import { loadRulesFile } from '../../alerting/rules-file.js';
import { manualRecords } from '../../alerting/manual-records.js';
import { createAlertingService, type AlertingService } from '../../alerting/service.js';
import { resolveFaults, parseFaultPlan } from '../../device-sim/faults.js';
import { startFleet, type Fleet } from '../../device-sim/fleet.js';
import { indexRegistry } from '../../domain/registry.js';
import { startIngest, type Ingest } from '../../ingest/ingest.js';
import type { Database } from '../../lib/db/database.js';
import { connectInflux, type Influx } from '../../lib/influx/client.js';
import { createLogger } from '../../lib/logger.js';
import { projectPath } from '../../lib/paths.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { tempSqlite } from '../helpers/database.js';
import { withInfluxd } from '../helpers/influxd.js';
import { ARTIFACTS, builtWebApp, launchChromium, loginAs as login, pageErrors } from './helpers/browser.js';
import { startHarness, type Harness } from './helpers/dashboard-harness.js';

// The whole path in real parts, wired as the all-in-one process does: simulator → broker →
// ingest (its telemetry consumer, InfluxDB writer) → alerting service (InfluxDB store) →
// dashboard REST + Socket.IO → the built web app in headless Chromium.

const fixture = withInfluxd(test);
const logger = createLogger('dashboard-browser', process.env.LOG_LEVEL ?? 'silent');
const full = loadRegistryFile();
// A small fleet of two districts keeps the test fast; SB's fault must never reach SN's maintainer.
const registry = indexRegistry(['SN-0001', 'SN-0002', 'SN-0003', 'SB-0001', 'SB-0002', 'SB-0003'].map((id) => full.get(id)!));
const FAULTY = 'SN-0001:appliance_fault';
const FOREIGN = 'SB-0001:appliance_fault';

let broker: TestBroker;
let influx: Influx;
let ingest: Ingest;
let alerting: AlertingService;
let records: Database;
let h: Harness;
let fleet: Fleet | undefined;
let browser: Browser;
let spool: string;
let web: ReturnType<typeof builtWebApp>;

test.serial.before(async () => {
  web = builtWebApp();
  spool = mkdtempSync(join(tmpdir(), 'dash-browser-spool-'));
  broker = await startTestBroker({ registry, logger });
  influx = await connectInflux({ url: fixture.influxd().url, database: fixture.newDatabase('dashweb') }, logger);
  await influx.ensureDatabase();
  const metrics = new Metrics();
  ingest = await startIngest({
    mqttUrl: broker.url,
    username: 'svc-ingest',
    password: broker.credentials['svc-ingest']!,
    clientId: `svc-ingest-${process.pid}`,
    clean: true,
    registry,
    logger,
    metrics,
    influx,
    writer: { spoolDir: join(spool, 'ingest'), flushMs: 200 },
  });
  const consumer = ingest.consumer;
  const rules = loadRulesFile(projectPath('config/rules.json'));
  const store = createInfluxStore({ influx, logger, spoolDir: join(spool, 'alerting') });
  const notifier = createNotifier({ config: parseNotificationConfig({ version: 1 }), groupWaitMs: 1000, logger, metrics });
  records = await tempSqlite();
  alerting = await createAlertingService({ registry, rules, store, records: manualRecords(records.db), notifier, states: consumer.states, logger, metrics });
  consumer.on('telemetry', (message) => alerting.handleTelemetry(message));
  await consumer.ready;
  alerting.start();
  h = await startHarness({ alerting, influx, registry, live: consumer, webDir: web.dir });
  browser = await launchChromium();
});

test.after.always(async () => {
  await browser?.close();
  await fleet?.stop();
  await h?.close();
  await alerting?.close();
  await records?.close();
  await ingest?.close();
  await influx?.close();
  await broker?.close();
  if (spool) rmSync(spool, { recursive: true, force: true });
  web?.remove();
});

const loginAs = (page: Page, username: string): Promise<void> => login(page, h.api.url, username);

test.serial(
  'a maintainer sees only their district, gets a live alert from a simulated fault, acknowledges it, and it stays acknowledged after a reload',
  async (t) => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors = pageErrors(page);
    // Everything the page loads (map included) comes from the dashboard itself: it works offline.
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(h.api.url) && !/^(data|blob):/.test(r.url())) foreign.push(r.url());
    });
    await loginAs(page, 'maint-sn');
    t.deepEqual(await page.$$eval('#district-tiles .tile', (tiles) => tiles.map((el) => el.getAttribute('data-district'))), ['SN']);
    t.regex((await page.textContent('#whoami')) ?? '', /SN/);

    // The fleet starts after the page is up, so the alert can only arrive live over Socket.IO.
    await page.click('#nav-alerts');
    await page.waitForSelector('#alert-list');
    t.is(await page.$(`[data-alert="${FAULTY}"]`), null);
    const plan = parseFaultPlan({
      faults: [
        { kind: 'appliance_fault', stations: ['SN-0001'], appliance: 'microwave', code: 'E3', at: '+4s' },
        { kind: 'appliance_fault', stations: ['SB-0001'], appliance: 'microwave', code: 'E7', at: '+4s' },
      ],
    });
    const start = Date.now();
    fleet = startFleet({
      registry,
      brokerUrl: broker.url,
      credentials: broker.credentials,
      seed: 7,
      speed: 1,
      start,
      timing: { stepMs: 1000, heartbeatMs: 5000, sampleMs: 2000 },
      faults: resolveFaults(plan, registry.stations, start, 7),
      logger,
    });
    await fleet.ready;
    const card = await page.waitForSelector(`[data-alert="${FAULTY}"]`, { timeout: 30_000 });
    t.regex((await card.textContent()) ?? '', /E3/);
    await page.waitForTimeout(1000);
    await page.screenshot({ path: join(ARTIFACTS, '1-live-alert.png') });
    // The SB fault fired too (city staff can see it), but never reached this page.
    t.truthy(alerting.get(FOREIGN));
    t.is(await page.$(`[data-alert="${FOREIGN}"]`), null);
    t.false((await page.textContent('#alert-list'))!.includes('SB-'));

    await page.fill(`[data-alert="${FAULTY}"] input.comment`, '已通知维修人员更换微波炉');
    await page.click(`[data-alert="${FAULTY}"] button.ack`);
    await page.waitForSelector(`[data-alert="${FAULTY}"][data-state="acknowledged"]`);
    t.like(alerting.get(FAULTY), { state: 'acknowledged', acknowledgedBy: 'maint-sn', ackComment: '已通知维修人员更换微波炉' });

    await page.reload();
    const after = await page.waitForSelector(`[data-alert="${FAULTY}"]`);
    t.is(await after.getAttribute('data-state'), 'acknowledged');
    t.regex((await after.textContent()) ?? '', /maint-sn/);
    await page.screenshot({ path: join(ARTIFACTS, '2-acknowledged-after-reload.png') });

    // Station list and overview map of the maintainer: SN only.
    await page.click('#nav-stations');
    await page.waitForSelector('#station-rows tr');
    const ids = await page.$$eval('#station-rows tr', (rows) => rows.map((r) => r.getAttribute('data-station')));
    t.true(ids.length === 3 && ids.every((id) => id!.startsWith('SN-')), ids.join());
    await page.click('#nav-overview');
    await page.waitForSelector('#district-tiles .tile');
    await page.waitForTimeout(800);
    await page.screenshot({ path: join(ARTIFACTS, '3-maintainer-overview.png') });

    // History comes from what the ingest wrote to InfluxDB.
    const token = await h.login('maint-sn');
    const history = await h.get(
      `/api/stations/SN-0001/history?metric=appliance.power_w&appliance=fridge&from=${start - 60_000}&to=${Date.now() + 60_000}&every=1m&agg=max`,
      token,
    );
    t.is(history.status, 200);
    t.true(history.body.points.length >= 1, JSON.stringify(history.body));

    // An inspection recorded on the station page reaches the alerting service (and its store).
    await page.goto(`${h.api.url}/#/station/SN-0001`);
    await page.waitForSelector('#inspections');
    // Each item looked at and chosen (the medical kit broken); one form, one save for every item.
    for (const item of await page.$$eval('#inspection-form tr[data-item]', (els) => els.map((e) => e.getAttribute('data-item')!)))
      await page.click(`#finding-${item}-${item === 'medical_kit' ? 'broken' : 'ok'}`);
    await page.click('#inspection-save');
    await page.waitForFunction(() => document.querySelector('tr[data-item="medical_kit"]')?.textContent?.includes('maint-sn'));
    t.like(
      alerting.attestations('SN-0001').find((a) => a.item === 'medical_kit'),
      { present: true, working: false, by: 'maint-sn' },
    );
    await page.screenshot({ path: join(ARTIFACTS, '4-station-detail.png'), fullPage: true });

    // Station rooms belong to one connection: after the server drops every socket, the page
    // reconnects and joins the station's room again, so its live values keep coming.
    const watching = async (): Promise<number> => (await h.api.io.in('station:SN-0001').fetchSockets()).length;
    t.is(await watching(), 1);
    h.api.io.disconnectSockets(true);
    for (const end = Date.now() + 5000; (await watching()) === 0 && Date.now() < end; ) await page.waitForTimeout(50);
    t.is(await watching(), 1);
    t.deepEqual(errors, []);
    t.deepEqual(foreign, []);
  },
);

test.serial('the wall screen (city viewer) shows every district and switches to English; a phone gets one column', async (t) => {
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await loginAs(page, 'viewer');
  // Every unit of the plan has a tile, built or not; this fleet has stations in SN and SB only.
  t.is((await page.$$('#district-tiles .tile')).length, 12);
  t.regex((await page.textContent('[data-district="SB"]')) ?? '', /\/ 3/);
  // The alerts page renders the cards (the first test left alerts active) but no actions for a viewer.
  await page.click('#nav-alerts');
  await page.waitForSelector(`[data-alert="${FOREIGN}"]`);
  t.is(await page.$('.alert-actions'), null);
  await page.screenshot({ path: join(ARTIFACTS, '5-wall-screen-alerts-zh.png') });
  await page.click('#nav-overview');
  await page.waitForSelector('#district-tiles .tile');
  await page.click('#lang-toggle');
  await page.waitForSelector('#nav-overview');
  t.is((await page.textContent('#nav-overview'))?.trim(), 'Overview');
  await page.waitForTimeout(800);
  await page.screenshot({ path: join(ARTIFACTS, '5-wall-screen-en.png') });
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  await loginAs(phone, 'maint-sn');
  const [tile] = await phone.$$('#district-tiles .tile');
  const box = await tile!.boundingBox();
  t.true(box!.width > 300);
  await phone.screenshot({ path: join(ARTIFACTS, '6-phone.png'), fullPage: true });
});

test.serial('a view that cannot load shows why, in Chinese first, and the app keeps working', async (t) => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = pageErrors(page);
  await loginAs(page, 'maint-sn');
  await page.goto(`${h.api.url}/#/station/SB-0001`);
  const forbidden = await page.waitForSelector('#view-error[data-status="403"]');
  t.regex((await forbidden.textContent()) ?? '', /无权查看/);
  await page.screenshot({ path: join(ARTIFACTS, '7-error-forbidden-zh.png') });
  await page.goto(`${h.api.url}/#/station/SN-0999`);
  t.regex((await (await page.waitForSelector('#view-error[data-status="404"]')).textContent()) ?? '', /未找到/);
  await page.click('#lang-toggle');
  t.regex((await (await page.waitForSelector('#view-error[data-status="404"]')).textContent()) ?? '', /Not found/);
  await page.click('#nav-overview');
  await page.waitForSelector('#district-tiles .tile');
  t.is(await page.$('#view-error'), null);
  t.deepEqual(errors, []);
});
