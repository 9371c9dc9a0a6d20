import type { Alert } from '../../domain/alerts.js';

/** A firing major alert of SN-0001 (a fridge fault); `patch` changes what a test needs. */
export const alertFixture = (patch: Partial<Alert> = {}): Alert => ({
  key: 'SN-0001:appliance_fault',
  ruleId: 'appliance_fault',
  stationId: 'SN-0001',
  district: 'SN',
  severity: 'major',
  state: 'firing',
  summaryZh: '冰箱 E1',
  summaryEn: 'fridge E1',
  firstSeen: Date.UTC(2026, 4, 6, 2),
  lastSeen: Date.UTC(2026, 4, 6, 2),
  escalated: false,
  ...patch,
});
