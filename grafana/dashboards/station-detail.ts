import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import type { Appliance } from '../../domain/equipment.js';
import { TAGS } from '../../domain/series.js';
import { board, finish, type DashboardJson } from '../board.js';
import { dailyCompliancePanel, latestStat } from '../panels.js';
import { field, from, influxql, seriesTag, tag, tagEquals, tagIs, type AnyTag } from '../influxql.js';
import { PER_INTERVAL, STATE_INTERVAL, STATION_FIELDS, speakerQuerySums, TIME_COLUMN, where } from '../queries.js';
import { ALERT_STATE_NAMES, DOOR, OK_FAULT, ONLINE_OFFLINE, OPEN_CLOSED, withApplianceNames, withSpeakerNames } from '../styles.js';
import { districtVariable, STATION_VAR, stationVariable } from '../variables.js';

// One station: when it was online and open, who was inside, what its appliances drew, whether
// the fridge kept cold, how the AI speaker was used, its alerts and its compliance.

export const STATION_DETAIL_UID = 'qdyz-station-detail';

const atStation = tagIs(TAGS.station, STATION_VAR);
const FRIDGE: Appliance = 'fridge';
/** A fridge outside 0–8 °C spoils food: the band the fridge panel marks. */
const FRIDGE_MAX_C = 8;

const nowStat = (title: string, query: string, mappings?: dashboard.ValueMapping[]) => {
  const panel = latestStat(title, query).span(6);
  return mappings ? panel.mappings(mappings) : panel;
};

/** Every alert of the station (one per rule), at its latest state, over all history. */
function alertsTable() {
  const [state, by, comment] = [field('alertTransition', 'state'), field('alertTransition', 'by'), field('alertTransition', 'comment')];
  const rule: AnyTag<'alertTransition'> = 'rule';
  const severity: AnyTag<'alertTransition'> = 'severity';
  const keys = `${seriesTag('alertTransition', rule)}, ${seriesTag('alertTransition', severity)}`;
  return new table.PanelBuilder()
    .title('告警 Alerts')
    .description('每条规则的最新告警状态（不限时间范围）— each rule’s latest alert state, however long ago.')
    .withTarget(
      influxql(
        'A',
        `SELECT last(${state}) AS ${state}, last(${by}) AS ${by}, last(${comment}) AS ${comment} FROM ${from('alertTransition')} WHERE ${atStation} GROUP BY ${keys}`,
      ).table(),
    )
    .withTransformation({
      id: 'organize',
      options: {
        renameByName: {
          [TIME_COLUMN]: '时间 Time',
          [rule]: '规则 Rule',
          [severity]: '级别 Severity',
          [state.name]: '状态 State',
          [by.name]: '处理人 By',
          [comment.name]: '备注 Comment',
        },
      },
    })
    .overrideByName(state.name, [
      { id: 'mappings', value: ALERT_STATE_NAMES },
      { id: 'custom.cellOptions', value: { type: common.TableCellDisplayMode.ColorText } },
    ])
    .height(8)
    .span(12);
}

export function stationDetail(): DashboardJson {
  const { online, rssi, open, door, people, entries } = STATION_FIELDS;
  const [power, temp, fault] = [field('appliance', 'power_w'), field('appliance', 'temp_c'), field('appliance', 'fault')];
  const perInterval = `GROUP BY ${PER_INTERVAL}`;
  const perAppliance = `GROUP BY ${PER_INTERVAL}, ${tag(TAGS.appliance)}`;

  return finish(
    board({
      uid: STATION_DETAIL_UID,
      title: '驿站详情 Station detail',
      description: '一个驿站的在线、开放、人数、电器与小度音箱 — one station’s service, occupancy, appliances and AI speaker.',
    })
      .withVariable(districtVariable())
      .withVariable(stationVariable())
      .withPanel(nowStat('在线 Online', `SELECT last(${online}) AS ${online} FROM ${from('status')} ${where(atStation)}`, ONLINE_OFFLINE))
      .withPanel(nowStat('开放 Open', `SELECT last(${open}) AS ${open} FROM ${from('service')} ${where(atStation)}`, OPEN_CLOSED))
      .withPanel(nowStat('在场人数 People inside', `SELECT last(${people}) AS ${people} FROM ${from('occupancy')} ${where(atStation)}`))
      .withPanel(nowStat('Wi-Fi 信号 Signal', `SELECT last(${rssi}) AS ${rssi} FROM ${from('status')} ${where(atStation)}`).unit('dBm'))
      .withPanel(
        new statetimeline.PanelBuilder()
          .title('在线 / 开放 / 门 Online, service, door')
          .withTarget(
            influxql('A', `SELECT last(${online}) AS ${online} FROM ${from('status')} ${where(atStation)} ${perInterval} fill(previous)`).alias('在线 Online'),
          )
          .withTarget(
            influxql('B', `SELECT last(${open}) AS ${open} FROM ${from('service')} ${where(atStation)} ${perInterval} fill(previous)`).alias('开放 Service'),
          )
          .withTarget(
            influxql('C', `SELECT last(${door}) AS ${door} FROM ${from('service')} ${where(atStation)} ${perInterval} fill(previous)`).alias('门 Door'),
          )
          .interval(STATE_INTERVAL)
          .overrideByQuery('A', [{ id: 'mappings', value: ONLINE_OFFLINE }])
          .overrideByQuery('B', [{ id: 'mappings', value: OPEN_CLOSED }])
          .overrideByQuery('C', [{ id: 'mappings', value: DOOR }])
          .showValue(common.VisibilityMode.Never)
          .mergeValues(true)
          .height(7)
          .span(24),
      )
      .withPanel(
        new timeseries.PanelBuilder()
          .title('人数与进入人次 People and entries')
          .withTarget(
            influxql('A', `SELECT last(${people}) AS ${people} FROM ${from('occupancy')} ${where(atStation)} ${perInterval} fill(previous)`).alias(
              '在场人数 People inside',
            ),
          )
          .withTarget(
            influxql('B', `SELECT sum(${entries}) AS ${entries} FROM ${from('occupancy')} ${where(atStation)} ${perInterval} fill(0)`).alias(
              '进入人次 Entries',
            ),
          )
          .overrideByQuery('B', [{ id: 'custom.drawStyle', value: common.GraphDrawStyle.Bars }])
          .interval(STATE_INTERVAL)
          .unit('none')
          .height(8)
          .span(12),
      )
      .withPanel(
        withApplianceNames(new timeseries.PanelBuilder())
          .title('电器功率 Appliance power')
          .withTarget(
            influxql('A', `SELECT mean(${power}) AS ${power} FROM ${from('appliance')} ${where(atStation)} ${perAppliance} fill(null)`).alias(
              `$tag_${TAGS.appliance}`,
            ),
          )
          .unit('watt')
          .height(8)
          .span(12),
      )
      .withPanel(
        new timeseries.PanelBuilder()
          .title('冰箱温度 Fridge temperature')
          .description(`冷藏应在 0–${FRIDGE_MAX_C} °C — the fridge should hold 0–${FRIDGE_MAX_C} °C.`)
          .withTarget(
            influxql(
              'A',
              `SELECT mean(${temp}) AS ${temp} FROM ${from('appliance')} ${where(atStation, tagEquals(TAGS.appliance, FRIDGE))} ${perInterval} fill(null)`,
            ).alias('冰箱 Fridge °C'),
          )
          .unit('celsius')
          .thresholds(
            new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
              { value: null, color: 'blue' },
              { value: 0, color: 'green' },
              { value: FRIDGE_MAX_C, color: 'red' },
            ]),
          )
          .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.LineAndArea))
          .height(8)
          .span(12),
      )
      .withPanel(
        withApplianceNames(new statetimeline.PanelBuilder())
          .title('电器故障 Appliance faults')
          .withTarget(
            influxql('A', `SELECT max(${fault}) AS ${fault} FROM ${from('appliance')} ${where(atStation)} ${perAppliance} fill(previous)`).alias(
              `$tag_${TAGS.appliance}`,
            ),
          )
          .mappings(OK_FAULT)
          .showValue(common.VisibilityMode.Never)
          .mergeValues(true)
          .height(8)
          .span(12),
      )
      .withPanel(
        withSpeakerNames(new timeseries.PanelBuilder())
          .title('小度音箱使用 AI speaker usage')
          .withTarget(influxql('A', `SELECT ${speakerQuerySums()} FROM ${from('speaker')} ${where(atStation)} ${perInterval} fill(0)`).alias('$col'))
          .withTarget(
            influxql('B', `SELECT sum(${field('speaker', 'wakeups')}) AS "wakeups" FROM ${from('speaker')} ${where(atStation)} ${perInterval} fill(0)`).alias(
              '唤醒 Wake-ups',
            ),
          )
          .drawStyle(common.GraphDrawStyle.Bars)
          .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal).group('A'))
          .overrideByQuery('B', [
            { id: 'custom.drawStyle', value: common.GraphDrawStyle.Line },
            { id: 'custom.stacking', value: { mode: common.StackingMode.None } },
          ])
          .interval('1h')
          .unit('none')
          .height(8)
          .span(24),
      )
      .withPanel(alertsTable())
      .withPanel(dailyCompliancePanel(atStation).span(12)),
  );
}
