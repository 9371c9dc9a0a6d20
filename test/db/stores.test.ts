import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { manualRecords } from '../../alerting/manual-records.js';
import { alertMirror, FencedError, readAlertState, writeAlertState } from '../../alerting/shared-alerts.js';
import type { StoredTransition } from '../../alerting/store.js';
import type { Alert } from '../../domain/alerts.js';
import { alertFixture } from '../helpers/alert-fixture.js';
import { acceptanceStore } from '../../dashboard-api/acceptance-store.js';
import { auditLog, type AuditEntry } from '../../dashboard-api/audit-log.js';
import { upsertUsers, userStore, type UserRecord } from '../../dashboard-api/auth/users.js';
import { hashPassword, PERSON_SCRYPT_PARAMS } from '../../lib/password-hash.js';
import { inspectionStore } from '../../dashboard-api/inspection-store.js';
import { stationAcceptanceStore } from '../../dashboard-api/station-acceptance-store.js';
import { scheduleRequestStore } from '../../dashboard-api/schedule-request-store.js';
import type { WeekHours } from '../../domain/schedule.js';
import { importDashboardFiles } from '../../dashboard-api/json-import.js';
import { migrate, openDatabase, parseDatabaseUrl, type Database } from '../../lib/db/database.js';
import { createLogger } from '../../lib/logger.js';
import { tempSqlite, withPostgres } from '../helpers/database.js';

// One suite, run against embedded SQLite (a temp file) and a real PostgreSQL 15 started on a free
// loopback port: every store of the shared state behaves the same on both.

const logger = createLogger('test-db', process.env.LOG_LEVEL ?? 'silent');
const pg = withPostgres(test);

type Opener = { name: string; open(t: ExecutionContext): Promise<Database & { url: string }> };
const DIALECTS: Opener[] = [
  {
    name: 'sqlite',
    async open(t) {
      const d = await tempSqlite();
      t.teardown(() => d.close());
      return d;
    },
  },
  {
    name: 'postgres',
    async open(t) {
      const url = await pg.newDatabaseUrl();
      const d = await openDatabase(url, logger);
      t.teardown(() => d.close());
      return { ...d, url };
    },
  },
];

function tempDir(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'qdyz-import-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const entry = (patch: Partial<AuditEntry> = {}): AuditEntry => ({
  at: 1_764_000_000_000,
  user: 'admin',
  role: 'city-admin',
  action: 'acknowledge',
  district: 'SN',
  target: 'SN-0001:station_offline',
  ...patch,
});

test('DATABASE_URL picks the dialect: sqlite paths are relative to the project root', (t) => {
  t.like(parseDatabaseUrl('sqlite:var/platform.db'), { dialect: 'sqlite' });
  t.regex((parseDatabaseUrl('sqlite:var/platform.db') as { file: string }).file, /^\/.+\/var\/platform\.db$/);
  t.deepEqual(parseDatabaseUrl('sqlite:/tmp/x.db'), { dialect: 'sqlite', file: '/tmp/x.db' });
  t.deepEqual(parseDatabaseUrl('postgres://u:p@db:5432/platform'), { dialect: 'postgres', url: 'postgres://u:p@db:5432/platform' });
  t.throws(() => parseDatabaseUrl('mysql://u:secret@db/x'), { message: /sqlite: or postgres:\/\/ \(got mysql:\/\/u:\*\*\*@db\/x\)/ });
});

for (const d of DIALECTS) {
  test(`${d.name}: migrations apply on a fresh database and a re-run (next start) applies none`, async (t) => {
    const database = await d.open(t);
    t.deepEqual(
      (await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(database.db)).rows.map((r) => r.name),
      [
        '0001-shared-state',
        '0002-inspections',
        '0003-self-checks',
        '0004-alert-state',
        '0005-station-acceptances',
        '0006-schedule-requests',
        '0007-alert-versions',
      ],
    );
    const tables = [
      'users',
      'acceptance_scores',
      'audit_log',
      'silences',
      'attestations',
      'imports',
      'inspections',
      'inspection_items',
      'inspection_photos',
      'self_checks',
      'alerts',
      'alerting_fence',
      'station_acceptances',
      'schedule_requests',
    ];
    for (const table of tables) t.is((await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(database.db)).rows.length, 1, table);
    t.deepEqual(await migrate(database.db, database.dialect, logger), [], 'nothing left to apply');
    const again = await openDatabase(database.url, logger);
    t.teardown(() => again.close());
    t.deepEqual(await migrate(again.db, again.dialect, logger), []);
  });

  test(`${d.name}: users: upsert replaces role and password, lookups read the database`, async (t) => {
    const { db } = await d.open(t);
    const users = userStore(db);
    const record: UserRecord = {
      username: 'maint-sn',
      displayName: '市南区维护员',
      role: 'district-maintainer',
      district: 'SN',
      passwordHash: await hashPassword('one', PERSON_SCRYPT_PARAMS),
    };
    await upsertUsers(db, [record], 1);
    t.like(await users.authenticate('maint-sn', 'one'), { role: 'district-maintainer', district: 'SN' });
    t.is(await users.authenticate('maint-sn', 'two'), null);
    await upsertUsers(
      db,
      [{ username: 'maint-sn', displayName: '值班', role: 'city-viewer', passwordHash: await hashPassword('two', PERSON_SCRYPT_PARAMS) } as UserRecord],
      2,
    );
    t.deepEqual(await users.get('maint-sn'), { username: 'maint-sn', displayName: '值班', role: 'city-viewer' });
    t.like(await users.authenticate('maint-sn', 'two'), { role: 'city-viewer' });
    t.is(await users.get('nobody'), undefined);
  });

  test(`${d.name}: acceptance scores: one per district, year and item; a new score replaces the old`, async (t) => {
    const store = acceptanceStore((await d.open(t)).db);
    await store.set('SN', 2019, 1, { score: 8, note: '会议记录', by: 'admin', at: 1 });
    await store.set('SN', 2019, 1, { score: 9.5, note: '补充材料', by: 'admin2', at: 2 });
    await store.set('SN', 2020, 1, { score: 5, note: '', by: 'admin', at: 3 });
    await store.set('SB', 2019, 6, { score: 4, note: '', by: 'admin', at: 4 });
    t.deepEqual([...(await store.forForm('SN', 2019))], [[1, { score: 9.5, note: '补充材料', by: 'admin2', at: 2 }]]);
    t.is((await store.forForm('SN', 2020)).size, 1);
    t.is((await store.forForm('LC', 2019)).size, 0);
  });

  test(`${d.name}: the audit log lists newest first, per district, and the database refuses to change or delete an entry`, async (t) => {
    const { db } = await d.open(t);
    const audit = auditLog(db);
    await audit.append(entry({ at: 1, detail: { comment: '已到场' } }));
    await audit.append(entry({ at: 2, action: 'silence', district: 'SB', target: 'SB-0002' }));
    await audit.append(entry({ at: 3, action: 'acceptance_edit', district: undefined, target: 'SN:2019:item1' }));
    t.deepEqual(
      (await audit.list({ limit: 10 })).map((e) => e.at),
      [3, 2, 1],
    );
    t.deepEqual(await audit.list({ district: 'SN', limit: 10 }), [entry({ at: 1, detail: { comment: '已到场' } })]);
    t.deepEqual(
      (await audit.list({ limit: 1 })).map((e) => e.at),
      [3],
    );
    t.false('detail' in (await audit.list({ limit: 1 }))[0]!);
    // better-sqlite3's errors do not pass ava's instanceof Error check: any: true.
    await t.throwsAsync(db.updateTable('audit_log').set({ username: 'mallory' }).execute(), { any: true, message: /append-only/ });
    await t.throwsAsync(db.deleteFrom('audit_log').execute(), { any: true, message: /append-only/ });
    if (d.name === 'postgres') await t.throwsAsync(sql`TRUNCATE audit_log`.execute(db), { message: /append-only/ });
    t.is((await audit.list({ limit: 10 })).length, 3);
  });

  test(`${d.name}: silences load while running or to come; attestations load from a time on, oldest first`, async (t) => {
    const records = manualRecords((await d.open(t)).db);
    const now = 1_764_000_000_000;
    const a = { id: 's-a', stationId: 'SN-0001', ruleIds: ['fridge_too_warm'], from: now, until: now + 3_600_000, reason: '更换冰箱', createdBy: 'ops' };
    const b = { ...a, id: 's-b', ruleIds: [], until: now + 7_200_000, reason: '整站维护' };
    await records.saveSilence(a);
    await records.saveSilence(b);
    await records.saveSilence({ ...a, id: 's-over', from: now - 7_200_000, until: now - 3_600_000 });
    t.deepEqual(await records.loadSilences(now + 60_000), [a, b]);
    t.deepEqual(await records.loadSilences(now + 3_600_000), [b]);
    const att = { stationId: 'SN-0001', item: 'medical_kit' as const, present: true, working: false, by: '检查员', at: now, note: '药品过期' };
    const first = await records.saveAttestation({ ...att, at: now - 1000, working: true, note: undefined }, 'SN');
    const second = await records.saveAttestation(att, 'SN');
    t.deepEqual(await records.loadAttestations(now), [att]);
    // What another node wrote after the rows already read.
    t.deepEqual(await records.attestationsAfter(first, 0), [{ id: second, attestation: att }]);
    t.deepEqual(await records.attestationsAfter(second, 0), []);
    t.deepEqual(
      (await records.loadAttestations(0)).map((x) => [x.at, x.working, 'note' in x]),
      [
        [now - 1000, true, false],
        [now, false, true],
      ],
    );
  });

  test(`${d.name}: alert state is written under a fencing token; an older token is refused and writes nothing`, async (t) => {
    const { db } = await d.open(t);
    const alert = alertFixture({ summaryZh: '微波炉故障', summaryEn: 'microwave fault', firstSeen: 1_764_000_000_000, lastSeen: 1_764_000_000_000 });
    const fired: StoredTransition = { transition: { alert, from: null, to: 'firing', at: alert.firstSeen }, firedAt: alert.firstSeen };
    await writeAlertState(db, 3, [fired]);
    const acked: StoredTransition = {
      transition: { alert: { ...alert, state: 'acknowledged', acknowledgedBy: 'maint-sn' }, from: 'firing', to: 'acknowledged', at: alert.firstSeen + 1 },
      firedAt: alert.firstSeen,
    };
    // A newer leader (token 4) writes; the old one (token 3) is refused from then on, and its write leaves nothing.
    await writeAlertState(db, 4, [acked]);
    const err = await t.throwsAsync(writeAlertState(db, 3, [fired]));
    t.true(err instanceof FencedError, String(err));
    t.regex(err!.message, /token 3 is older than 4/);
    t.deepEqual(await readAlertState(db, logger), [acked]);
    await writeAlertState(db, 4, [{ ...acked, transition: { ...acked.transition, at: acked.transition.at + 1 } }]);
    t.is((await readAlertState(db, logger))[0]!.transition.at, acked.transition.at + 1, 'the same token writes on');
  });

  test(`${d.name}: a follower's mirror reads only the alert rows written since its last read, and lets resolved ones go after the retention`, async (t) => {
    const { db } = await d.open(t);
    const at = 1_764_000_000_000;
    const stored = (n: number, extra: Partial<Alert> = {}): StoredTransition => {
      const id = `SN-${String(n).padStart(4, '0')}`;
      const alert = alertFixture({
        key: `${id}:offline`,
        ruleId: 'offline',
        stationId: id,
        summaryZh: '离线',
        summaryEn: 'offline',
        firstSeen: at,
        lastSeen: at,
        ...extra,
      });
      return { transition: { alert, from: null, to: alert.state, at: alert.lastSeen }, firedAt: at };
    };
    await writeAlertState(
      db,
      1,
      Array.from({ length: 40 }, (_, n) => stored(n + 1)),
    );
    let now = at + 60_000;
    const mirror = await alertMirror({ db, retentionMs: () => 3_600_000, refreshMs: 3_600_000, logger, clock: () => now });
    t.teardown(() => mirror.close());
    t.is(mirror.list().length, 40);
    t.is(await mirror.refresh(), 0, 'nothing written since: nothing read');
    await writeAlertState(db, 1, [stored(7, { state: 'resolved', resolvedAt: at + 120_000, lastSeen: at + 120_000 }), stored(41)]);
    t.is(await mirror.refresh(), 2, 'only the two rows written');
    t.is(mirror.get('SN-0007:offline')?.state, 'resolved');
    t.is(mirror.list().length, 41);
    now = at + 120_000 + 3_600_001;
    await mirror.refresh();
    t.is(mirror.get('SN-0007:offline'), undefined, 'resolved longer ago than the retention');
    t.is(mirror.list().length, 40);
  });

  test(`${d.name}: station acceptances: a nomination is renewed until decided, then fixed; plaque and subsidy only once accepted`, async (t) => {
    const { db } = await d.open(t);
    const s = stationAcceptanceStore(db);
    const nominate = (note: string) => s.nominate(2021, { stationId: 'SN-0001', district: 'SN', by: 'maint-sn', at: 1, note });
    t.like(await nominate('首次申报'), { nominationNote: '首次申报' });
    t.like(await nominate('补充材料'), { nominationNote: '补充材料' });
    t.is(await s.plaque(2021, 'SN-0001', { name: '市南区香港中路驿站', on: '2021-09-20', by: 'admin' }), null, 'not accepted yet');
    t.like(await s.decide(2021, 'SN-0001', { outcome: 'rectify', rectifyBy: '2021-10-31', note: '缺医药箱', by: 'admin', at: 2 }), {
      result: { outcome: 'rectify', rectifyBy: '2021-10-31' },
    });
    t.is(await nominate('再次申报'), null, 'decided: the nomination is fixed');
    t.false(await s.withdraw(2021, 'SN-0001'));
    await s.decide(2021, 'SN-0001', { outcome: 'accepted', note: '', by: 'admin', at: 3 });
    await s.plaque(2021, 'SN-0001', { name: '市南区香港中路驿站', on: '2021-09-20', by: 'admin' });
    t.like(await s.subsidy(2021, 'SN-0001', { state: 'paid', yuan: 20000, by: 'admin', at: 4 }), {
      result: { outcome: 'accepted' },
      plaque: { name: '市南区香港中路驿站', on: '2021-09-20' },
      subsidy: { state: 'paid', yuan: 20000 },
    });
    t.deepEqual([...(await s.plaqued('SN', 2021))], ['SN-0001']);
    t.deepEqual([...(await s.plaqued('SN', 2020))], []);
    await s.nominate(2021, { stationId: 'SN-0002', district: 'SN', by: 'maint-sn', at: 5, note: '' });
    t.true(await s.withdraw(2021, 'SN-0002'));
    t.deepEqual(
      (await s.list({ year: 2021, district: 'SN' })).map((a) => a.stationId),
      ['SN-0001'],
    );
  });

  test(`${d.name}: inspections keep their items and photos (bytes as uploaded), newest visit first`, async (t) => {
    const store = inspectionStore((await d.open(t)).db);
    const first = await store.create({
      stationId: 'SN-0001',
      district: 'SN',
      inspector: 'maint-sn',
      visitedAt: 10,
      notes: '',
      createdAt: 11,
      items: [{ item: 'signage', present: true, working: true }],
    });
    const second = await store.create({
      stationId: 'SN-0002',
      district: 'SN',
      inspector: 'maint-sn',
      visitedAt: 20,
      notes: '复查',
      createdAt: 21,
      items: [{ item: 'sink', present: true, working: false, note: '漏水' }],
    });
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 256));
    const meta = await store.addPhoto(second.id, { contentType: 'image/png', data: bytes, uploadedBy: 'maint-sn', uploadedAt: 22 });
    t.like(meta, { size: 70_000, contentType: 'image/png' });
    const photo = await store.photo(second.id, meta.id);
    t.true(photo!.data.equals(bytes));
    t.is(await store.photo(first.id, meta.id), undefined, 'a photo belongs to its own visit');
    t.deepEqual((await store.get(second.id))!.items, [{ item: 'sink', present: true, working: false, note: '漏水' }]);
    t.deepEqual((await store.get(second.id))!.photos, [meta]);
    t.deepEqual(
      (await store.list({ district: 'SN', limit: 10 })).map((i) => i.id),
      [second.id, first.id],
    );
    t.deepEqual(
      (await store.list({ stationId: 'SN-0001', limit: 10 })).map((i) => i.id),
      [first.id],
    );
  });

  test(`${d.name}: the JSON files of an existing install are imported once, counted; a torn audit line is skipped`, async (t) => {
    const { db } = await d.open(t);
    const dir = tempDir(t);
    const files = {
      usersFile: join(dir, 'dashboard-users.json'),
      auditFile: join(dir, 'dashboard-audit.jsonl'),
      acceptanceFile: join(dir, 'dashboard-acceptance.json'),
    };
    const users: UserRecord[] = [
      { username: 'admin', displayName: '管理员', role: 'city-admin', passwordHash: await hashPassword('pw-admin', PERSON_SCRYPT_PARAMS) },
      {
        username: 'maint-lc',
        displayName: '李沧区维护员',
        role: 'district-maintainer',
        district: 'LC',
        passwordHash: await hashPassword('pw-lc', PERSON_SCRYPT_PARAMS),
      },
    ];
    writeFileSync(files.usersFile, JSON.stringify({ version: 1, users }));
    writeFileSync(
      files.acceptanceFile,
      JSON.stringify({
        version: 1,
        scores: { 'SN:2019:1': { score: 8, note: '每年召开会议', by: 'admin', at: 5 }, 'LC:2020:9': { score: 9, note: '', by: 'admin', at: 6 } },
      }),
    );
    writeFileSync(
      files.auditFile,
      [entry({ at: 1 }), entry({ at: 2, action: 'resolve', detail: { comment: '已修' } }), entry({ at: 3, district: 'LC', target: 'LC-0001:station_offline' })]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n{"at":4,"us',
    );

    const first = await importDashboardFiles(db, files, logger);
    t.deepEqual(first, { users: { imported: 2, skipped: 0 }, acceptance: { imported: 2, skipped: 0 }, audit: { imported: 3, skipped: 1 } });
    t.like(await userStore(db).authenticate('maint-lc', 'pw-lc'), { district: 'LC' });
    t.deepEqual([...(await acceptanceStore(db).forForm('SN', 2019))], [[1, { score: 8, note: '每年召开会议', by: 'admin', at: 5 }]]);
    t.deepEqual(
      (await auditLog(db).list({ limit: 10 })).map((e) => e.at),
      [3, 2, 1],
      'in file order',
    );
    t.like((await auditLog(db).list({ limit: 10 }))[1], { action: 'resolve', detail: { comment: '已修' } });

    t.deepEqual(await importDashboardFiles(db, files, logger), { users: null, acceptance: null, audit: null }, 'second start: nothing imported again');
    t.is((await auditLog(db).list({ limit: 10 })).length, 3);
    const ledger = await db.selectFrom('imports').selectAll().orderBy('source').execute();
    t.deepEqual(
      ledger.map((r) => [r.source, r.imported, r.skipped]),
      [
        ['acceptance_scores', 2, 0],
        ['audit_log', 3, 1],
        ['users', 2, 0],
      ],
    );
  });

  test(`${d.name}: closure and schedule-change requests: created pending, one decision wins, the alerting service reads the approved`, async (t) => {
    const { db } = await d.open(t);
    const store = scheduleRequestStore(db);
    const at = 1_764_000_000_000;
    const closure = await store.create({
      kind: 'closure',
      stationId: 'SN-0001',
      district: 'SN',
      from: '2026-05-10',
      to: '2026-05-12',
      reason: 'renovation',
      note: '装修',
      by: 'm',
      at,
    });
    const hours = {
      type: 'weekly',
      weekly: { sun: [], mon: [{ open: '08:00', close: '20:00' }], tue: [], wed: [], thu: [], fri: [], sat: [] },
    } satisfies WeekHours;
    const change = await store.create({
      kind: 'schedule',
      stationId: 'SN-0002',
      district: 'SN',
      effectiveFrom: '2026-06-01',
      hours,
      note: '调整',
      by: 'm',
      at,
    });
    t.like(closure, { state: 'pending', kind: 'closure', from: '2026-05-10', to: '2026-05-12', reason: 'renovation', requestedAt: at });
    t.true(change.id > closure.id);
    t.like(change, { kind: 'schedule', hours });
    const [a, b] = await Promise.all([
      store.step(closure.id, 'approve', { by: 'admin', at }),
      store.step(closure.id, 'reject', { by: 'admin', at, note: 'x' }),
    ]);
    t.is([a, b].filter((x) => x !== null).length, 1, 'one decision wins');
    await store.step(change.id, 'approve', { by: 'admin', at: at + 1, note: '同意' });
    t.deepEqual(
      (await store.list({ district: 'SN', states: ['pending', 'approved'] })).map((r) => r.id),
      a ? [change.id, closure.id] : [change.id],
    );
    const approved = await manualRecords(db).approvedScheduleRequests();
    t.like(approved.at(-1), { id: change.id, state: 'approved', effectiveFrom: '2026-06-01', decidedBy: 'admin', decidedAt: at + 1, decisionNote: '同意' });
  });

  test(`${d.name}: a missing file is not claimed (one placed later is imported); a malformed users file stops the start and imports nothing`, async (t) => {
    const { db } = await d.open(t);
    const dir = tempDir(t);
    const files = { usersFile: join(dir, 'u.json'), auditFile: join(dir, 'a.jsonl'), acceptanceFile: join(dir, 's.json') };
    t.deepEqual(await importDashboardFiles(db, files, logger), { users: null, acceptance: null, audit: null });
    writeFileSync(
      files.usersFile,
      JSON.stringify({ version: 1, users: [{ username: 'x1', displayName: 'x', role: 'district-maintainer', passwordHash: 'hunter2' }] }),
    );
    await t.throwsAsync(importDashboardFiles(db, files, logger), { message: /invalid users file/ });
    t.is((await db.selectFrom('imports').selectAll().execute()).length, 0, 'the failed import left no claim');
    writeFileSync(files.auditFile, `${JSON.stringify(entry())}\n`);
    writeFileSync(
      files.usersFile,
      JSON.stringify({
        version: 1,
        users: [{ username: 'admin', displayName: 'A', role: 'city-admin', passwordHash: await hashPassword('x', PERSON_SCRYPT_PARAMS) }],
      }),
    );
    t.like(await importDashboardFiles(db, files, logger), { users: { imported: 1 }, audit: { imported: 1 } });
  });

  // Several nodes share PostgreSQL; SQLite is one process's file (better-sqlite3 is synchronous: two
  // connections in one process would wait on each other with the event loop blocked).
  if (d.name === 'postgres')
    test(`${d.name}: two nodes importing at the same moment import once`, async (t) => {
      const database = await d.open(t);
      const other = await openDatabase(database.url, logger);
      t.teardown(() => other.close());
      const dir = tempDir(t);
      const files = { usersFile: join(dir, 'u.json'), auditFile: join(dir, 'a.jsonl'), acceptanceFile: join(dir, 's.json') };
      writeFileSync(files.auditFile, Array.from({ length: 200 }, (_, i) => JSON.stringify(entry({ at: i }))).join('\n'));
      const results = await Promise.all([importDashboardFiles(database.db, files, logger), importDashboardFiles(other.db, files, logger)]);
      t.deepEqual(results.map((r) => r.audit?.imported ?? 0).sort(), [0, 200]);
      t.is((await auditLog(database.db).list({ limit: 1000 })).length, 200);
    });
}
