import test from 'ava';
import { EventEmitter, once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { fromMapDatum, tilesCovering, type Tile } from '../../dashboard-api/web/src/map-tiles.js';
import { ARTIFACTS, builtWebApp, launchChromium, loginAs, pageErrors } from './helpers/browser.js';
import { startHarness, type Harness } from './helpers/dashboard-harness.js';
import { MemoryAlerting } from './helpers/memory-alerting.js';
import { outlineBox } from './helpers/outlines.js';

// The optional tile layer end to end: the dashboard configured with DASHBOARD_MAP_TILE_URL
// pointing at a tiny tile server of this test (every tile one magenta PNG; it records what was
// asked), the web app in Chromium. And without the setting: no request leaves the dashboard.

const ATTRIBUTION = '© 测试瓦片 Test tiles';
let web: ReturnType<typeof builtWebApp>;
let browser: Browser;
let tiled: Harness;
let plain: Harness;
let tileServer: Server;
const requested: Tile[] = [];
const asked = new EventEmitter();

test.before(async () => {
  web = builtWebApp();
  browser = await launchChromium();
  // One magenta tile, drawn by Chromium itself (no PNG encoder needed).
  const maker = await browser.newPage();
  const png = Buffer.from(
    await maker.evaluate(() => {
      const c = document.createElement('canvas');
      c.width = c.height = 256;
      const g = c.getContext('2d')!;
      g.fillStyle = '#ff00ff';
      g.fillRect(0, 0, 256, 256);
      return c.toDataURL('image/png').split(',')[1]!;
    }),
    'base64',
  );
  await maker.close();
  tileServer = createServer((req, res) => {
    const m = /^\/tiles\/(\d+)\/(\d+)\/(\d+)\.png$/.exec(req.url ?? '');
    if (!m) return void res.writeHead(404).end();
    requested.push({ z: Number(m[1]), x: Number(m[2]), y: Number(m[3]) });
    asked.emit('tile');
    res.writeHead(200, { 'content-type': 'image/png' }).end(png);
  });
  await new Promise<void>((resolve) => tileServer.listen(0, '127.0.0.1', resolve));
  const port = (tileServer.address() as AddressInfo).port;
  const common = { alerting: new MemoryAlerting(), influx: { query: async () => [] }, webDir: web.dir };
  tiled = await startHarness({
    ...common,
    env: { DASHBOARD_MAP_TILE_URL: `http://127.0.0.1:${port}/tiles/{z}/{x}/{y}.png`, DASHBOARD_MAP_TILE_ATTRIBUTION: ATTRIBUTION },
  });
  plain = await startHarness(common);
});

test.after.always(async () => {
  await browser?.close();
  await tiled?.close();
  await plain?.close();
  tileServer?.close();
  web?.remove();
});

/** Resolves once the tiles asked for satisfy `done`: the tile server's own signal, no polling. */
async function tilesUntil(done: (tiles: Tile[]) => boolean): Promise<void> {
  while (!done(requested)) await once(asked, 'tile');
}

/** Share of the map's pixels that show the magenta tiles (through the outlines' tint), from a screenshot decoded by the page. */
async function tileShare(page: Page, name: string): Promise<number> {
  // Every tile received, then two frames for ECharts to paint them.
  await page.waitForLoadState('networkidle');
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const shot = await page.locator('#station-map').screenshot({ path: join(ARTIFACTS, name) });
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext('2d')!;
    g.drawImage(img, 0, 0);
    const px = g.getImageData(0, 0, c.width, c.height).data;
    let magenta = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i]! > 120 && px[i + 1]! < 90 && px[i + 2]! > 120) magenta++;
    return magenta / (px.length / 4);
  }, shot.toString('base64'));
}

test.serial(
  'with DASHBOARD_MAP_TILE_URL the map asks for the tiles covering Qingdao at a zoom fitting the view, draws them under the outlines, and credits them',
  async (t) => {
    t.like((await tiled.get('/api/map', await tiled.login('admin'))).body, { tiles: { datum: 'WGS-84', attribution: ATTRIBUTION, maxZoom: 18 } });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors = pageErrors(page);
    await loginAs(page, tiled.api.url, 'admin');
    // The whole city in view: every tile of Qingdao's box (WGS-84, the tiles' datum) at the zoom asked for.
    const box = outlineBox();
    const [west, south] = fromMapDatum('WGS-84', [box.west, box.south]);
    const [east, north] = fromMapDatum('WGS-84', [box.east, box.north]);
    const key = (x: Tile): string => `${x.z}/${x.x}/${x.y}`;
    const needed = (z: number): string[] => tilesCovering({ west, south, east, north }, z).map(key);
    await tilesUntil((tiles) => tiles.length > 0 && needed(tiles[0]!.z).every((k) => tiles.some((x) => key(x) === k)));
    const z = requested[0]!.z;
    t.true(
      requested.every((x) => x.z === z),
      'one zoom level for one view',
    );
    // ~900 px of map across the city's ~2.6° of longitude: 256-px tiles at zoom 8-9.
    t.true(z >= 8 && z <= 9, `zoom ${z}`);
    t.true(requested.length <= 30, `${requested.length} tiles: the view's, not the world's`);
    t.log(`zoom ${z}: ${requested.length} tiles, ${needed(z).length} of them Qingdao's`);

    const share = await tileShare(page, 'map-tiles.png');
    t.true(share > 0.3, `tiles show on ${Math.round(share * 100)}% of the map`);
    t.is(await page.textContent('#map-attribution'), ATTRIBUTION);
    // The outlines stay on top: their names are still drawn over the tiles (the caption lists them, the canvas draws them).
    t.is(await page.$$eval('#map-districts .outline-name', (els) => els.length), 10);

    // Zooming in (here from the keyboard list: focusing 市南区 zooms the map to it) asks for deeper tiles of that district.
    const before = requested.length;
    await page.focus('#map-keys a[data-map-district="SN"]');
    const shinan = fromMapDatum('WGS-84', [120.38, 36.07]);
    const underShinan = (x: Tile): boolean =>
      tilesCovering({ west: shinan[0], east: shinan[0], south: shinan[1], north: shinan[1] }, x.z).some((c) => key(c) === key(x));
    await tilesUntil((tiles) => tiles.slice(before).some((x) => x.z > z && underShinan(x)));
    const deeper = requested.slice(before);
    t.true(deeper.every((x) => x.z > z) && new Set(deeper.map((x) => x.z)).size === 1, deeper.map(key).join(' '));
    t.log(`zoomed to 市南区: zoom ${deeper[0]!.z}, ${deeper.length} tiles`);
    t.deepEqual(errors, []);
    await page.close();
  },
);

test.serial('without the setting the map draws the outlines only and no request leaves the dashboard', async (t) => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors = pageErrors(page);
  const urls: string[] = [];
  page.on('request', (r) => urls.push(r.url()));
  const mapSettings = page.waitForResponse((r) => r.url().endsWith('/api/map'));
  await loginAs(page, plain.api.url, 'admin');
  t.deepEqual(await (await mapSettings).json(), { tiles: null });
  t.is(await tileShare(page, 'map-no-tiles.png'), 0);
  t.is(await page.$('#map-attribution'), null);
  const outside = urls.filter((u) => !u.startsWith(plain.api.url) && !u.startsWith('data:'));
  t.deepEqual(outside, []);
  t.deepEqual(errors, []);
  await page.close();
});
