import test from 'ava';
import { randomBytes } from 'node:crypto';
import { auditLog } from '../../dashboard-api/audit-log.js';
import { startHarness, type Harness } from './helpers/dashboard-harness.js';
import { MemoryAlerting } from './helpers/memory-alerting.js';

// Inspection visits as records (issue 11 item 3) over the REST API: stored in the database with
// their items and photos, scoped by district, audited, and counted as attestations.

let h: Harness;
let alerting: MemoryAlerting;
test.before(async () => {
  alerting = new MemoryAlerting();
  h = await startHarness({ alerting, influx: { query: async () => [] } });
});
test.after.always(() => h?.close());

const visit = (patch: Record<string, unknown> = {}) => ({
  stationId: 'SN-0001',
  notes: '标识清晰，药箱补齐',
  items: [
    { item: 'medical_kit', present: true, working: true, note: '药品在有效期内' },
    { item: 'umbrellas', present: true, working: false },
    { item: 'signage', present: true, working: true },
    { item: 'street_facing_ground_floor', present: true, working: true },
  ],
  ...patch,
});

test.serial('a maintainer records a visit in their district: items, notes, who and when; equipment items become attestations; audited', async (t) => {
  const sn = await h.login('maint-sn');
  const before = Date.now();
  const r = await h.send('POST', '/api/inspections', visit(), sn);
  t.is(r.status, 200, JSON.stringify(r.body));
  t.like(r.body, { stationId: 'SN-0001', district: 'SN', inspector: 'maint-sn', notes: '标识清晰，药箱补齐', photos: [] });
  t.true(r.body.visitedAt >= before);
  const got = await h.get(`/api/inspections/${r.body.id}`, sn);
  t.deepEqual(got.body.items, [
    { item: 'medical_kit', present: true, working: true, note: '药品在有效期内' },
    { item: 'signage', present: true, working: true },
    { item: 'street_facing_ground_floor', present: true, working: true },
    { item: 'umbrellas', present: true, working: false },
  ]);
  t.deepEqual(
    alerting.attestations('SN-0001').map((a) => [a.item, a.working, a.by, a.at]),
    [
      ['medical_kit', true, 'maint-sn', r.body.visitedAt],
      ['umbrellas', false, 'maint-sn', r.body.visitedAt],
    ],
    'site checks are not equipment: only the two equipment items are attested',
  );
  t.like(
    (await auditLog(h.db).list({ limit: 5 })).find((e) => e.action === 'inspect'),
    { user: 'maint-sn', district: 'SN', target: 'SN-0001', detail: { id: r.body.id, items: 4 } },
  );
});

test.serial('photos are stored with the visit and come back byte for byte; the wrong type, an empty body and a too large photo are refused', async (t) => {
  const sn = await h.login('maint-sn');
  const { body: created } = await h.send(
    'POST',
    '/api/inspections',
    visit({ stationId: 'SN-0002', items: [{ item: 'signage', present: false, working: false }] }),
    sn,
  );
  const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(200_000)]);
  const upload = (body: Buffer | Uint8Array, type: string, token = sn) =>
    fetch(`${h.api.url}/api/inspections/${created.id}/photos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body: new Blob([new Uint8Array(body)]),
    });
  const res = await upload(jpeg, 'image/jpeg');
  t.is(res.status, 200);
  const meta = (await res.json()) as { id: string; size: number; sha256: string; uploadedBy: string };
  t.like(meta, { size: jpeg.length, uploadedBy: 'maint-sn' });
  const back = await fetch(`${h.api.url}/api/inspections/${created.id}/photos/${meta.id}`, { headers: { authorization: `Bearer ${await h.login('viewer')}` } });
  t.is(back.headers.get('content-type'), 'image/jpeg');
  t.true(Buffer.from(await back.arrayBuffer()).equals(jpeg));
  t.deepEqual(
    (await h.get(`/api/inspections/${created.id}`, sn)).body.photos.map((p: { id: string }) => p.id),
    [meta.id],
  );
  t.like(
    (await auditLog(h.db).list({ limit: 5 })).find((e) => e.action === 'inspection_photo'),
    { target: 'SN-0002', detail: { photo: meta.id, sha256: meta.sha256 } },
  );

  t.is((await upload(Buffer.from('<svg/>'), 'image/svg+xml')).status, 400);
  t.is((await upload(new Uint8Array(0), 'image/png')).status, 400);
  t.is((await upload(Buffer.alloc(5 * 1024 * 1024 + 1), 'image/png')).status, 413);
  t.is((await upload(jpeg, 'image/jpeg', await h.login('viewer'))).status, 403, 'a viewer only looks');
  t.is((await upload(jpeg, 'image/jpeg', await h.login('maint-sb'))).status, 403, 'another district');
});

test.serial('districts stay apart; bad visits are 400 with the field named', async (t) => {
  const sn = await h.login('maint-sn');
  const sb = await h.login('maint-sb');
  t.is((await h.send('POST', '/api/inspections', visit({ stationId: 'SB-0001' }), sn)).status, 403);
  const mine = await h.send('POST', '/api/inspections', visit({ stationId: 'SB-0001', items: [{ item: 'sink', present: true, working: true }] }), sb);
  t.is(mine.status, 200);
  t.is((await h.get(`/api/inspections/${mine.body.id}`, sn)).status, 403);
  const listed = (await h.get('/api/inspections', sn)).body as Array<{ district: string }>;
  t.true(listed.length >= 2 && listed.every((i) => i.district === 'SN'));
  t.deepEqual(
    ((await h.get('/api/inspections?district=SB', await h.login('admin'))).body as Array<{ id: string }>).map((i) => i.id),
    [mine.body.id],
  );

  const bad = async (body: unknown, path: RegExp) => {
    const r = await h.send('POST', '/api/inspections', body, sn);
    t.is(r.status, 400, JSON.stringify(r.body));
    t.regex(JSON.stringify(r.body.error.issues), path);
  };
  await bad(visit({ items: [] }), /body\.items/);
  await bad(visit({ items: [{ item: 'fridge', present: true, working: true }] }), /body\.items\.0\.item.*telemetry/);
  await bad(
    visit({
      items: [
        { item: 'sink', present: true, working: true },
        { item: 'sink', present: true, working: true },
      ],
    }),
    /each item once/,
  );
  await bad(visit({ visitedAt: Date.now() + 3_600_000 }), /body\.visitedAt/);
  await bad(visit({ inspector: 'someone-else' }), /inspector/);
  t.is((await h.get('/api/inspections/not-a-uuid', sn)).status, 400);
  t.is((await h.get('/api/inspections/00000000-0000-4000-8000-000000000000', sn)).status, 404);
});
