import type { SelfCheck } from '../../../routes/self-check-routes.js';
import type { StationAcceptanceRow } from '../../../routes/station-acceptance-routes.js';
import { api } from '../api.js';
import type { User } from '../api.js';
import { h, mount } from '../dom.js';
import { pick, t, time } from '../i18n.js';

// The acceptance cycle beside the form (issue 11 item 2): the district's self-check with the step
// its role may take, and the stations put forward with their September result, plaque and subsidy.

const STATE_ZH: Record<string, [string, string]> = {
  draft: ['草稿', 'draft'],
  submitted: ['已上报', 'submitted'],
  returned: ['已退回', 'returned'],
  accepted: ['已通过', 'accepted'],
};

export function acceptanceCycle(user: User): { el: HTMLElement; load(district: string, year: number): Promise<void> } {
  const el = h('section', { class: 'panel', id: 'acceptance-cycle' });
  async function load(district: string, year: number): Promise<void> {
    const [check, stations] = await Promise.all([
      api.get<SelfCheck>(`/api/self-checks/${district}/${year}`),
      api.get<StationAcceptanceRow[]>(`/api/station-acceptances?year=${year}&district=${district}`),
    ]);
    const err = h('span', { class: 'error', role: 'alert' });
    const comment = h('input', { name: 'review-comment', placeholder: t('note'), 'aria-label': t('note') });
    const step = (name: 'submit' | 'return' | 'accept') => async (): Promise<void> => {
      try {
        await api.send('POST', `/api/self-checks/${district}/${year}/${name}`, name === 'submit' ? {} : { comment: comment.value });
        await load(district, year);
      } catch (e) {
        err.textContent = (e as Error).message;
      }
    };
    const [zh, en] = STATE_ZH[check.state] ?? [check.state, check.state];
    const canSubmit = user.role === 'district-maintainer' && (check.state === 'draft' || check.state === 'returned');
    const canReview = user.role === 'city-admin' && check.state === 'submitted';
    mount(
      el,
      h('h3', {}, pick(`自查上报（7月前，截止 ${check.dueBy}）`, `Self-check (before July, due ${check.dueBy})`)),
      h(
        'p',
        { 'data-state': check.state },
        `${pick('状态', 'State')}: ${pick(zh, en)}`,
        check.submittedBy ? ` · ${check.submittedBy} ${time(check.submittedAt)}` : '',
        check.reviewComment ? ` · ${check.reviewComment}` : '',
        check.late ? h('strong', { class: 'bad', id: 'self-check-late' }, ` · ${pick(`逾期（截止 ${check.dueBy}）`, `late (due ${check.dueBy})`)}`) : '',
      ),
      canSubmit ? h('button', { onclick: () => void step('submit')() }, pick('上报自查', 'Submit')) : null,
      canReview
        ? h(
            'div',
            {},
            comment,
            h('button', { onclick: () => void step('return')() }, pick('退回', 'Return')),
            h('button', { onclick: () => void step('accept')() }, pick('通过', 'Accept')),
          )
        : null,
      err,
      h('h3', {}, pick('申报验收驿站（9月验收、挂牌、补贴）', 'Stations put forward (September acceptance, plaque, subsidy)')),
      stations.length === 0
        ? h('p', { class: 'muted' }, pick('暂无申报', 'None put forward'))
        : h(
            'table',
            { id: 'nominated-stations' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                [pick('驿站', 'Station'), pick('验收结果', 'Result'), pick('挂牌', 'Plaque'), pick('补贴', 'Subsidy')].map((c) => h('th', {}, c)),
              ),
            ),
            h(
              'tbody',
              {},
              stations.map((s) =>
                h(
                  'tr',
                  { 'data-station': s.stationId },
                  h('td', {}, `${s.stationId} ${s.name}`),
                  h(
                    'td',
                    {},
                    !s.result
                      ? pick('待验收', 'pending')
                      : s.result.outcome === 'accepted'
                        ? pick('通过', 'accepted')
                        : pick(`限期整改（${s.result.rectifyBy}前）`, `rectify by ${s.result.rectifyBy}`),
                  ),
                  h('td', {}, s.plaque ? `${s.plaque.name}（${s.plaque.on}）` : '—'),
                  h('td', {}, s.subsidy ? `${s.subsidy.state === 'paid' ? pick('已拨付', 'paid') : pick('已批准', 'granted')} ¥${s.subsidy.yuan}` : '—'),
                ),
              ),
            ),
          ),
    );
  }
  return { el, load };
}
