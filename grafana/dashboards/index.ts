import type { DashboardJson } from '../board.js';
import { buildProgress } from './build-progress.js';
import { complianceTrends } from './compliance-trends.js';
import { districtDetail } from './district-detail.js';
import { fleetOverview } from './fleet-overview.js';
import { speakerUsage } from './speaker-usage.js';
import { stationDetail } from './station-detail.js';

/** Every board, in the order they are listed and provisioned. */
export function buildDashboards(): DashboardJson[] {
  return [fleetOverview(), districtDetail(), stationDetail(), speakerUsage(), complianceTrends(), buildProgress()];
}
