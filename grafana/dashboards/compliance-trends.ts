import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { TAGS } from '../../domain/series.js';
import { board, finish, type DashboardJson } from '../board.js';
import { field, from, influxql, tag, tagMatches } from '../influxql.js';
import { INTERVAL, where } from '../queries.js';
import { percentThresholds, withDistrictNames } from '../styles.js';
import { DISTRICT_VAR, districtsVariable } from '../variables.js';

// The plan's two criteria over weeks and months: 常年正常开放 (open normally all year round) and
// 设施配备 (every required item present and working), per district.

export const COMPLIANCE_TRENDS_UID = 'qdyz-compliance-trends';

const inDistricts = tagMatches(TAGS.district, DISTRICT_VAR);
const perDayByDistrict = `GROUP BY time(${INTERVAL}), ${tag(TAGS.district)}`;

const dailyTrend = (title: string, description: string, query: string) =>
  withDistrictNames(new timeseries.PanelBuilder())
    .title(title)
    .description(description)
    .withTarget(influxql('A', query).alias(`$tag_${TAGS.district}`))
    .interval('1d')
    .unit('percent')
    .min(0)
    .max(100)
    .thresholds(percentThresholds())
    .height(9)
    .span(12);

export function complianceTrends(): DashboardJson {
  return finish(
    board({ uid: COMPLIANCE_TRENDS_UID, title: '合规与设施趋势 Compliance and facility trends', description: '常年正常开放与设施配备的逐日趋势 — open-all-year compliance and facility completeness, day by day.', from: 'now-30d' })
      .withVariable(districtsVariable())
      .withPanel(
        dailyTrend(
          '开放时间占比 Share of time open',
          '驿站上报“开放”的时间占比（全天，不含计划外判断）— share of the day stations reported open for service.',
          `SELECT mean(${field('service', 'open')}) * 100 AS ${field('service', 'open')} FROM ${from('service')} ${where(inDistricts)} ${perDayByDistrict}`,
        ),
      )
      .withPanel(
        dailyTrend(
          '电器无故障率 Appliances fault-free',
          '联网电器上报中无故障的占比 — share of appliance reports without a fault code.',
          `SELECT 100 - mean(${field('appliance', 'fault')}) * 100 AS ${field('appliance', 'fault')} FROM ${from('appliance')} ${where(inDistricts)} ${perDayByDistrict}`,
        ),
      ),
  );
}
