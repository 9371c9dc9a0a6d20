import type { OpeningHours } from '../../../../domain/schedule.js';
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
import { dailyOpenShare, withGaps, type Point } from '../series-shape.js';
import { alertCard, amapLink } from './alert-card.js';
import { scheduleRequestPanel } from './schedule-requests.js';

interface Metric {
  id: string;
  label: string;
  appliance?: string;
  /** Drawn as steps: a state, not a measurement. */
  step?: boolean;
}

/** The chart's metrics for this station: the common ones, then one per appliance it has (names in words, never ids). */
function metricsOf(equipment: Record<string, string>): Metric[] {
  const has = (item: string): boolean => equipment[item] === 'telemetry';
  const power = (a: string): Metric => ({ id: 'appliance.power_w', label: `${equipmentName(a)} ${t('power')} W`, appliance: a });
  return [
    { id: 'service.open', label: t('open'), step: true },
    { id: 'status.online', label: t('online'), step: true },
    { id: 'occupancy.people', label: t('people') },
    ...(has('fridge') ? [{ id: 'appliance.temp_c', label: `${equipmentName('fridge')} ${t('temp')} ℃`, appliance: 'fridge' }] : []),
    ...['water_dispenser', 'microwave', 'fridge', 'fan', 'air_conditioner', 'power_strip'].filter(has).map(power),
    ...(has('ai_speaker') ? [{ id: 'speaker.wakeups', label: `${equipmentName('ai_speaker')} ${t('wakeups')}` }] : []),
  ];
}

export async function renderStation({ root, user, args }: ViewContext): Promise<View> {
  const id = args[0] ?? '';
  const d = await api.get<StationDetail>(`/api/stations/${encodeURIComponent(id)}`);
  let live: Partial<StationState> = d.live ?? {};
  const liveEl = h('dl', { class: 'live', id: 'live-values' });
  const alertsEl = h('div', { class: 'alert-list' });
  const chartEl = h('div', { class: 'chart' });
  const metrics = metricsOf(d.station.equipment);
  const metric = h(
    'select',
    { name: 'metric', id: 'history-metric' },
    metrics.map((m, i) => h('option', { value: String(i) }, m.label)),
  );
  const range = h(
    'select',
    { name: 'range', id: 'history-range' },
    [
      ['1', '24 h'],
      ['7', '7 d'],
      ['30', '30 d'],
    ].map(([v, l]) => h('option', { value: v! }, l!)),
  );
  const history = reloadable(
    chartEl,
    async () => {
      const m = metrics[Number(metric.value)]!;
      const days = Number(range.value);
      const to = Date.now();
      const from = to - days * 86_400_000;
      const every = days === 1 ? '5m' : days === 7 ? '1h' : '6h';
      const step = { '5m': 300_000, '1h': 3_600_000, '6h': 21_600_000 }[every];
      const qs = new URLSearchParams({ metric: m.id, from: String(from), to: String(to), every });
      if (m.appliance) qs.set('appliance', m.appliance);
      return { m, from, to, step, points: (await api.get<{ points: Point[] }>(`/api/stations/${id}/history?${qs}`)).points };
    },
    ({ m, from, to, step, points }) =>
      chartIn(chartEl).setOption(
        {
          backgroundColor: 'transparent',
          grid: { left: 48, right: 16, top: 24, bottom: 48 },
          tooltip: { trigger: 'axis' },
          xAxis: { type: 'time', min: from, max: to },
          yAxis: { type: 'value', scale: true, name: m.label },
          dataZoom: [{ type: 'inside' }, { type: 'slider', height: 18 }],
          // No sample is a gap (connectNulls off), never a 0: before the first data nothing was watched.
          series: [
            { type: 'line', name: m.label, showSymbol: false, connectNulls: false, step: m.step ? 'end' : undefined, data: withGaps(points, step, from, to) },
          ],
          graphic: points.length ? [] : [{ type: 'text', left: 'center', top: 'middle', style: { text: t('noData'), fill: '#8b949e', fontSize: 16 } }],
        },
        true,
      ),
  );
  const calendarEl = h('div', { class: 'calendar', id: 'open-calendar' });
  const calendar = reloadable(
    calendarEl,
    () => yearOfOpen(id, d.station.openingHours),
    (days) => drawCalendar(calendarEl, days),
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
          // On the road: one tap calls the contact or opens the navigation app, as on an alert card.
          h('dd', {}, d.station.address, ' ', h('a', { class: 'nav', href: amapLink(d.station), target: '_blank', rel: 'noopener' }, `➤ ${t('navigate')}`)),
          h('dt', {}, t('contact')),
          h(
            'dd',
            {},
            `${d.station.responsiblePerson.name} `,
            h('a', { class: 'tel', href: `tel:${d.station.contactPhone.replace(/-/g, '')}` }, `☎ ${d.station.contactPhone}`),
          ),
          h('dt', {}, `${t('today')}/${t('days30')}/${t('ytd')}`),
          h('dd', {}, d.compliance ? `${pct(d.compliance.today)} / ${pct(d.compliance.last30Days)} / ${pct(d.compliance.yearToDate)}` : '—'),
          h('dt', {}, t('facility')),
          h('dd', {}, f ? `${Math.round(f.percent)}%` : '—'),
          f?.missing.length ? [h('dt', {}, t('missing')), h('dd', {}, f.missing.map(equipmentName).join(', '))] : null,
          f?.faulted.length ? [h('dt', {}, t('faulted')), h('dd', { class: 'bad' }, f.faulted.map(equipmentName).join(', '))] : null,
          f?.notReporting.length ? [h('dt', {}, t('notReporting')), h('dd', {}, f.notReporting.map(equipmentName).join(', '))] : null,
          f?.unattested.length ? [h('dt', {}, t('unattested')), h('dd', {}, f.unattested.map(equipmentName).join(', '))] : null,
        ),
      ),
      h('section', { class: 'panel' }, h('h3', {}, t('live')), liveEl),
    ),
    h('section', {}, h('h3', {}, t('alerts')), alertsEl),
    h(
      'section',
      { class: 'panel' },
      h('h3', {}, t('history')),
      h('div', { class: 'filters' }, h('label', {}, `${t('metric')} `, metric), h('label', {}, `${t('range')} `, range)),
      history.el,
    ),
    h('section', { class: 'panel' }, h('h3', {}, t('calendar')), h('p', { class: 'muted' }, t('calendarNote')), calendar.el),
    inspectionPanel(d, user),
    scheduleRequestPanel(d.station.id, user),
  );

  function drawLive(): void {
    const appliances = (live.appliances ?? {}) as Record<
      string,
      { on: boolean; powerW: number; faultCode: string | null; tempC?: number; heating?: boolean; energyWh?: number; openDoors?: number }
    >;
    const speaker = live.speaker as { online: boolean; wakeups: number; at: number } | null | undefined;
    const onOff = (on: boolean): string => (on ? t('on') : t('off'));
    mount(
      liveEl,
      h('dt', {}, t('state')),
      h('dd', { id: 'live-state' }, t(shownState(store.stations.get(id)))),
      h('dt', {}, t('people')),
      h('dd', {}, String(live.people ?? '—')),
      h('dt', {}, equipmentName('wifi')),
      h('dd', {}, live.wifiRssiDbm == null ? '—' : `${live.wifiRssiDbm} dBm`),
      h('dt', {}, t('lastSeen')),
      h('dd', {}, time(live.lastSeen as number | null)),
      Object.entries(appliances).flatMap(([name, a]) => [
        h('dt', { 'data-appliance': name }, equipmentName(name)),
        h(
          'dd',
          { class: a.faultCode ? 'bad' : '' },
          [
            onOff(a.on),
            `${a.powerW} W`,
            a.tempC !== undefined ? `${a.tempC} ℃` : null,
            a.heating ? pick('加热中', 'heating') : null,
            a.energyWh !== undefined ? `${(a.energyWh / 1000).toFixed(1)} kWh` : null,
            a.openDoors !== undefined ? pick(`${a.openDoors} 格未关`, `${a.openDoors} doors open`) : null,
            a.faultCode ? `⚠ ${t('fault')} ${a.faultCode}` : null,
          ]
            .filter(Boolean)
            .join(' · '),
        ),
      ]),
      h('dt', { 'data-appliance': 'ai_speaker' }, equipmentName('ai_speaker')),
      h(
        'dd',
        { id: 'live-speaker', class: speaker && !speaker.online ? 'bad' : '' },
        speaker ? `${speaker.online ? t('online') : `⚠ ${t('offline')}`} · ${t('wakeups')} ${speaker.wakeups} · ${time(speaker.at)}` : t('noData'),
      ),
    );
  }

  const card = {
    name: d.station.name,
    address: d.station.address,
    contactName: d.station.responsiblePerson.name,
    contactPhone: d.station.contactPhone,
    location: d.station.location,
  };
  let shownAlerts: string | null = null;
  function drawAlerts(): void {
    const alerts = [...store.alerts.values()].filter((a) => a.stationId === id);
    const signature = alerts.map((a) => `${a.key}:${a.state}`).join();
    if (signature === shownAlerts) return;
    shownAlerts = signature;
    mount(alertsEl, alerts.length ? alerts.map((a) => alertCard(a, user, card)) : h('p', { class: 'muted' }, t('noAlerts')));
  }

  drawLive();
  drawAlerts();
  void history.load();
  void calendar.load();
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

/** This year's daily open compliance, from hourly service.open in chunks the history API allows (≤ 2000 points each). */
async function yearOfOpen(id: string, hours: OpeningHours): Promise<Array<[string, number | null]>> {
  const to = Date.now();
  const from = Date.UTC(new Date(to + 8 * 3_600_000).getUTCFullYear(), 0, 1) - 8 * 3_600_000;
  const chunk = 1900 * 3_600_000;
  const spans: Array<[number, number]> = [];
  for (let s = from; s < to; s += chunk) spans.push([s, Math.min(s + chunk, to)]);
  const parts = await Promise.all(
    spans.map(([f, e]) =>
      api.get<{ points: Point[] }>(
        `/api/stations/${id}/history?${new URLSearchParams({ metric: 'service.open', from: String(f), to: String(e), every: '1h' })}`,
      ),
    ),
  );
  return dailyOpenShare(
    hours,
    parts.flatMap((p) => p.points),
    from,
    to,
  );
}

function drawCalendar(el: HTMLElement, days: Array<[string, number | null]>): void {
  const year = (days[0]?.[0] ?? new Date().toISOString()).slice(0, 4);
  const narrow = el.clientWidth < 600;
  chartIn(el).setOption(
    {
      backgroundColor: 'transparent',
      tooltip: {
        formatter: (p: { value: [string, number | null] }) =>
          `${p.value[0]}<br>${p.value[1] === null || p.value[1] === undefined ? t('noData') : pct(p.value[1])}`,
      },
      visualMap: {
        seriesIndex: 0,
        min: 0,
        max: 1,
        calculable: false,
        orient: 'horizontal',
        left: 'center',
        bottom: 0,
        itemHeight: narrow ? 120 : 200,
        text: ['100%', '0%'],
        inRange: { color: ['#f85149', '#d29922', '#3fb950'] },
        outOfRange: { color: '#30363d' },
        textStyle: { color: '#c9d1d9' },
      },
      calendar: {
        range: year,
        orient: narrow ? 'vertical' : 'horizontal',
        top: 30,
        left: narrow ? 40 : 40,
        right: 16,
        bottom: 50,
        cellSize: narrow ? [12, 'auto'] : ['auto', 16],
        dayLabel: { nameMap: pick('ZH', 'EN'), firstDay: 1, color: '#8b949e' },
        monthLabel: { nameMap: pick('ZH', 'EN'), color: '#8b949e' },
        yearLabel: { show: false },
        itemStyle: { color: '#161b22', borderColor: '#0d1117' },
        splitLine: { lineStyle: { color: '#30363d' } },
      },
      // A day with scheduled time and no data is its own grey series, never coloured as 0.
      series: [
        { type: 'heatmap', coordinateSystem: 'calendar', data: days.filter(([, v]) => v !== null) },
        {
          type: 'scatter',
          coordinateSystem: 'calendar',
          name: t('noData'),
          symbol: 'rect',
          symbolSize: narrow ? 8 : 10,
          itemStyle: { color: '#484f58' },
          data: days.filter(([, v]) => v === null).map(([date]) => [date, null]),
        },
      ],
    },
    true,
  );
  el.setAttribute('data-days', String(days.length));
  el.setAttribute('data-no-data-days', String(days.filter(([, v]) => v === null).length));
}

type Choice = 'ok' | 'broken' | 'missing';
const CHOICES: readonly Choice[] = ['ok', 'broken', 'missing'];
const findingOf = (a: { present: boolean; working: boolean }): Choice => (!a.present ? 'missing' : a.working ? 'ok' : 'broken');

/**
 * Items only an inspection can vouch for: one form, one save. Each item starts from its latest
 * attestation (nothing chosen where there is none) and counts only once the inspector has chosen
 * or re-chosen it on this visit, so a save without looking attests nothing. The save records an
 * attestation per item through the existing API (one audit entry each).
 */
function inspectionPanel(d: StationDetail, user: User): HTMLElement {
  const latest = new Map<string, StationDetail['attestations'][number]>();
  for (const a of [...d.attestations].sort((x, y) => x.at - y.at)) latest.set(a.item, a);
  const items = Object.entries(d.station.equipment)
    .filter(([, how]) => how === 'inspection')
    .map(([item]) => item);
  const canAct = user.role !== 'city-viewer';
  const findingWord = (f: Choice): string => t(f === 'ok' ? 'working' : f === 'broken' ? 'faulted' : 'missing');
  const said = (a: StationDetail['attestations'][number] | undefined): string =>
    a ? `${t('lastTime')}: ${findingOf(a) === 'ok' ? '✓' : '✗'} ${findingWord(findingOf(a))} · ${a.by} ${time(a.at)}` : t('unattested');
  const rows = items.map((item) => {
    const last = latest.get(item);
    const radios = CHOICES.map((f) =>
      h('input', {
        type: 'radio',
        name: `finding-${item}`,
        id: `finding-${item}-${f}`,
        value: f,
        checked: last !== undefined && findingOf(last) === f,
        disabled: !canAct,
      }),
    );
    const status = h('span', { class: 'muted' }, said(last));
    const pending = h('span', { class: 'pending' }, canAct ? `· ${t('toConfirm')}` : '');
    const tr = h(
      'tr',
      { 'data-item': item, 'data-confirmed': 'false' },
      h('th', { scope: 'row', id: `item-${item}` }, equipmentName(item)),
      h(
        'td',
        { role: 'radiogroup', 'aria-labelledby': `item-${item}` },
        radios.map((r, i) => h('label', { for: r.id }, r, ' ', findingWord(CHOICES[i]!))),
      ),
      h('td', {}, status, ' ', pending),
    );
    const row = {
      item,
      tr,
      status,
      confirmed: false,
      chosen: (): Choice | undefined => radios.find((r) => r.checked)?.value as Choice | undefined,
    };
    // A click (mouse, or Space/arrow keys) on any choice confirms the row, the preselected one included.
    for (const r of radios)
      r.addEventListener('click', () => {
        row.confirmed = true;
        tr.setAttribute('data-confirmed', 'true');
        pending.textContent = '';
      });
    return row;
  });
  const note = h('input', { name: 'inspection-note', id: 'inspection-note', maxlength: 500, class: 'comment' });
  const result = h('span', { class: 'muted', id: 'inspection-result', role: 'status' });
  const submit = h('button', { type: 'submit', class: 'resolve', id: 'inspection-save' }, t('saveInspection'));
  const form = h(
    'form',
    { id: 'inspection-form', novalidate: true },
    h('p', { class: 'muted' }, t('inspectionHint')),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            [t('appliance'), t('finding'), t('inspection')].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          rows.map((r) => r.tr),
        ),
      ),
    ),
    canAct ? h('div', { class: 'filters' }, h('label', { for: 'inspection-note' }, t('note')), note, submit, result) : null,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const open = rows.filter((r) => !r.confirmed || !r.chosen());
    if (open.length > 0) {
      result.textContent = `${t('confirmEach')}: ${open.map((r) => equipmentName(r.item)).join('、')}`;
      result.className = 'error';
      open[0]!.tr.querySelector('input')?.focus();
      return;
    }
    submit.disabled = true;
    result.textContent = '';
    result.className = 'muted';
    void (async () => {
      try {
        // Sequential: a refusal stops the save at the item it names, the ones before it are recorded.
        for (const r of rows) {
          const finding = r.chosen()!;
          const body = {
            stationId: d.station.id,
            item: r.item,
            present: finding !== 'missing',
            working: finding === 'ok',
            ...(note.value.trim() ? { note: note.value.trim() } : {}),
          };
          const a = await api.send<StationDetail['attestations'][number]>('POST', '/api/attestations', body);
          r.status.textContent = said(a);
        }
        result.textContent = `${t('saved')} · ${rows.length} ${t('rows')}`;
      } catch (e) {
        result.textContent = `${t('saveFailed')}: ${(e as Error).message}`;
        result.className = 'error';
      } finally {
        submit.disabled = false;
      }
    })();
  });
  return h('section', { class: 'panel', id: 'inspections' }, h('h3', {}, t('inspection')), form);
}
