import * as common from '@grafana/grafana-foundation-sdk/common';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { TAGS } from '../../domain/series.js';
import { board, finish, type DashboardJson } from '../board.js';
import { dailyCompliancePanel, mergedTable } from '../panels.js';
import { from, influxql, tag, tagIs } from '../influxql.js';
import {
  ACTIVE,
  activeAlerts,
  COMPLIANCE,
  compliance30d,
  latestAlertStates,
  PER_INTERVAL,
  STATE_INTERVAL,
  STATION_FIELDS,
  statePer,
  where,
} from '../queries.js';
import { DOOR, ONLINE_OFFLINE, OPEN_CLOSED, percentCell } from '../styles.js';
import { DISTRICT_VAR, districtVariable, STATION_VAR } from '../variables.js';
import { STATION_DETAIL_UID } from './station-detail.js';

// District maintainers and union staff: every station of one district, its occupancy, when each
// station was open, its alerts and its compliance.

export const DISTRICT_DETAIL_UID = 'qdyz-district-detail';

const inDistrict = tagIs(TAGS.district, DISTRICT_VAR);
const perStation = `GROUP BY ${tag(TAGS.station)}`;
const { online, rssi, open, door, people, entries } = STATION_FIELDS;

function stationsTable() {
  return mergedTable({
    [TAGS.station]: '驿站 Station',
    [online.name]: '在线 Online',
    [rssi.name]: 'Wi-Fi dBm',
    [open.name]: '开放 Open',
    [door.name]: '门 Door',
    [people.name]: '人数 People',
    [entries.name]: '进入人次 Entries',
    [COMPLIANCE.name]: '30 日合规 Compliance %',
    [ACTIVE.name]: '告警 Alerts',
  })
    .title('驿站列表 Stations')
    .description('每个驿站的最新状态；点击编号查看详情 — each station’s latest report; click an id for its detail board.')
    .withTarget(
      influxql('A', `SELECT last(${online}) AS ${online}, last(${rssi}) AS ${rssi} FROM ${from('status')} ${where(inDistrict)} ${perStation}`).table(),
    )
    .withTarget(influxql('B', `SELECT last(${open}) AS ${open}, last(${door}) AS ${door} FROM ${from('service')} ${where(inDistrict)} ${perStation}`).table())
    .withTarget(
      influxql('C', `SELECT last(${people}) AS ${people}, sum(${entries}) AS ${entries} FROM ${from('occupancy')} ${where(inDistrict)} ${perStation}`).table(),
    )
    .withTarget(influxql('D', `${compliance30d(inDistrict)} ${perStation}`).table())
    .withTarget(influxql('E', activeAlerts(latestAlertStates(inDistrict), perStation)).table())
    .overrideByName(TAGS.station, [
      {
        id: 'links',
        value: [
          {
            title: '驿站详情 Station detail',
            url: `/d/${STATION_DETAIL_UID}?var-${DISTRICT_VAR}=\${${DISTRICT_VAR}}&var-${STATION_VAR}=\${__value.raw}&\${__url_time_range}`,
          },
        ],
      },
    ])
    .overrideByName(online.name, [
      { id: 'mappings', value: ONLINE_OFFLINE },
      { id: 'custom.cellOptions', value: { type: common.TableCellDisplayMode.ColorText } },
    ])
    .overrideByName(open.name, [
      { id: 'mappings', value: OPEN_CLOSED },
      { id: 'custom.cellOptions', value: { type: common.TableCellDisplayMode.ColorText } },
    ])
    .overrideByName(door.name, [{ id: 'mappings', value: DOOR }])
    .overrideByName(COMPLIANCE.name, percentCell())
    .height(12)
    .span(24);
}

export function districtDetail(): DashboardJson {
  return finish(
    board({
      uid: DISTRICT_DETAIL_UID,
      title: '区市详情 District detail',
      description: '一个区市的全部驿站：现状、在场人数、开放时段 — one district’s stations, occupancy and opening.',
    })
      .withVariable(districtVariable())
      .withPanel(stationsTable())
      .withPanel(
        new timeseries.PanelBuilder()
          .title('在场人数 People inside')
          .withTarget(
            influxql(
              'A',
              `SELECT sum(${people}) AS ${people} FROM (${statePer(PER_INTERVAL, 'occupancy', 'people', inDistrict)}) ${where()} GROUP BY ${PER_INTERVAL}`,
            ).alias('在场人数 People inside'),
          )
          .withTarget(
            influxql('B', `SELECT sum(${entries}) AS ${entries} FROM ${from('occupancy')} ${where(inDistrict)} GROUP BY ${PER_INTERVAL} fill(0)`).alias(
              '进入人次 Entries',
            ),
          )
          .interval(STATE_INTERVAL)
          .unit('none')
          .height(9)
          .span(24),
      )
      .withPanel(
        new statetimeline.PanelBuilder()
          .title('开放时段 Open / closed')
          .description('每个驿站何时开放服务 — when each station was open for service.')
          .withTarget(
            influxql(
              'A',
              `SELECT last(${open}) AS ${open} FROM ${from('service')} ${where(inDistrict)} GROUP BY ${PER_INTERVAL}, ${tag(TAGS.station)} fill(previous)`,
            ).alias(`$tag_${TAGS.station}`),
          )
          .interval(STATE_INTERVAL)
          .mappings(OPEN_CLOSED)
          .showValue(common.VisibilityMode.Never)
          .mergeValues(true)
          .rowHeight(0.8)
          .height(16)
          .span(24),
      )
      .withPanel(dailyCompliancePanel(inDistrict).span(24)),
  );
}
