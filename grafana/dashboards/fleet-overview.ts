import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { TAGS, type FieldOf, type SeriesKey } from '../../domain/series.js';
import { board, finish, type DashboardJson } from '../board.js';
import { latestStat, mergedTable } from '../panels.js';
import { column, field, influxql, tag, tagMatches } from '../influxql.js';
import {
  ACTIVE,
  activeAlerts,
  COMPLIANCE,
  compliance30d,
  latestAlertStates,
  latestPerStation,
  PER_INTERVAL,
  STATE_INTERVAL,
  STATION_FIELDS,
  statePer,
  where,
} from '../queries.js';
import { DISTRICT_NAMES, percentCell, percentThresholds, withDistrictNames } from '../styles.js';
import { DISTRICT_VAR, districtsVariable } from '../variables.js';

// City union staff: how each district's stations are doing right now, and over the day.

export const FLEET_OVERVIEW_UID = 'qdyz-fleet-overview';

const inDistricts = tagMatches(TAGS.district, DISTRICT_VAR);
const { online, open, people } = STATION_FIELDS;

const onlineNow = latestPerStation('status', 'online', inDistricts);
const openLatest = latestPerStation('service', 'open', inDistricts);
const peopleLatest = latestPerStation('occupancy', 'people', inDistricts);
const alertStates = latestAlertStates(inDistricts);
const complianceNow = compliance30d(inDistricts);
/** The per-district columns of the districts table. */
const [onlinePct, openNow, peopleNow, reporting] = [column('online_pct'), column('open_now'), column('people_now'), column('reporting')];

const fleetStat = (title: string, query: string) => latestStat(title, query).span(4);

/** Stations in a state (online, open) per interval, stacked by district. */
function stateByDistrict<K extends SeriesKey>(title: string, key: K, name: FieldOf<K>) {
  const f = field(key, name);
  const inner = statePer(PER_INTERVAL, key, name, inDistricts);
  return withDistrictNames(new timeseries.PanelBuilder())
    .title(title)
    .withTarget(
      influxql('A', `SELECT sum(${f}) AS ${f} FROM (${inner}) ${where()} GROUP BY ${PER_INTERVAL}, ${tag(TAGS.district)}`).alias(`$tag_${TAGS.district}`),
    )
    .interval(STATE_INTERVAL)
    .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
    .fillOpacity(30)
    .unit('none')
    .height(9)
    .span(12);
}

export function fleetOverview(): DashboardJson {
  const perDistrict = `GROUP BY ${tag(TAGS.district)}`;
  return finish(
    board({
      uid: FLEET_OVERVIEW_UID,
      title: '驿站总览 Fleet overview',
      description: '各区市驿站在线率、开放数、在场人数、告警与合规 — online share, stations open, people inside, alerts and compliance per district.',
    })
      .withVariable(districtsVariable())
      .withPanel(
        fleetStat('在线率 Online', `SELECT mean(${online}) * 100 AS ${online} FROM (${onlineNow})`)
          .unit('percent')
          .min(0)
          .max(100)
          .thresholds(percentThresholds()),
      )
      .withPanel(fleetStat('开放中 Open now', `SELECT sum(${open}) AS ${open} FROM (${openLatest})`).unit('none'))
      .withPanel(fleetStat('在场人数 People inside', `SELECT sum(${people}) AS ${people} FROM (${peopleLatest})`).unit('none'))
      .withPanel(fleetStat('已接入驿站 Stations reporting', `SELECT count(${online}) AS ${online} FROM (${onlineNow})`).unit('none'))
      .withPanel(
        fleetStat('告警中 Active alerts', activeAlerts(alertStates))
          .description('最新状态为告警或已确认的告警（不限时间范围）— alerts whose latest state is firing or acknowledged, however long ago they fired.')
          .noValue('0')
          .thresholds(
            new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
              { value: null, color: 'green' },
              { value: 1, color: 'red' },
            ]),
          ),
      )
      .withPanel(
        fleetStat('30 日开放合规率 Open compliance, 30 d', complianceNow)
          .description('计划开放时间内实际开放的比例（常年正常开放）— time open within the schedule ÷ scheduled time, last 30 days.')
          .unit('percent')
          .decimals(1)
          .thresholds(percentThresholds()),
      )
      .withPanel(
        mergedTable({
          [TAGS.district]: '区市 District',
          [onlinePct.name]: '在线率 Online %',
          [openNow.name]: '开放 Open',
          [peopleNow.name]: '人数 People',
          [reporting.name]: '接入 Reporting',
          [ACTIVE.name]: '告警 Alerts',
          [COMPLIANCE.name]: '30 日合规 Compliance %',
        })
          .title('各区市现状 Districts now')
          .description('每个区市：在线率、开放驿站数、在场人数、已接入驿站数 — per district, from each station’s latest report.')
          .withTarget(influxql('A', `SELECT mean(${online}) * 100 AS ${onlinePct} FROM (${onlineNow}) ${perDistrict}`).table())
          .withTarget(influxql('B', `SELECT sum(${open}) AS ${openNow} FROM (${openLatest}) ${perDistrict}`).table())
          .withTarget(influxql('C', `SELECT sum(${people}) AS ${peopleNow} FROM (${peopleLatest}) ${perDistrict}`).table())
          .withTarget(influxql('D', `SELECT count(${online}) AS ${reporting} FROM (${onlineNow}) ${perDistrict}`).table())
          .withTarget(influxql('E', activeAlerts(alertStates, perDistrict)).table())
          .withTarget(influxql('F', `${complianceNow} ${perDistrict}`).table())
          .overrideByName(TAGS.district, [{ id: 'mappings', value: DISTRICT_NAMES }])
          .overrideByName(onlinePct.name, percentCell())
          .overrideByName(COMPLIANCE.name, percentCell())
          .height(10)
          .span(24),
      )
      .withPanel(stateByDistrict('在线驿站数 Stations online by district', 'status', 'online'))
      .withPanel(stateByDistrict('开放驿站数 Stations open by district', 'service', 'open')),
  );
}
