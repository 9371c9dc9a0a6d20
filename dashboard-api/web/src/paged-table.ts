import { h, mount } from './dom.js';
import { reloadable } from './error-state.js';
import { t } from './i18n.js';

// A long list as the server pages it: a sort button per column header (aria-sort tells which),
// one page of rows, a pager. Under 600 px wide the CSS lays each row out as a card, the column
// names coming from each cell's data-label.

type Child = Node | string | number | null | undefined | false;

export interface Column<R> {
  label: string;
  /** The API's sort key for this column; without it the column does not sort. */
  sort?: string;
  cell: (row: R) => Child | Child[];
  cellClass?: (row: R) => string;
}

export interface PagedTable {
  el: HTMLElement;
  /** Loads from the first page (after a filter change) or the current one. */
  load(fromStart?: boolean): Promise<void>;
  /** Draws the loaded rows again (live values changed). */
  redraw(): void;
}

export function pagedTable<R>(opts: {
  id: string;
  countId: string;
  columns: Array<Column<R>>;
  pageSize: number;
  fetch: (qs: URLSearchParams) => Promise<{ total: number; rows: R[] }>;
  rowAttrs: (row: R) => Record<string, string | ((ev: Event) => void)>;
  initialSort?: { key: string; order: 'asc' | 'desc' };
}): PagedTable {
  let sort = opts.initialSort ?? null;
  let offset = 0;
  let rows: R[] = [];
  let total = 0;
  const body = h('tbody', { id: opts.id });
  // On a phone the header row is the sort control above the cards: it says so (style.css).
  const head = h('tr', { 'data-sort-label': `${t('sortBy')}:` });
  const count = h('span', { id: opts.countId });
  const pageInfo = h('span', { class: 'muted', 'aria-live': 'polite' });
  const prev = h(
    'button',
    { type: 'button', class: 'pager-prev', onclick: () => ((offset = Math.max(0, offset - opts.pageSize)), void table.load()) },
    `‹ ${t('prev')}`,
  );
  const next = h('button', { type: 'button', class: 'pager-next', onclick: () => ((offset += opts.pageSize), void table.load()) }, `${t('next')} ›`);

  function drawHead(): void {
    mount(
      head,
      opts.columns.map((c) => {
        if (!c.sort) return h('th', { scope: 'col' }, c.label);
        const active = sort?.key === c.sort;
        const arrow = active ? (sort!.order === 'asc' ? ' ▲' : ' ▼') : '';
        return h(
          'th',
          { scope: 'col', 'aria-sort': active ? (sort!.order === 'asc' ? 'ascending' : 'descending') : 'none' },
          h(
            'button',
            {
              type: 'button',
              class: 'sort',
              'data-sort': c.sort,
              onclick: () => {
                sort = { key: c.sort!, order: active && sort!.order === 'asc' ? 'desc' : 'asc' };
                offset = 0;
                drawHead();
                void table.load();
              },
            },
            c.label,
            arrow,
          ),
        );
      }),
    );
  }

  function redraw(): void {
    mount(
      body,
      rows.map((r) =>
        h(
          'tr',
          opts.rowAttrs(r),
          opts.columns.map((c) => h('td', { 'data-label': c.label, class: c.cellClass?.(r) ?? '' }, c.cell(r))),
        ),
      ),
    );
    const pages = Math.max(1, Math.ceil(total / opts.pageSize));
    pageInfo.textContent = `${t('page')} ${Math.floor(offset / opts.pageSize) + 1} / ${pages}`;
    prev.disabled = offset === 0;
    next.disabled = offset + opts.pageSize >= total;
  }

  const table = reloadable(
    h(
      'div',
      { class: 'table-wrap' },
      h('p', { class: 'muted' }, `${t('total')}: `, count),
      h('table', { class: 'cards' }, h('thead', {}, head), body),
      h('div', { class: 'pager' }, prev, pageInfo, next),
    ),
    () => {
      const qs = new URLSearchParams({ limit: String(opts.pageSize), offset: String(offset) });
      if (sort) qs.set('sort', sort.key), qs.set('order', sort.order);
      return opts.fetch(qs);
    },
    (r) => {
      rows = r.rows;
      total = r.total;
      count.textContent = String(r.total);
      redraw();
    },
  );
  drawHead();
  const result: PagedTable = {
    el: table.el,
    load(fromStart = false) {
      if (fromStart) offset = 0;
      return table.load();
    },
    redraw,
  };
  return result;
}
