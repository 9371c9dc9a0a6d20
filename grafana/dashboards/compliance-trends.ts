import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import type { AlertState } from '../../domain/alerts.js';
import { TAGS } from '../../domain/series.js';
import { board, finish, type DashboardJson } from '../board.js';
import { reduceTo } from '../panels.js';
import { field, from, influxql, seriesTag, tag, tagMatches, type AnyTag } from '../influxql.js';
import { dailyCompliance, LOCAL_DAY, where } from '../queries.js';
import { percentThresholds, withDistrictNames } from '../styles.js';
import { DISTRICT_VAR, districtsVariable } from '../variables.js';

// The plan's two criteria over weeks and months: 常年正常开放 (open normally all year round) and
// 设施配备 (every required item present and working), per district.

export const COMPLIANCE_TRENDS_UID = 'qdyz-compliance-trends';

const inDistricts = tagMatches(TAGS.district, DISTRICT_VAR);
const FIRING: AlertState = 'firing';
const SEVERITY: AnyTag<'alertTransition'> = 'severity';

const percentTrend = (title: string, description: string, query: string) =>
  withDistrictNames(new timeseries.PanelBuilder())
    .title(title)
    .description(description)
    .withTarget(influxql('A', query).alias(`$tag_${TAGS.district}`))
    .unit('percent')
    .min(0)
    .max(100)
    .thresholds(percentThresholds())
    .height(9)
    .span(12);

export function complianceTrends(): DashboardJson {
  const fault = field('appliance', 'fault');
  const working = field('attestation', 'working');
  const state = field('alertTransition', 'state');
  // Latest attestation of every item over all history: an inspection months ago still stands.
  const latestAttestations = `SELECT last(${working}) AS ${working} FROM ${from('attestation')} WHERE ${inDistricts} GROUP BY ${tag(TAGS.station)}, ${tag(TAGS.district)}, ${seriesTag('attestation', 'item')}`;
  return finish(
    board({
      uid: COMPLIANCE_TRENDS_UID,
      title: '合规与设施趋势 Compliance and facility trends',
      description: '常年正常开放与设施配备的逐日趋势 — open-all-year compliance and facility completeness, day by day.',
      from: 'now-30d',
    })
      .withVariable(districtsVariable())
      .withPanel(
        percentTrend(
          '每日开放合规率 Daily open compliance',
          '计划开放时间内实际开放的比例，按本地日 — time open within the schedule ÷ scheduled time, per local day.',
          dailyCompliance(inDistricts, tag(TAGS.district)),
        ),
      )
      .withPanel(
        percentTrend(
          '电器无故障率 Appliances fault-free',
          '联网电器上报中无故障的占比，按本地日 — share of appliance reports without a fault code, per local day.',
          `SELECT 100 - mean(${fault}) * 100 AS ${fault} FROM ${from('appliance')} ${where(inDistricts)} GROUP BY ${LOCAL_DAY}, ${tag(TAGS.district)}`,
        ),
      )
      .withPanel(
        withDistrictNames(new bargauge.PanelBuilder())
          .title('人工核验设施完好率 Attested items working')
          .description('巡查核验的设施（桌椅、医药箱、雨伞……）最近一次为完好的比例 — share of inspected items whose latest attestation says working.')
          .withTarget(
            influxql('A', `SELECT mean(${working}) * 100 AS ${working} FROM (${latestAttestations}) GROUP BY ${tag(TAGS.district)}`).alias(
              `$tag_${TAGS.district}`,
            ),
          )
          .reduceOptions(reduceTo())
          .unit('percent')
          .min(0)
          .max(100)
          .thresholds(percentThresholds())
          .orientation(common.VizOrientation.Horizontal)
          .height(9)
          .span(12),
      )
      .withPanel(
        new timeseries.PanelBuilder()
          .title('每日新告警 Alerts fired per day')
          .withTarget(
            influxql(
              'A',
              `SELECT count(${state}) AS "fired" FROM ${from('alertTransition')} ${where(inDistricts, `${state} = '${FIRING}'`)} GROUP BY ${LOCAL_DAY}, ${seriesTag('alertTransition', SEVERITY)}`,
            ).alias(`$tag_${SEVERITY}`),
          )
          .drawStyle(common.GraphDrawStyle.Bars)
          .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
          .fillOpacity(80)
          .unit('none')
          .height(9)
          .span(12),
      ),
  );
}
