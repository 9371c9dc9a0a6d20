import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { DISTRICTS } from '../domain/districts.js';
import { TAGS } from '../domain/series.js';
import { INFLUX_DATASOURCE } from './datasource.js';
import { from, tag, tagMatches } from './influxql.js';
import { districtLabel } from './styles.js';

// Template variables. Districts come from the domain (Chinese name first, code as the value the
// queries filter on); stations are read from InfluxDB, so a replaced registry needs no board change.
// No free-text values: only known codes and station ids ever reach a query.

export const DISTRICT_VAR = 'district';
export const STATION_VAR = 'station';

const districtValues = DISTRICTS.map((d) => `${districtLabel(d)} : ${d.code}`).join(',');

/** All districts selectable; the fleet boards start on All. */
export function districtsVariable(): dashboard.CustomVariableBuilder {
  return new dashboard.CustomVariableBuilder(DISTRICT_VAR)
    .label('区市 District')
    .values(districtValues)
    .allowCustomValue(false)
    .multi(true)
    .includeAll(true)
    .current({ text: 'All', value: '$__all' });
}

/** One district at a time (district and station detail). */
export function districtVariable(): dashboard.CustomVariableBuilder {
  const first = DISTRICTS[0]!;
  return new dashboard.CustomVariableBuilder(DISTRICT_VAR)
    .label('区市 District')
    .values(districtValues)
    .allowCustomValue(false)
    .multi(false)
    .includeAll(false)
    .current({ text: districtLabel(first), value: first.code });
}

/** The query a station picker runs: every station that has reported in the chosen district. */
export const stationVariableQuery = `SHOW TAG VALUES FROM ${from('status')} WITH KEY = ${tag(TAGS.station)} WHERE ${tagMatches(TAGS.district, DISTRICT_VAR)}`;

export function stationVariable(): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(STATION_VAR)
    .label('驿站 Station')
    .datasource({ ...INFLUX_DATASOURCE })
    .query(stationVariableQuery)
    .definition(stationVariableQuery)
    .refresh(dashboard.VariableRefresh.OnDashboardLoad)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .allowCustomValue(false)
    .multi(false)
    .includeAll(false);
}
