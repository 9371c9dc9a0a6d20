import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as text from '@grafana/grafana-foundation-sdk/text';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { CITY_TARGETS, CITY_TOTAL_TARGET, DISTRICTS, PLAN_YEARS } from '../../domain/districts.js';
import { TAGS } from '../../domain/series.js';
import { board, finish, type DashboardJson } from '../board.js';
import { reduceTo } from '../panels.js';
import { field, influxql, tag } from '../influxql.js';
import { latestPerStation, LOCAL_DAY, statePer, where } from '../queries.js';
import { districtLabel, withDistrictNames } from '../styles.js';

// The three-year plan (2019 pilot ~100, +200 in 2020, +300 in 2021) against the stations that
// actually report. Targets come from domain/districts.ts; a station counts once it has reported
// in the chosen time range.

export const BUILD_PROGRESS_UID = 'qdyz-build-progress';

const online = field('status', 'online');
const reporting = latestPerStation('status', 'online');

/** Cumulative city targets: 100 by 2019, 300 by 2020, 600 by 2021. */
function cumulativeTargets(): Array<[year: number, total: number]> {
  let sum = 0;
  return PLAN_YEARS.map((y) => [y, (sum += CITY_TARGETS[y])]);
}

function planMarkdown(): string {
  const rows = DISTRICTS.map((d) => `| ${districtLabel(d)} | ${d.targets[2019] ?? '—'} |`);
  const years = cumulativeTargets()
    .map(([y, total]) => `${y}: ${total}`)
    .join(' · ');
  return [
    '### 建设计划 Build plan (2019–2021)',
    '',
    `全市累计目标 City cumulative targets — ${years} (共 ${CITY_TOTAL_TARGET} total).`,
    '2020、2021 年计划未分解到区市 — the plan gives no per-district split for 2020 and 2021.',
    '',
    '| 区市 District | 2019 目标 target |',
    '|---|---|',
    ...rows,
  ].join('\n');
}

const targetSteps = (): dashboard.Threshold[] => [
  { value: null, color: 'red' },
  ...cumulativeTargets().map(([, total], i, all) => ({ value: total, color: i === all.length - 1 ? 'green' : i === 0 ? 'orange' : 'yellow' })),
];

export function buildProgress(): DashboardJson {
  const perDistrict = withDistrictNames(new bargauge.PanelBuilder())
    .title('各区市已接入驿站 Stations reporting by district')
    .description('绿色：达到 2019 年试点目标 — green once a district meets its 2019 pilot target.')
    .withTarget(influxql('A', `SELECT count(${online}) AS ${online} FROM (${reporting}) GROUP BY ${tag(TAGS.district)}`).alias(`$tag_${TAGS.district}`))
    .reduceOptions(reduceTo())
    .orientation(common.VizOrientation.Horizontal)
    .displayMode(common.BarGaugeDisplayMode.Basic)
    .min(0)
    .height(12)
    .span(10);
  for (const d of DISTRICTS) {
    const target = d.targets[2019];
    if (target === null) continue;
    perDistrict.overrideByName(d.code, [
      {
        id: 'thresholds',
        value: {
          mode: dashboard.ThresholdsMode.Absolute,
          steps: [
            { value: null, color: 'orange' },
            { value: target, color: 'green' },
          ],
        },
      },
    ]);
  }

  return finish(
    board({
      uid: BUILD_PROGRESS_UID,
      title: '建设进度 Build progress',
      description: '三年计划目标与已接入驿站对比 — the 2019–2021 plan against the stations reporting.',
      from: 'now-7d',
    })
      .withPanel(
        new stat.PanelBuilder()
          .title('全市已接入驿站 Stations reporting, city')
          .description(`目标 Target ${CITY_TOTAL_TARGET}`)
          .withTarget(influxql('A', `SELECT count(${online}) AS ${online} FROM (${reporting})`))
          .reduceOptions(reduceTo())
          .graphMode(common.BigValueGraphMode.None)
          .thresholds(new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(targetSteps()))
          .min(0)
          .max(CITY_TOTAL_TARGET)
          .height(12)
          .span(6),
      )
      .withPanel(perDistrict)
      .withPanel(new text.PanelBuilder().title('计划 Plan').mode(text.TextMode.Markdown).content(planMarkdown()).height(12).span(8))
      .withPanel(
        new timeseries.PanelBuilder()
          .title('每日接入驿站 Stations reporting per day')
          .description('每个本地日有上报的驿站数 — stations that reported on each local day.')
          .withTarget(
            influxql('A', `SELECT count(${online}) AS ${online} FROM (${statePer(LOCAL_DAY, 'status', 'online')}) ${where()} GROUP BY ${LOCAL_DAY}`).alias(
              '已接入 Reporting',
            ),
          )
          .drawStyle(common.GraphDrawStyle.Bars)
          .unit('none')
          .height(8)
          .span(24),
      ),
  );
}
