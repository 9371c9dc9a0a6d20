import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import type { Alert } from '../../domain/alerts.js';
import { createLogger } from '../../lib/logger.js';
import { projectPath } from '../../lib/paths.js';
import { RulesConfigError } from '../../rules/rule-config.js';
import { loadRulesFile } from '../../alerting/rules-file.js';
import { dingtalkSign } from '../../alerting/channels.js';
import { groupEvents, MAX_MARKDOWN_BYTES, renderGroup, type NotificationEvent } from '../../alerting/messages.js';
import { loadNotificationConfig, parseNotificationConfig, NotificationConfigError } from '../../alerting/notification-config.js';
import { backoffMs, createNotifier } from '../../alerting/notifier.js';
import { DINGTALK_SECRET, startHttpReceiver, startSmtpReceiver } from './receivers.js';
import { scratchDir } from '../helpers/scratch-dir.js';

const logger = createLogger('test', 'silent');
const t0 = Date.parse('2026-05-06T09:12:00+08:00');
const alert = (stationId: string, ruleId = 'station_offline', patch: Partial<Alert> = {}): Alert => ({
  key: `${stationId}:${ruleId}`,
  ruleId,
  stationId,
  district: stationId.split('-')[0] as Alert['district'],
  severity: 'critical',
  state: 'firing',
  summaryZh: `某驿站（${stationId}）驿站离线：连接中断`,
  summaryEn: `${stationId} Station offline: connection lost`,
  firstSeen: t0,
  lastSeen: t0,
  escalated: false,
  ...patch,
});
const firing = (a: Alert): NotificationEvent => ({ kind: 'firing', alert: a });

test('fifty alerts of one district make one group per audience and district', (t) => {
  const events = Array.from({ length: 50 }, (_, i) => firing(alert(`SN-${String(i + 1).padStart(4, '0')}`)));
  events.push(firing(alert('SB-0001')), { kind: 'escalated', alert: alert('SN-0001') });
  const groups = groupEvents(events);
  t.deepEqual(groups.map((g) => `${g.audience}:${g.district}:${g.events.length}`).sort(), ['city:SN:1', 'district:SB:1', 'district:SN:50']);
});

test('a message is Chinese first, bilingual, and fits the robots’ size limit', (t) => {
  const events = Array.from({ length: 200 }, (_, i) => firing(alert(`SN-${String(i + 1).padStart(4, '0')}`)));
  const m = renderGroup({ audience: 'district', district: 'SN', events });
  t.regex(m.title, /^【驿站告警】市南区 新告警 200 条/);
  t.true(Buffer.byteLength(m.markdown) <= MAX_MARKDOWN_BYTES);
  t.regex(m.markdown, /另有 \d+ 条 \(\d+ more\)/);
  t.regex(m.markdown, /Station offline/);
  t.regex(m.markdown, /自 05-06 09:12/);
  t.is(m.text.split('\n').filter((l) => l.startsWith('- ')).length, 200, 'e-mail carries every alert');
});

test('the DingTalk signature is the documented HMAC-SHA256 of "timestamp\\nsecret"', (t) => {
  // Known answer computed independently: echo -ne "1700000000000\nSECabc" | openssl dgst -sha256 -hmac SECabc -binary | base64
  t.is(dingtalkSign('SECabc', 1700000000000), 'jcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM=');
});

test('config errors name the field; email needs smtp', (t) => {
  const e = t.throws(
    () =>
      parseNotificationConfig({
        version: 1,
        districts: { SN: [{ type: 'dingtalk', url: 'ftp://x' }], XX: [] },
        city: [{ type: 'email', to: ['not-an-email'] }],
      }),
    {
      instanceOf: NotificationConfigError,
    },
  );
  t.regex(e.message, /districts\.SN\.0\.url/);
  t.regex(e.message, /districts\.SN\.0\.secret/);
  t.regex(e.message, /city\.0\.to\.0/);
  t.regex(e.message, /XX/);
});

test('every channel delivers to its local receiver; other districts get nothing', async (t) => {
  const http = await startHttpReceiver();
  const smtp = await startSmtpReceiver();
  t.teardown(() => Promise.all([http.close(), smtp.close()]));
  const config = parseNotificationConfig({
    version: 1,
    smtp: { host: '127.0.0.1', port: smtp.port, secure: false, from: 'alerts@qdyz.test' },
    retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
    city: [{ type: 'webhook', url: http.url('/hook/city') }],
    districts: {
      SN: [
        { type: 'wecom', url: http.url('/wecom/sn?key=abc') },
        { type: 'dingtalk', url: http.url('/dingtalk/sn?access_token=tok'), secret: DINGTALK_SECRET },
        { type: 'webhook', url: http.url('/hook/sn'), headers: { Authorization: 'Bearer t0k' } },
        { type: 'email', to: ['sn@qdyz.test'] },
      ],
      SB: [{ type: 'webhook', url: http.url('/hook/sb') }],
    },
  });
  const notifier = createNotifier({ config, groupWaitMs: 50, logger, metrics: new Registry() });
  for (let i = 1; i <= 30; i++) notifier.notify([firing(alert(`SN-${String(i).padStart(4, '0')}`))]);
  await notifier.close();
  const paths = http.received.map((r) => r.path).sort();
  t.deepEqual(paths, ['/dingtalk/sn', '/hook/sn', '/wecom/sn'], 'one message per receiver for thirty alerts; SB and city untouched');
  const wecom = http.received.find((r) => r.path === '/wecom/sn')!;
  t.is(wecom.body.msgtype, 'markdown');
  t.regex(wecom.body.markdown.content, /新告警 30 条/);
  t.is(wecom.query.get('key'), 'abc');
  const ding = http.received.find((r) => r.path === '/dingtalk/sn')!;
  t.true(ding.signatureOk);
  t.is(ding.query.get('access_token'), 'tok');
  t.is(ding.body.msgtype, 'markdown');
  t.truthy(ding.body.markdown.title);
  const hook = http.received.find((r) => r.path === '/hook/sn')!;
  t.is(hook.headers.authorization, 'Bearer t0k');
  t.is(hook.body.events.length, 30);
  t.is(hook.body.district, 'SN');
  t.is(smtp.mails.length, 1);
  t.deepEqual(smtp.mails[0]!.to, ['sn@qdyz.test']);
  t.regex(smtp.mails[0]!.raw, /Subject: =\?UTF-8\?/);
});

test('failed deliveries are retried with backoff; a refused one is not', async (t) => {
  t.deepEqual(
    [1, 2, 3, 4, 5].map((n) => backoffMs(n, 100, 1000)),
    [100, 200, 400, 800, 1000],
  );
  const http = await startHttpReceiver();
  t.teardown(() => http.close());
  const config = parseNotificationConfig({
    version: 1,
    retry: { attempts: 4, baseDelayMs: 20, maxDelayMs: 100 },
    districts: { SN: [{ type: 'webhook', url: http.url('/hook/sn') }], SB: [{ type: 'webhook', url: http.url('/hook/sb') }] },
  });
  const metrics = new Registry();
  const notifier = createNotifier({ config, groupWaitMs: 0, logger, metrics });
  http.failNext.push(503, 500);
  notifier.notify([firing(alert('SN-0001'))]);
  await notifier.flush();
  t.is(http.received.filter((r) => r.path === '/hook/sn').length, 3);
  http.failNext.push(400);
  notifier.notify([firing(alert('SB-0001'))]);
  await notifier.flush();
  t.is(http.received.filter((r) => r.path === '/hook/sb').length, 1);
  const text = await metrics.metrics();
  t.regex(text, /alert_notifications_total\{channel="webhook",outcome="retried"\} 2/);
  t.regex(text, /alert_notifications_total\{channel="webhook",outcome="failed"\} 1/);
  await notifier.close();
});

test('a robot answer with a non-zero errcode (DingTalk: bad signature) counts as a failure and is retried', async (t) => {
  const http = await startHttpReceiver();
  t.teardown(() => http.close());
  const config = parseNotificationConfig({
    version: 1,
    retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 10 },
    districts: { SN: [{ type: 'dingtalk', url: http.url('/dingtalk/sn?access_token=x'), secret: 'SECwrong' }] },
  });
  const notifier = createNotifier({ config, groupWaitMs: 0, logger, metrics: new Registry() });
  notifier.notify([firing(alert('SN-0001'))]);
  await notifier.flush();
  t.is(http.received.length, 2, 'bad signature → errcode 310000 → retried, then given up');
  t.false(http.received[0]!.signatureOk);
});

test('config files: a broken file or field is named with its path', (t) => {
  const dir = scratchDir('alerting-config-');
  writeFileSync(join(dir, 'rules.json'), JSON.stringify({ version: 1, rules: { over_capacity: { forS: -1 } } }));
  writeFileSync(join(dir, 'bad.json'), '{ not json');
  t.throws(() => loadRulesFile(join(dir, 'rules.json')), { instanceOf: RulesConfigError, message: /rules\.json: rules\.over_capacity\.forS/ });
  t.throws(() => loadNotificationConfig(join(dir, 'bad.json')), { instanceOf: NotificationConfigError, message: /bad\.json/ });
  t.is(loadRulesFile(projectPath('config/rules.json')).version, 1);
  t.is(Object.keys(loadNotificationConfig(projectPath('config/notifications.example.json')).districts).length, 3);
});

test('a batch the gate refuses (an alerting node that lost the lead) is withheld and counted; one it allows is sent', async (t) => {
  const receiver = await startHttpReceiver();
  t.teardown(() => receiver.close());
  const config = parseNotificationConfig({ version: 1, districts: { SN: [{ type: 'webhook', url: receiver.url('/hook/SN') }] } });
  const metrics = new Registry();
  let leading = false;
  const notifier = createNotifier({ config, groupWaitMs: 0, logger, metrics, beforeSend: async () => leading });
  notifier.notify([firing(alert('SN-0001'))]);
  await notifier.flush();
  t.is(receiver.received.length, 0);
  const withheld = (await metrics.getSingleMetricAsString('alert_notifications_total')).match(/outcome="withheld"\} (\d+)/)?.[1];
  t.is(withheld, '1');
  leading = true;
  notifier.notify([firing(alert('SN-0002'))]);
  await notifier.flush();
  t.deepEqual(
    receiver.received.flatMap((r) => r.body.events.map((e: { alert: { key: string } }) => e.alert.key)),
    ['SN-0002:station_offline'],
  );
  await notifier.close();
});
