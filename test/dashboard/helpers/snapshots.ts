import { NO_TIME } from '../../../rules/compliance.js';

/** For fixture snapshots that state only ratios: fully watched, no time behind them. */
export const WATCHED = { today: 1, last30Days: 1, yearToDate: 1 };
export const NO_TIMES = { today: NO_TIME, last30Days: NO_TIME, yearToDate: NO_TIME };
