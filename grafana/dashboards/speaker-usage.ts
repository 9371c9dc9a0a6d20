import * as barchart from '@grafana/grafana-foundation-sdk/barchart';
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as piechart from '@grafana/grafana-foundation-sdk/piechart';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { TAGS } from '../../domain/series.js';
import { board, finish, type DashboardJson } from '../board.js';
import { reduceTo } from '../panels.js';
import { field, from, influxql, tag, tagMatches } from '../influxql.js';
import { latestPerStation, PER_INTERVAL, speakerQuerySums, TIME_COLUMN, where } from '../queries.js';
import { DISTRICT_NAMES, percentThresholds, withDistrictNames, withSpeakerNames } from '../styles.js';
import { DISTRICT_VAR, districtsVariable } from '../variables.js';

// What workers ask the AI speaker (小度) for — news and policy, Q&A, learning, relaxation, life
// services — and where, so the union can see which services the stations are used for.

export const SPEAKER_USAGE_UID = 'qdyz-speaker-usage';

const inDistricts = tagMatches(TAGS.district, DISTRICT_VAR);
const speakerOnline = field('speaker', 'online');

export function speakerUsage(): DashboardJson {
  const sums = `SELECT ${speakerQuerySums()} FROM ${from('speaker')} ${where(inDistricts)}`;
  return finish(
    board({
      uid: SPEAKER_USAGE_UID,
      title: '小度音箱使用 AI speaker usage',
      description: '按类别和区市统计的小度音箱查询 — AI speaker queries by category and district.',
      from: 'now-7d',
    })
      .withVariable(districtsVariable())
      .withPanel(
        withSpeakerNames(new timeseries.PanelBuilder())
          .title('各类查询 Queries by category')
          .withTarget(influxql('A', `${sums} GROUP BY ${PER_INTERVAL} fill(0)`).alias('$col'))
          .drawStyle(common.GraphDrawStyle.Bars)
          .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
          .fillOpacity(80)
          .interval('1h')
          .unit('none')
          .height(9)
          .span(16),
      )
      .withPanel(
        withSpeakerNames(new piechart.PanelBuilder())
          .title('类别占比 Share by category')
          .withTarget(influxql('A', sums).alias('$col'))
          .reduceOptions(reduceTo('sum'))
          .pieType(piechart.PieChartType.Donut)
          .displayLabels([piechart.PieChartLabels.Percent])
          .height(9)
          .span(8),
      )
      .withPanel(
        withSpeakerNames(new barchart.PanelBuilder())
          .title('各区市查询 Queries by district')
          .withTarget(influxql('A', `${sums} GROUP BY ${tag(TAGS.district)}`).table())
          .withTransformation({ id: 'organize', options: { excludeByName: { [TIME_COLUMN]: true } } })
          .xField(TAGS.district)
          .overrideByName(TAGS.district, [{ id: 'mappings', value: DISTRICT_NAMES }])
          .stacking(common.StackingMode.Normal)
          .xTickLabelRotation(-30)
          .height(10)
          .span(16),
      )
      .withPanel(
        withDistrictNames(new bargauge.PanelBuilder())
          .title('音箱在线率 Speakers online')
          .description('各区市最新上报在线的音箱占比 — share of speakers whose latest report says online.')
          .withTarget(
            influxql(
              'A',
              `SELECT mean(${speakerOnline}) * 100 AS ${speakerOnline} FROM (${latestPerStation('speaker', 'online', inDistricts)}) GROUP BY ${tag(TAGS.district)}`,
            ).alias(`$tag_${TAGS.district}`),
          )
          .reduceOptions(reduceTo())
          .unit('percent')
          .min(0)
          .max(100)
          .thresholds(percentThresholds())
          .orientation(common.VizOrientation.Horizontal)
          .height(10)
          .span(8),
      ),
  );
}
