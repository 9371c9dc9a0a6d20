import test from 'ava';
import { join } from 'node:path';
import type { Browser, Page, Route } from 'playwright-core';
import type { ComplianceSnapshot } from '../../domain/alerts.js';
import { ARTIFACTS, builtWebApp, launchChromium, loginAs as login, pageErrors } from './helpers/browser.js';
import { startHarness, type Harness } from './helpers/dashboard-harness.js';
import { MemoryAlerting } from './helpers/memory-alerting.js';

// What the live-pipeline browser test does not reach (failing in-view reloads), against the committed 600-station registry with alerts and
// compliance snapshots in a known state, so every number on screen can be checked.

const alerting = new MemoryAlerting();
let h: Harness;
let browser: Browser;
let web: ReturnType<typeof builtWebApp>;

test.before(async () => {
  web = builtWebApp();
  h = await startHarness({ alerting, influx: { query: async () => [] }, webDir: web.dir });
  // Per district, its first station fails open-all-year and misses its umbrellas; the others vary.
  const seen = new Map<string, number>();
  for (const s of h.registry.stations) {
    const i = seen.get(s.district) ?? 0;
    seen.set(s.district, i + 1);
    const snapshot: ComplianceSnapshot = {
      stationId: s.id,
      district: s.district,
      today: 0.5 + (i % 5) * 0.1,
      last30Days: 0.9,
      yearToDate: i === 0 ? 0.6 : 0.95,
      failingOpenAllYear: i === 0,
      facility: { percent: i === 0 ? 90 : 100, missing: i === 0 ? ['umbrella'] : [], faulted: [], notReporting: [], unattested: [] },
    };
    alerting.snapshots.push(snapshot);
  }
  browser = await launchChromium();
});

test.after.always(async () => {
  await browser?.close();
  await h?.close();
  web?.remove();
});

const loginAs = (page: Page, username: string): Promise<void> => login(page, h.api.url, username);

/** Answers the next request matching `url` with `fail` (500 or a dropped connection); later ones pass. */
async function failOnce(page: Page, url: RegExp, fail: 'status500' | 'drop'): Promise<void> {
  await page.route(
    url,
    async (route: Route) => {
      if (fail === 'drop') await route.abort('connectionreset');
      else await route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { status: 500, code: 'internal', message: 'internal error' } }) });
    },
    { times: 1 },
  );
}

test.serial('a filter change whose request fails shows the error state in Chinese, hides the stale rows, and retry loads them', async (t) => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors = pageErrors(page);
  await loginAs(page, 'admin');

  await page.goto(`${h.api.url}/#/stations`);
  await page.waitForSelector('#station-rows tr');
  await failOnce(page, /\/api\/stations\?.*district=SB/, 'status500');
  await page.selectOption('section.filters select[name="district"]', 'SB');
  const failed = await page.waitForSelector('#view-error[data-status="500"]');
  t.regex((await failed.textContent()) ?? '', /页面加载失败/);
  // The rows of the previous filter (all districts) must not pass for SB's.
  t.false(await page.isVisible('#station-rows'));
  await page.screenshot({ path: join(ARTIFACTS, '10-stations-reload-failed-zh.png') });
  await page.click('#view-error button.retry');
  await page.waitForSelector('#station-rows tr');
  t.is(await page.$('#view-error'), null);
  const ids = await page.$$eval('#station-rows tr', (rows) => rows.map((r) => r.getAttribute('data-station')!));
  t.true(ids.length > 0 && ids.every((id) => id.startsWith('SB-')), ids.join());
  t.is(await page.textContent('#station-count'), String(h.registry.inDistrict('SB').length));

  // Compliance: the connection drops.
  await page.goto(`${h.api.url}/#/compliance`);
  await page.waitForSelector('#compliance-rows tr');
  await failOnce(page, /\/api\/compliance\?.*failing=true/, 'drop');
  await page.selectOption('select[name="failing"]', 'true');
  t.regex((await (await page.waitForSelector('#view-error[data-status="network"]')).textContent()) ?? '', /无法连接服务器/);
  t.false(await page.isVisible('#compliance-rows'));
  await page.click('#view-error button.retry');
  await page.waitForSelector('#compliance-rows tr');
  t.true((await page.$$eval('#compliance-rows tr', (rows) => rows.every((r) => r.classList.contains('bad')))));

  // Acceptance form, in English: a year switch fails.
  await page.goto(`${h.api.url}/#/acceptance/SN`);
  await page.waitForSelector('#acceptance-form h2');
  await page.click('#lang-toggle');
  await page.waitForSelector('#acceptance-form h2');
  await failOnce(page, /\/api\/acceptance\/SN\?year=2020/, 'status500');
  await page.selectOption('select[name="year"]', '2020');
  t.regex((await (await page.waitForSelector('#view-error[data-status="500"]')).textContent()) ?? '', /could not be loaded/);
  t.false(await page.isVisible('#acceptance-form'));
  await page.click('#view-error button.retry');
  await page.waitForSelector('#acceptance-form h2:has-text("2020")');
  t.is(await page.$('#view-error'), null);

  // Station history: another metric whose query fails.
  await page.goto(`${h.api.url}/#/station/SN-0001`);
  await page.waitForSelector('#station-title');
  await failOnce(page, /\/api\/stations\/SN-0001\/history\?metric=occupancy\.people/, 'status500');
  await page.selectOption('select[name="metric"]', '2');
  t.regex((await (await page.waitForSelector('#view-error[data-status="500"]')).textContent()) ?? '', /could not be loaded/);
  await page.click('#view-error button.retry');
  await page.waitForSelector('#view-error', { state: 'detached' });
  t.true(await page.isVisible('.chart'));
  t.deepEqual(errors, []);
});

test.serial('an answer to an older filter that arrives late does not overwrite the newer one', async (t) => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = pageErrors(page);
  await loginAs(page, 'admin');
  await page.goto(`${h.api.url}/#/stations`);
  await page.waitForSelector('#station-rows tr');
  const slow = /\/api\/stations\?.*district=SN/;
  let released = false;
  await page.route(slow, async (route) => {
    await new Promise((r) => setTimeout(r, 1500));
    released = true;
    await route.continue();
  });
  await page.selectOption('section.filters select[name="district"]', 'SN');
  await page.selectOption('section.filters select[name="district"]', 'SB');
  await page.waitForFunction(() => document.querySelector('#station-rows tr')?.getAttribute('data-station')?.startsWith('SB-'));
  while (!released) await page.waitForTimeout(50);
  await page.waitForTimeout(300);
  const ids = await page.$$eval('#station-rows tr', (rows) => rows.map((r) => r.getAttribute('data-station')!));
  t.true(ids.every((id) => id.startsWith('SB-')), ids.slice(0, 5).join());
  t.deepEqual(errors, []);
});
