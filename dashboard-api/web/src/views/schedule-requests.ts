import { weeklyHours, WEEKDAYS, type WeekHours } from '../../../../domain/schedule.js';
import { CLOSURE_REASON_ZH, CLOSURE_REASONS, type ClosureReason } from '../../../../domain/schedule-requests.js';
import type { ScheduleRequestRow } from '../../../routes/schedule-request-routes.js';
import { api, type User } from '../api.js';
import { h, mount } from '../dom.js';
import { pick, time } from '../i18n.js';
import type { View, ViewContext } from '../view.js';

// Declared closures and schedule changes (issue 11 item 4): on a station's page its requests, and
// for its district maintainer a form to ask; on the requests page city staff approve or reject the
// pending ones with a note, a maintainer follows their district's and withdraws their own.

const STATE: Record<ScheduleRequestRow['state'], [string, string]> = {
  pending: ['待审批', 'pending'],
  approved: ['已批准', 'approved'],
  rejected: ['已驳回', 'rejected'],
  withdrawn: ['已撤回', 'withdrawn'],
};
const REASON_EN: Record<ClosureReason, string> = { renovation: 'renovation', power_cut: 'power cut', holiday: 'holiday', other: 'other' };

/** What a request asks, in words. */
function asked(r: ScheduleRequestRow): string {
  if (r.kind === 'closure')
    return pick(`申报闭站 ${r.from} 至 ${r.to}（${CLOSURE_REASON_ZH[r.reason!]}）`, `closed ${r.from} to ${r.to} (${REASON_EN[r.reason!]})`);
  const hours = weeklyHours(r.hours as WeekHours);
  return pick(`${r.effectiveFrom} 起调整开放时间（每周 ${hours} 小时）`, `new hours from ${r.effectiveFrom} (${hours} h a week)`);
}

/** One table of requests; `actions` adds the buttons a row allows this user. */
function requestTable(rows: ScheduleRequestRow[], id: string, actions: (r: ScheduleRequestRow) => Node | null, withStation: boolean): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'muted', id }, pick('暂无申请', 'No requests'));
  const head = [
    withStation ? pick('驿站', 'Station') : null,
    pick('申请内容', 'Request'),
    pick('说明', 'Note'),
    pick('申请人', 'Requested by'),
    pick('状态', 'State'),
    pick('操作', 'Action'),
  ].filter((c): c is string => c !== null);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { id },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          head.map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((r) =>
          h(
            'tr',
            { 'data-request': r.id, 'data-state': r.state },
            withStation ? h('td', {}, h('a', { href: `#/station/${r.stationId}` }, `${r.stationId} ${r.name}`)) : null,
            h('td', {}, asked(r)),
            h('td', {}, r.note),
            h('td', {}, `${r.requestedBy} ${time(r.requestedAt)}`),
            h('td', {}, pick(...STATE[r.state]), r.decidedBy ? ` · ${r.decidedBy} ${time(r.decidedAt)}` : '', r.decisionNote ? ` · ${r.decisionNote}` : ''),
            h('td', {}, actions(r)),
          ),
        ),
      ),
    ),
  );
}

/** A labelled input: the label names it for screen readers too. */
const field = (id: string, label: string, input: HTMLElement): HTMLElement => h('label', { for: id, class: 'field' }, `${label} `, input);

/** The station page's panel: its requests, and the maintainer's form. */
export function scheduleRequestPanel(stationId: string, user: User): HTMLElement {
  const listEl = h('div', {});
  const err = h('p', { class: 'error', role: 'alert', id: 'schedule-request-error' });
  const done = h('p', { class: 'muted', role: 'status', id: 'schedule-request-result' });
  const withdraw = (r: ScheduleRequestRow): Node | null =>
    r.state === 'pending' && r.requestedBy === user.username
      ? h('button', { type: 'button', onclick: () => void step(r.id, 'withdraw', {}) }, pick('撤回', 'Withdraw'))
      : null;
  async function load(): Promise<void> {
    const rows = await api.get<ScheduleRequestRow[]>(`/api/schedule-requests?stationId=${encodeURIComponent(stationId)}`);
    mount(listEl, requestTable(rows, 'station-schedule-requests', withdraw, false));
  }
  async function step(id: number, name: string, body: unknown): Promise<void> {
    try {
      await api.send('POST', `/api/schedule-requests/${id}/${name}`, body);
      await load();
    } catch (e) {
      err.textContent = (e as Error).message;
    }
  }
  const section = h(
    'section',
    { class: 'panel', id: 'schedule-request-panel' },
    h('h3', {}, pick('闭站与开放时间申请', 'Closures and schedule changes')),
    listEl,
  );
  void load().catch((e: unknown) => (err.textContent = (e as Error).message));
  if (user.role === 'district-maintainer') section.append(requestForm(stationId, load, err, done));
  section.append(err, done);
  return section;
}

function requestForm(stationId: string, reload: () => Promise<void>, err: HTMLElement, done: HTMLElement): HTMLElement {
  const input = (id: string, attrs: Record<string, string | boolean>) => h('input', { id, name: id, ...attrs });
  const kind = h(
    'select',
    { id: 'request-kind', name: 'request-kind' },
    h('option', { value: 'closure' }, pick('申报闭站', 'Declared closure')),
    h('option', { value: 'schedule' }, pick('调整开放时间', 'Schedule change')),
  );
  const from = input('closure-from', { type: 'date', required: true });
  const to = input('closure-to', { type: 'date', required: true });
  const reason = h(
    'select',
    { id: 'closure-reason', name: 'closure-reason' },
    CLOSURE_REASONS.map((r) => h('option', { value: r }, pick(CLOSURE_REASON_ZH[r], REASON_EN[r]))),
  );
  const effective = input('schedule-from', { type: 'date', required: true });
  const allDay = input('schedule-24h', { type: 'checkbox' });
  const open = input('schedule-open', { type: 'time', value: '08:00' });
  const close = input('schedule-close', { type: 'time', value: '20:00' });
  const note = input('request-note', { maxlength: '500', required: true });
  const closure = h(
    'fieldset',
    { id: 'closure-fields' },
    h('legend', {}, pick('闭站日期', 'Closed days')),
    field('closure-from', pick('开始日期', 'From'), from),
    field('closure-to', pick('结束日期', 'To'), to),
    field('closure-reason', pick('原因', 'Reason'), reason),
  );
  const schedule = h(
    'fieldset',
    { id: 'schedule-fields', hidden: true },
    h('legend', {}, pick('新开放时间（每天相同）', 'New hours (every day)')),
    field('schedule-from', pick('生效日期', 'Effective from'), effective),
    field('schedule-24h', pick('全天24小时', 'Open 24 h'), allDay),
    field('schedule-open', pick('开门时间', 'Opens'), open),
    field('schedule-close', pick('关门时间', 'Closes'), close),
  );
  kind.addEventListener('change', () => {
    closure.hidden = kind.value !== 'closure';
    schedule.hidden = kind.value !== 'schedule';
  });
  const body = (): Record<string, unknown> => {
    if (kind.value === 'closure') return { kind: 'closure', stationId, from: from.value, to: to.value, reason: reason.value, note: note.value };
    const hours: WeekHours = allDay.checked
      ? { type: '24h' }
      : { type: 'weekly', weekly: Object.fromEntries(WEEKDAYS.map((d) => [d, [{ open: open.value, close: close.value }]])) as never };
    return { kind: 'schedule', stationId, effectiveFrom: effective.value, hours, note: note.value };
  };
  return h(
    'form',
    {
      id: 'schedule-request-form',
      novalidate: true,
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        err.textContent = '';
        done.textContent = '';
        void api
          .send<ScheduleRequestRow>('POST', '/api/schedule-requests', body())
          .then(async (r) => {
            done.textContent = pick(`已提交，待市总工会审批（#${r.id}）`, `Submitted for approval (#${r.id})`);
            await reload();
          })
          .catch((e: unknown) => (err.textContent = (e as Error).message));
      },
    },
    h('h4', {}, pick('提出申请（市总工会审批）', 'Request (approved by city staff)')),
    field('request-kind', pick('申请类型', 'Kind'), kind),
    closure,
    schedule,
    field('request-note', pick('说明', 'Note'), note),
    h('button', { type: 'submit', id: 'schedule-request-submit' }, pick('提交申请', 'Submit')),
  );
}

/** The requests page: pending first; city staff decide, a maintainer sees their district's. */
export async function renderScheduleRequests({ root, user }: ViewContext): Promise<View> {
  const err = h('p', { class: 'error', role: 'alert', id: 'schedule-decision-error' });
  const listEl = h('div', {});
  const state = h(
    'select',
    { id: 'request-state', name: 'request-state' },
    h('option', { value: 'pending' }, pick('待审批', 'Pending')),
    h('option', { value: '' }, pick('全部', 'All')),
  );
  const decide = (r: ScheduleRequestRow): Node | null => {
    if (r.state !== 'pending') return null;
    if (user.role === 'district-maintainer')
      return r.requestedBy === user.username ? h('button', { type: 'button', onclick: () => void step(r.id, 'withdraw', {}) }, pick('撤回', 'Withdraw')) : null;
    if (user.role !== 'city-admin') return null;
    const noteId = `decision-note-${r.id}`;
    const note = h('input', { id: noteId, name: noteId, maxlength: 500 });
    return h(
      'div',
      { class: 'decision' },
      field(noteId, pick('审批意见', 'Note'), note),
      h(
        'button',
        { type: 'button', class: 'resolve', onclick: () => void step(r.id, 'approve', note.value ? { note: note.value } : {}) },
        pick('批准', 'Approve'),
      ),
      h('button', { type: 'button', onclick: () => void step(r.id, 'reject', { note: note.value }) }, pick('驳回', 'Reject')),
    );
  };
  async function load(): Promise<void> {
    const rows = await api.get<ScheduleRequestRow[]>(`/api/schedule-requests${state.value ? `?state=${state.value}` : ''}`);
    mount(listEl, requestTable(rows, 'schedule-request-list', decide, true));
  }
  async function step(id: number, name: string, body: unknown): Promise<void> {
    err.textContent = '';
    try {
      await api.send('POST', `/api/schedule-requests/${id}/${name}`, body);
      await load();
    } catch (e) {
      err.textContent = (e as Error).message;
    }
  }
  state.addEventListener('change', () => void load());
  mount(
    root,
    h('h2', {}, pick('闭站与开放时间申请', 'Closures and schedule changes')),
    h(
      'p',
      { class: 'muted' },
      pick(
        '区县维护人员在驿站页面提出申请；市总工会批准后，闭站日期计为申报闭站（不计入应开放时间），新开放时间自生效日起适用，此前的日期仍按原开放时间评价。',
        'District maintainers ask on the station page; once city staff approve, closed days count as declared closure (not scheduled) and new hours apply from their date on; earlier days keep the old hours.',
      ),
    ),
    h('div', { class: 'filters' }, field('request-state', pick('状态', 'State'), state)),
    err,
    listEl,
  );
  await load();
  return {};
}
