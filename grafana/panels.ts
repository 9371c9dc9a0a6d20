import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { influxql } from './influxql.js';
import { dailyCompliance } from './queries.js';
import { percentThresholds } from './styles.js';

// Panels more than one board shows, for one district or one station.

/** 常年正常开放 per local day over the last 30 days, whatever the board's range; bars coloured by threshold. */
export function dailyCompliancePanel(condition: string): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title('每日开放合规率 Daily open compliance')
    .description('计划开放时间内实际开放的比例，按本地日（近 30 天）— time open within the schedule ÷ scheduled time, per local day (last 30 days).')
    .withTarget(influxql('A', dailyCompliance(condition)).alias('合规率 Compliance'))
    .timeFrom('30d')
    .drawStyle(common.GraphDrawStyle.Bars)
    .unit('percent')
    .min(0)
    .max(100)
    .thresholds(percentThresholds())
    .colorScheme(new dashboard.FieldColorBuilder().mode(dashboard.FieldColorModeId.Thresholds))
    .height(8);
}
