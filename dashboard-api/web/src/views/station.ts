import type { StationState } from '../../../../domain/station-state.js';
import type { StationDetail } from '../../../station-detail.js';
import { api, type User } from '../api.js';
import { chartIn } from '../charts.js';
import { h, mount } from '../dom.js';
import { equipmentName } from '../equipment-names.js';
import { reloadable } from '../error-state.js';
import { pct, pick, t, time } from '../i18n.js';
import { shownState, store, watchStation } from '../live.js';
import type { View, ViewContext } from '../view.js';
import { alertCard } from './alert-card.js';

// Metrics offered in the chart; the API accepts every numeric field of domain/series.ts.
const METRICS: Array<{ id: string; zh: string; en: string; appliance?: string }> = [
  { id: 'service.open', zh: '开放', en: 'Open' },
  { id: 'status.online', zh: '在线', en: 'Online' },
  { id: 'occupancy.people', zh: '人数', en: 'People' },
  { id: 'appliance.power_w', zh: '饮水机功率 W', en: 'Water dispenser W', appliance: 'water_dispenser' },
  { id: 'appliance.temp_c', zh: '冰箱温度 ℃', en: 'Fridge °C', appliance: 'fridge' },
  { id: 'speaker.wakeups', zh: '音箱唤醒', en: 'Speaker wake-ups' },
];

export async function renderStation({ root, user, args }: ViewContext): Promise<View> {
  const id = args[0] ?? '';
  const d = await api.get<StationDetail>(`/api/stations/${encodeURIComponent(id)}`);
  let live: Partial<StationState> = d.live ?? {};
  const liveEl = h('dl', { class: 'live', id: 'live-values' });
  const alertsEl = h('div', { class: 'alert-list' });
  const chartEl = h('div', { class: 'chart' });
  const metric = h('select', { name: 'metric' }, METRICS.map((m, i) => h('option', { value: String(i) }, m.zh === m.en ? m.zh : `${m.zh} / ${m.en}`)));
  const range = h('select', { name: 'range' }, [['1', '24 h'], ['7', '7 d'], ['30', '30 d']].map(([v, l]) => h('option', { value: v! }, l!)));
  const history = reloadable(
    chartEl,
    async () => {
      const m = METRICS[Number(metric.value)]!;
      const days = Number(range.value);
      const to = Date.now();
      const from = to - days * 86_400_000;
      const every = days === 1 ? '5m' : days === 7 ? '1h' : '6h';
      const qs = new URLSearchParams({ metric: m.id, from: String(from), to: String(to), every });
      if (m.appliance) qs.set('appliance', m.appliance);
      return { m, points: (await api.get<{ points: Array<{ t: number; value: number }> }>(`/api/stations/${id}/history?${qs}`)).points };
    },
    ({ m, points }) =>
      chartIn(chartEl).setOption(
        {
          backgroundColor: 'transparent',
          grid: { left: 48, right: 16, top: 24, bottom: 48 },
          tooltip: { trigger: 'axis' },
          xAxis: { type: 'time' },
          yAxis: { type: 'value', scale: true },
          dataZoom: [{ type: 'inside' }, { type: 'slider', height: 18 }],
          series: [{ type: 'line', showSymbol: false, step: m.id.endsWith('open') || m.id.endsWith('online') ? 'end' : undefined, data: points.map((p) => [p.t, p.value]) }],
        },
        true,
      ),
  );
  metric.addEventListener('change', () => void history.load());
  range.addEventListener('change', () => void history.load());
  const f = d.compliance?.facility;

  mount(
    root,
    h('p', {}, h('a', { href: `#/stations/${d.station.district}` }, `← ${t('back2list')}`)),
    h('h2', { id: 'station-title' }, `${d.station.id} ${d.station.name}`),
    h(
      'div',
      { class: 'two-col' },
      h(
        'section',
        { class: 'panel' },
        h(
          'dl',
          {},
          h('dt', {}, t('address')),
          h('dd', {}, d.station.address),
          h('dt', {}, t('contact')),
          h('dd', {}, `${d.station.responsiblePerson.name} ${d.station.contactPhone}`),
          h('dt', {}, `${t('today')}/${t('days30')}/${t('ytd')}`),
          h('dd', {}, d.compliance ? `${pct(d.compliance.today)} / ${pct(d.compliance.last30Days)} / ${pct(d.compliance.yearToDate)}` : '—'),
          h('dt', {}, t('facility')),
          h('dd', {}, f ? `${Math.round(f.percent)}%` : '—'),
          f && f.missing.length ? [h('dt', {}, t('missing')), h('dd', {}, f.missing.map(equipmentName).join(', '))] : null,
          f && f.faulted.length ? [h('dt', {}, t('faulted')), h('dd', { class: 'bad' }, f.faulted.map(equipmentName).join(', '))] : null,
          f && f.notReporting.length ? [h('dt', {}, t('notReporting')), h('dd', {}, f.notReporting.map(equipmentName).join(', '))] : null,
          f && f.unattested.length ? [h('dt', {}, t('unattested')), h('dd', {}, f.unattested.map(equipmentName).join(', '))] : null,
        ),
      ),
      h('section', { class: 'panel' }, h('h3', {}, t('live')), liveEl),
    ),
    h('section', {}, h('h3', {}, t('alerts')), alertsEl),
    h('section', { class: 'panel' }, h('h3', {}, t('history'), ' ', metric, ' ', range), history.el),
    inspectionPanel(d, user),
  );

  function drawLive(): void {
    const appliances = (live.appliances ?? {}) as Record<string, { on: boolean; powerW: number; faultCode: string | null; tempC?: number }>;
    mount(
      liveEl,
      h('dt', {}, t('state')),
      h('dd', { id: 'live-state' }, t(shownState(store.stations.get(id)))),
      h('dt', {}, t('people')),
      h('dd', {}, String(live.people ?? '—')),
      h('dt', {}, 'Wi-Fi'),
      h('dd', {}, live.wifiRssiDbm == null ? '—' : `${live.wifiRssiDbm} dBm`),
      h('dt', {}, t('lastSeen')),
      h('dd', {}, time(live.lastSeen as number | null)),
      Object.entries(appliances).flatMap(([name, a]) => [
        h('dt', {}, name),
        h('dd', { class: a.faultCode ? 'bad' : '' }, `${a.on ? 'ON' : 'off'} ${a.powerW} W${a.tempC !== undefined ? ` ${a.tempC} ℃` : ''}${a.faultCode ? ` ⚠ ${a.faultCode}` : ''}`),
      ]),
    );
  }

  let shownAlerts: string | null = null;
  function drawAlerts(): void {
    const alerts = [...store.alerts.values()].filter((a) => a.stationId === id);
    const signature = alerts.map((a) => `${a.key}:${a.state}`).join();
    if (signature === shownAlerts) return;
    shownAlerts = signature;
    mount(alertsEl, alerts.length ? alerts.map((a) => alertCard(a, user)) : h('p', { class: 'muted' }, t('noAlerts')));
  }

  drawLive();
  drawAlerts();
  void history.load();
  const stop = watchStation(id, (changes) => {
    live = { ...live, ...changes, appliances: { ...((live.appliances as object) ?? {}), ...((changes.appliances as object) ?? {}) } };
    drawLive();
  });
  return {
    refresh() {
      drawLive();
      drawAlerts();
    },
    dispose: stop,
  };
}

/** Items only an inspection can vouch for, with their latest attestation; maintainers and admins record new ones. */
function inspectionPanel(d: StationDetail, user: User): HTMLElement {
  const latest = new Map<string, StationDetail['attestations'][number]>();
  for (const a of [...d.attestations].sort((x, y) => x.at - y.at)) latest.set(a.item, a);
  const items = Object.entries(d.station.equipment).filter(([, how]) => how === 'inspection').map(([item]) => item);
  const canAct = user.role !== 'city-viewer';
  return h(
    'section',
    { class: 'panel', id: 'inspections' },
    h('h3', {}, t('inspection')),
    h(
      'table',
      {},
      h('tbody', {}, items.map((item) => {
        const last = latest.get(item);
        const present = h('input', { type: 'checkbox', checked: last?.present ?? true, name: `present-${item}` });
        const working = h('input', { type: 'checkbox', checked: last?.working ?? true, name: `working-${item}` });
        const status = h('span', { class: 'muted' }, last ? `${last.present && last.working ? '✓' : '✗'} ${last.by} ${time(last.at)}` : t('unattested'));
        const save = async (): Promise<void> => {
          try {
            const a = await api.send<StationDetail['attestations'][number]>('POST', '/api/attestations', { stationId: d.station.id, item, present: present.checked, working: working.checked });
            status.textContent = `${a.present && a.working ? '✓' : '✗'} ${a.by} ${time(a.at)}`;
          } catch (e) {
            status.textContent = (e as Error).message;
          }
        };
        return h(
          'tr',
          {},
          h('td', {}, equipmentName(item)),
          canAct ? h('td', {}, h('label', {}, present, t('present')), ' ', h('label', {}, working, t('working')), ' ', h('button', { onclick: () => void save() }, t('save'))) : null,
          h('td', {}, status),
        );
      })),
    ),
  );
}
