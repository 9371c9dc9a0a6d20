import test from 'ava';
import { join } from 'node:path';
import type { Browser, Page, Route } from 'playwright-core';
import type { ComplianceSnapshot } from '../../domain/alerts.js';
import { DISTRICTS, PLAN_YEARS } from '../../domain/districts.js';
import { ARTIFACTS, builtWebApp, launchChromium, loginAs as login, pageErrors } from './helpers/browser.js';
import { startHarness, type Harness } from './helpers/dashboard-harness.js';
import { MemoryAlerting } from './helpers/memory-alerting.js';
import { complianceSnapshot } from '../helpers/compliance-snapshot.js';

// What the live-pipeline browser test does not reach (compliance, acceptance, build progress,
// resolving, failing in-view reloads), against the committed 600-station registry with alerts and
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
    const snapshot: ComplianceSnapshot = complianceSnapshot({
      stationId: s.id,
      district: s.district,
      today: 0.5 + (i % 5) * 0.1,
      last30Days: 0.9,
      yearToDate: i === 0 ? 0.6 : 0.95,
      failingOpenAllYear: i === 0,
      facility: { percent: i === 0 ? 90 : 100, missing: i === 0 ? ['umbrellas'] : [], faulted: [], notReporting: [], unattested: [] },
    });
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
      else
        await route.fulfill({
          status: 500,
          contentType: 'application/json',
          body: JSON.stringify({ error: { status: 500, code: 'internal', message: 'internal error' } }),
        });
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
  t.true(await page.$$eval('#compliance-rows tr', (rows) => rows.every((r) => r.classList.contains('bad'))));

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

test.serial(
  'an export or the printable page whose request fails says why in Chinese or English, leaves no unhandled rejection, and the next try works',
  async (t) => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors = pageErrors(page);
    await loginAs(page, 'admin');

    // Navigation exports on the station list: a 500, then a dropped connection.
    await page.goto(`${h.api.url}/#/stations`);
    await page.waitForSelector('#station-rows tr');
    await failOnce(page, /\/api\/navigation\?format=csv/, 'status500');
    await page.click('button:has-text("阵地导航 CSV")');
    t.is(await (await page.waitForSelector('#export-error[data-status="500"]')).textContent(), '导出失败: 500: internal error');
    await failOnce(page, /\/api\/navigation\?format=geojson/, 'drop');
    await page.click('button:has-text("导出GeoJSON")');
    t.regex((await (await page.waitForSelector('#export-error[data-status="network"]')).textContent()) ?? '', /^导出失败: 无法连接服务器，请检查网络/);
    // The list stays as it was, and a click that succeeds clears the message.
    t.true(await page.isVisible('#station-rows'));
    const download = page.waitForEvent('download');
    await page.click('button:has-text("阵地导航 CSV")');
    t.is((await download).suggestedFilename(), 'navigation.csv');
    await page.waitForSelector('#export-error:empty', { state: 'attached' });

    // Acceptance CSV and the printable page, in English.
    await page.goto(`${h.api.url}/#/acceptance/SN`);
    await page.waitForSelector('#acceptance-form h2');
    await page.click('#lang-toggle');
    await page.waitForSelector('#acceptance-form h2');
    await failOnce(page, /\/api\/acceptance\/SN\?year=\d+&format=csv/, 'status500');
    await page.click('button:has-text("Export CSV")');
    t.is(await (await page.waitForSelector('#export-error[data-status="500"]')).textContent(), 'Export failed: 500: internal error');
    await failOnce(page, /\/api\/acceptance\/SN\?year=\d+&format=html/, 'drop');
    await page.click('button:has-text("Printable")');
    t.regex(
      (await (await page.waitForSelector('#export-error[data-status="network"]')).textContent()) ?? '',
      /^Export failed: Cannot reach the server: check the network/,
    );
    t.true(await page.isVisible('#acceptance-form'));
    await page.screenshot({ path: join(ARTIFACTS, '10b-acceptance-print-failed-en.png') });
    const popup = page.waitForEvent('popup');
    await page.click('button:has-text("Printable")');
    await (await popup).waitForLoadState();
    await page.waitForSelector('#export-error:empty', { state: 'attached' });
    await page.waitForTimeout(300);
    t.deepEqual(errors, []);
  },
);

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
  t.true(
    ids.every((id) => id.startsWith('SB-')),
    ids.slice(0, 5).join(),
  );
  t.deepEqual(errors, []);
});

test.serial(
  'a city admin sees a district in the compliance and acceptance views, scores a manual item that survives a reload, and sees build progress against the plan',
  async (t) => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors = pageErrors(page);
    await loginAs(page, 'admin');
    const sn = h.registry.inDistrict('SN');

    // Compliance of SN: one row per station, with the snapshot's figures.
    await page.click('#nav-compliance');
    await page.waitForSelector('#compliance-rows tr');
    await page.selectOption('select[name="district"]', 'SN');
    // One page of 50 rows, the total named above them.
    await page.waitForFunction(
      (n) =>
        document.querySelectorAll('#compliance-rows tr').length === Math.min(50, n) &&
        document.querySelector('#compliance-count')?.textContent === String(n) &&
        [...document.querySelectorAll('#compliance-rows tr')].every((r) => r.getAttribute('data-station')!.startsWith('SN-')),
      sn.length,
    );
    const failing = alerting.snapshots.find((c) => c.district === 'SN' && c.failingOpenAllYear)!;
    const row = await page.$$eval(`#compliance-rows tr[data-station="${failing.stationId}"] td`, (tds) => tds.map((td) => td.textContent));
    t.deepEqual(row, [
      `${failing.stationId} ${h.registry.get(failing.stationId)!.name} ⚠ 未达标`,
      `${Math.round(failing.today! * 100)}%`,
      '90%',
      '60%',
      '90%',
      '缺少：雨伞',
    ]);
    t.true(await page.$eval(`#compliance-rows tr[data-station="${failing.stationId}"]`, (r) => r.classList.contains('bad')));
    await page.screenshot({ path: join(ARTIFACTS, '11-compliance-sn.png') });

    // Acceptance form (附件2) of SN: the evidenced items carry scores and evidence.
    await page.click('#nav-acceptance');
    await page.waitForSelector('#acceptance-form h2');
    // The form opens on the current year (forms exist for every year with stations).
    t.regex((await page.textContent('#acceptance-form h2')) ?? '', new RegExp(`^市南区 ${new Date().getFullYear()} — 合计 [\\d.]+ / 100$`));
    // Beside it, the cycle: the self-check's state and due date (before July).
    t.regex((await (await page.waitForSelector('#acceptance-cycle [data-state]')).textContent()) ?? '', /状态: 草稿/);
    const token = await h.login('admin');
    const form = (await h.get('/api/acceptance/SN', token)).body;
    for (const item of form.items.filter((i: { auto: boolean }) => i.auto)) {
      const cells = await page.$$eval(`tr[data-item="${item.no}"] td`, (tds) => tds.map((td) => td.textContent ?? ''));
      t.true(cells[3]!.startsWith(String(item.score)) && /\d/.test(cells[4]!), `item ${item.no}: ${cells.join(' | ')}`);
    }
    const total = (): Promise<number> => page.$eval('#acceptance-form h2', (el) => Number(/合计 ([\d.]+)/.exec(el.textContent!)![1]));
    const before = await total();
    await page.fill('input[name="score-1"]', '8');
    await page.fill('input[name="note-1"]', '已召开年度部署会议，负责人明确');
    await page.click('tr[data-item="1"] button');
    await page.waitForFunction(() => document.querySelector('tr[data-item="1"]')?.textContent?.includes('admin'));
    t.is(await total(), before + 8);
    await page.reload();
    await page.waitForSelector('#acceptance-form h2');
    t.is(await page.inputValue('input[name="score-1"]'), '8');
    t.is(await page.inputValue('input[name="note-1"]'), '已召开年度部署会议，负责人明确');
    t.is(await total(), before + 8);
    t.like((await h.get('/api/acceptance/SN', token)).body.items[0], { no: 1, score: 8, by: 'admin' });
    await page.screenshot({ path: join(ARTIFACTS, '12-acceptance-sn.png'), fullPage: true });

    // Build progress: every district's stations built per plan year against its target.
    await page.click('#nav-progress');
    await page.waitForSelector('tr[data-district="SN"]');
    for (const d of DISTRICTS) {
      const cells = await page.$$eval(`tr[data-district="${d.code}"] td[data-year]`, (tds) => tds.map((td) => [td.getAttribute('data-year'), td.textContent]));
      t.deepEqual(
        cells,
        PLAN_YEARS.map((y) => [String(y), `${h.registry.inDistrict(d.code).filter((s) => s.yearBuilt === y).length} / ${d.targets[y] ?? '—'}`]),
        d.code,
      );
    }
    t.is((await page.$$('tr[data-district]')).length, DISTRICTS.length);
    t.regex((await page.textContent('.tiles')) ?? '', /全市 2019/);
    t.truthy(await page.$('.chart canvas'));
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(ARTIFACTS, '13-progress.png'), fullPage: true });
    t.deepEqual(errors, []);
  },
);

test.serial('saving a manual acceptance item with an empty score asks for one instead of recording 0 points', async (t) => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = pageErrors(page);
  await loginAs(page, 'admin');
  await page.goto(`${h.api.url}/#/acceptance/SB`);
  await page.waitForSelector('tr[data-item="6"] input[name="note-6"]');
  await page.fill('input[name="note-6"]', '资金渠道待核实');
  await page.click('tr[data-item="6"] button');
  t.is(await page.textContent('tr[data-item="6"] .error'), '请先填写得分');
  await page.waitForTimeout(300);
  t.like((await h.get('/api/acceptance/SB', await h.login('admin'))).body.items[5], { no: 6, score: null });
  t.is((await h.get('/api/audit?district=SB', await h.login('admin'))).body.filter((e: { action: string }) => e.action === 'acceptance_edit').length, 0);
  t.deepEqual(errors, []);
});

test.serial(
  'a manual acceptance item saved just before a district switch is recorded, but its late answer does not redraw the old district over the new one',
  async (t) => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors = pageErrors(page);
    await loginAs(page, 'admin');
    await page.goto(`${h.api.url}/#/acceptance/LS`);
    await page.waitForSelector('#acceptance-form h2:has-text("崂山区")');
    // The server records the save at once; its answer reaches the page 1.5 s later.
    await page.route(/\/api\/acceptance\/LS\/items\/1\?/, async (route) => {
      const response = await route.fetch();
      await new Promise((r) => setTimeout(r, 1500));
      await route.fulfill({ response });
    });
    const answered = page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().includes('/api/acceptance/LS/items/1'));
    await page.fill('input[name="score-1"]', '7');
    await page.fill('input[name="note-1"]', '崂山区年度部署会议');
    await page.click('tr[data-item="1"] button');
    await page.selectOption('select[name="district"]', 'SB');
    await page.waitForSelector('#acceptance-form h2:has-text("市北区")');
    await answered;
    await page.waitForTimeout(500);
    t.regex((await page.textContent('#acceptance-form h2')) ?? '', /^市北区 /);
    t.is(await page.inputValue('select[name="district"]'), 'SB');
    t.is(await page.inputValue('input[name="score-1"]'), '');
    t.is(await page.inputValue('input[name="note-1"]'), '');
    // The save itself was not lost: LS shows it when picked again.
    t.like((await h.get('/api/acceptance/LS', await h.login('admin'))).body.items[0], { no: 1, score: 7, by: 'admin' });
    await page.selectOption('select[name="district"]', 'LS');
    await page.waitForSelector('#acceptance-form h2:has-text("崂山区")');
    t.is(await page.inputValue('input[name="score-1"]'), '7');
    t.deepEqual(errors, []);
  },
);

test.serial('a maintainer resolves an alert: it leaves the active list and is listed as resolved, also after a reload', async (t) => {
  const now = Date.now();
  const mine = alerting.fire({
    ruleId: 'appliance_fault',
    stationId: 'SN-0002',
    district: 'SN',
    severity: 'major',
    summaryZh: '微波炉故障 E3',
    summaryEn: 'Microwave fault E3',
    firstSeen: now - 60_000,
  });
  const foreign = alerting.fire({
    ruleId: 'appliance_fault',
    stationId: 'SB-0002',
    district: 'SB',
    severity: 'major',
    summaryZh: '微波炉故障 E7',
    summaryEn: 'Microwave fault E7',
    firstSeen: now - 60_000,
  });
  // Resolved in SB too: the maintainer's resolved list is scoped like the active one.
  t.is((await h.send('POST', `/api/alerts/${foreign.key}/resolve`, {}, await h.login('admin'))).status, 200);

  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors = pageErrors(page);
  await loginAs(page, 'maint-sn');
  await page.click('#nav-alerts');
  await page.waitForSelector(`#alert-list [data-alert="${mine.key}"][data-state="firing"]`);
  t.is(await page.$(`#resolved-list [data-alert="${mine.key}"]`), null);
  await page.fill(`#alert-list [data-alert="${mine.key}"] input.comment`, '已更换微波炉');
  await page.click(`#alert-list [data-alert="${mine.key}"] button.resolve`);
  await page.waitForSelector(`#resolved-list [data-alert="${mine.key}"][data-state="resolved"]`);
  await page.waitForSelector(`#alert-list [data-alert="${mine.key}"]`, { state: 'detached' });
  t.like(alerting.get(mine.key), { state: 'resolved', resolvedBy: 'maint-sn', resolveComment: '已更换微波炉' });

  await page.reload();
  const resolved = await page.waitForSelector(`#resolved-list [data-alert="${mine.key}"][data-state="resolved"]`);
  t.regex((await resolved.textContent()) ?? '', /已解决: maint-sn “已更换微波炉”/);
  t.is(await resolved.$('.alert-actions'), null);
  t.is(await page.$(`#alert-list [data-alert="${mine.key}"]`), null);
  t.regex((await page.textContent('#alert-list')) ?? '', /暂无告警/);
  t.is(await page.$(`[data-alert="${foreign.key}"]`), null);
  await page.screenshot({ path: join(ARTIFACTS, '14-resolved-after-reload.png') });
  t.deepEqual(errors, []);
});
