import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { influxql } from './influxql.js';
import { dailyCompliance, dailyCoverage, TIME_COLUMN } from './queries.js';
import { percentThresholds } from './styles.js';

// Panels and panel options more than one board uses.

/** Reduces each series to one value (stats, gauges, pies): its last non-null value unless told otherwise. */
export const reduceTo = (calc: 'lastNotNull' | 'sum' = 'lastNotNull'): common.ReduceDataOptionsBuilder =>
  new common.ReduceDataOptionsBuilder().calcs([calc]).values(false);

/** One query's latest value as a big number, without a sparkline. */
export const latestStat = (title: string, query: string): stat.PanelBuilder =>
  new stat.PanelBuilder().title(title).withTarget(influxql('A', query)).reduceOptions(reduceTo()).graphMode(common.BigValueGraphMode.None).height(4);

/** A table of several queries joined on their tags: one row per key, no time column, columns relabelled. */
export const mergedTable = (labels: Record<string, string>): table.PanelBuilder =>
  new table.PanelBuilder()
    .withTransformation({ id: 'merge', options: {} })
    .withTransformation({ id: 'organize', options: { excludeByName: { [TIME_COLUMN]: true }, renameByName: labels } });

/** 常年正常开放 per local day over the last 30 days, whatever the board's range; bars coloured by threshold. */
export function dailyCompliancePanel(condition: string): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title('每日开放合规率 Daily open compliance')
    .description(
      '平台监测时段内，计划开放时间中实际开放的比例，按本地日（近 30 天）；监测覆盖 = 平台在监测的计划时间占比，未监测时段不计入合规率 — ' +
        'time open ÷ scheduled time the platform was watching, per local day (last 30 days); coverage = share of the scheduled time watched, the rest is not judged.',
    )
    .withTarget(influxql('A', dailyCompliance(condition)).alias('合规率 Compliance'))
    .withTarget(influxql('B', dailyCoverage(condition)).alias('监测覆盖 Coverage'))
    .timeFrom('30d')
    .drawStyle(common.GraphDrawStyle.Bars)
    .unit('percent')
    .min(0)
    .max(100)
    .thresholds(percentThresholds())
    .colorScheme(new dashboard.FieldColorBuilder().mode(dashboard.FieldColorModeId.Thresholds))
    .height(8);
}
