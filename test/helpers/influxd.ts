import type { TestFn } from 'ava';
import { startPrivateInfluxd, type PrivateInfluxd } from '../../lib/influx/private-influxd.js';

export interface InfluxdFixture {
  /** The running instance (inside tests and hooks declared after withInfluxd). */
  influxd(): PrivateInfluxd;
  /** A database name no other test in this file uses. */
  newDatabase(prefix?: string): string;
}

/**
 * One private influxd per test file: started in a serial before hook (so before hooks declared later can use it),
 * stopped (and its temp dir removed) in test.after.always. Tests isolate themselves by using a fresh database each.
 */
export function withInfluxd(test: TestFn<unknown>): InfluxdFixture {
  let instance: PrivateInfluxd | undefined;
  let seq = 0;
  test.serial.before(async () => {
    instance = await startPrivateInfluxd();
  });
  test.after.always(async () => {
    await instance?.stop();
  });
  return {
    influxd() {
      if (!instance) throw new Error('private influxd not started: call withInfluxd(test) at the top of the test file');
      return instance;
    },
    newDatabase: (prefix = 'test') => `${prefix}_${process.pid}_${seq++}`,
  };
}
