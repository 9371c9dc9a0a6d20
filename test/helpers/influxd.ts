import type { ExecutionContext, TestFn } from 'ava';
import { connectInflux, type Influx, type InfluxConfig } from '../../lib/influx/client.js';
import { startPrivateInfluxd, type PrivateInfluxd } from '../../lib/influx/private-influxd.js';
import { createLogger } from '../../lib/logger.js';

export interface InfluxdFixture {
  /** The running instance (inside tests and hooks declared after withInfluxd). */
  influxd(): PrivateInfluxd;
  /** A database name no other test in this file uses. */
  newDatabase(prefix?: string): string;
  /** A client on a fresh, created database, closed when the test ends. */
  connect(t: ExecutionContext, config?: Partial<InfluxConfig>): Promise<Influx>;
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
  const fixture: InfluxdFixture = {
    influxd() {
      if (!instance) throw new Error('private influxd not started: call withInfluxd(test) at the top of the test file');
      return instance;
    },
    newDatabase: (prefix = 'test') => `${prefix}_${process.pid}_${seq++}`,
    async connect(t, config = {}) {
      const influx = await connectInflux(
        { url: fixture.influxd().url, database: fixture.newDatabase(), ...config },
        createLogger('test-influx', process.env.LOG_LEVEL ?? 'silent'),
      );
      t.teardown(() => influx.close());
      await influx.ensureDatabase();
      return influx;
    },
  };
  return fixture;
}
