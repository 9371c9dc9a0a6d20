import test from 'ava';
import { SERIES, type PointData } from '../../domain/series.js';
import { influxqlDuration, retentionSeconds, shardGroupSeconds } from '../../lib/influx/duration.js';
import { toLine } from '../../lib/influx/points.js';
import { InfluxQueryError, quoteIdent, rowsOf } from '../../lib/influx/query.js';
import { v1WritePath } from '../../lib/influx/transport.js';
import { parseInfluxVersion } from '../../lib/influx/version.js';

test('the /ping version header tells 1.x from 2.x', (t) => {
  t.is(parseInfluxVersion('1.6.7~rc0'), '1');
  t.is(parseInfluxVersion('1.8.10'), '1');
  t.is(parseInfluxVersion('v2.7.1'), '2');
  t.is(parseInfluxVersion('2.7.4'), '2');
  t.throws(() => parseInfluxVersion('v3.0.0'), { message: /unsupported InfluxDB.*v3\.0\.0/ });
  t.throws(() => parseInfluxVersion(null), { message: /unsupported InfluxDB/ });
  t.throws(() => parseInfluxVersion('OSS'), { message: /unsupported/ });
});

test('the client v2 write path maps onto the 1.x /write endpoint', (t) => {
  t.is(v1WritePath('/api/v2/write?org=&bucket=stations&precision=ms'), '/write?db=stations&precision=ms');
  t.is(v1WritePath('/api/v2/write?org=x&bucket=stations%2Fweek&precision=s&consistency=one'), '/write?db=stations&rp=week&precision=s&consistency=one');
  t.is(v1WritePath('/api/v2/write?org=&bucket=a%20b%26c&precision=ms'), '/write?db=a+b%26c&precision=ms');
  // Anything that is not a write is passed through untouched.
  t.is(v1WritePath('/api/v2/buckets?name=x'), '/api/v2/buckets?name=x');
});

test('a PointData becomes one line with typed fields and ms time', (t) => {
  const point: PointData = {
    measurement: SERIES.appliance.measurement,
    tags: { station: 'SN-0001', district: 'SN', appliance: 'fridge' },
    fields: { on: { type: 'int', value: 1 }, power_w: { type: 'float', value: 85.5 }, fault_code: { type: 'string', value: 'E1' } },
    time: 1_767_225_600_123,
  };
  t.is(toLine(point), 'appliance,appliance=fridge,district=SN,station=SN-0001 fault_code="E1",on=1i,power_w=85.5 1767225600123');
});

test('tag and string values cannot inject line protocol', (t) => {
  const evil: PointData = {
    measurement: 'm',
    tags: { station: 'SN-0001 x=1\nother,station=SB-0002 y=2' },
    fields: { note: { type: 'string', value: 'a" y=3i\nm z=4i 1' } },
    time: 1,
  };
  const line = toLine(evil);
  // Every separator in the tag value is escaped, the string field stays one quoted value.
  t.is(line, 'm,station=SN-0001\\ x\\=1\\nother\\,station\\=SB-0002\\ y\\=2 note="a\\" y=3i\nm z=4i 1" 1');
  t.false(line.split('\n')[0]!.includes(' y=2'));
});

test('a field that is not a number for its type is refused before it is buffered', (t) => {
  const bad: PointData = { measurement: 'm', tags: {}, fields: { v: { type: 'float', value: Number.NaN } }, time: 1 };
  t.throws(() => toLine(bad), { message: /invalid float/ });
  t.throws(() => toLine({ measurement: 'm', tags: {}, fields: {}, time: 1 }), { message: /no fields/ });
});

test('retention durations convert to seconds and shard durations follow InfluxDB defaults', (t) => {
  t.is(retentionSeconds('0s'), 0);
  t.is(retentionSeconds('INF'), 0);
  t.is(retentionSeconds('400d'), 400 * 86_400);
  t.is(retentionSeconds('1w2d3h'), 7 * 86_400 + 2 * 86_400 + 3 * 3600);
  t.throws(() => retentionSeconds('10ms'), { message: /invalid retention/ });
  t.throws(() => retentionSeconds('forever'), { message: /invalid retention/ });
  t.is(shardGroupSeconds(0), 7 * 86_400);
  t.is(shardGroupSeconds(86_400), 3600);
  t.is(shardGroupSeconds(30 * 86_400), 86_400);
  t.is(shardGroupSeconds(400 * 86_400), 7 * 86_400);
  t.is(influxqlDuration(3600), '3600s');
});

test('query answers flatten to rows with series tags merged in', (t) => {
  const rows = rowsOf(
    {
      results: [
        {
          statement_id: 0,
          series: [
            { name: 'm', tags: { station: 'SN-0001' }, columns: ['time', 'count'], values: [[1000, 3]] },
            {
              name: 'm',
              tags: { station: 'SN-0002' },
              columns: ['time', 'count'],
              values: [
                [1000, 5],
                [2000, 6],
              ],
            },
          ],
        },
        { statement_id: 1 },
      ],
    },
    'q',
  );
  t.deepEqual(rows, [
    { station: 'SN-0001', time: 1000, count: 3 },
    { station: 'SN-0002', time: 1000, count: 5 },
    { station: 'SN-0002', time: 2000, count: 6 },
  ]);
});

test('an InfluxQL error in any statement is thrown with the query', (t) => {
  const e = t.throws(() => rowsOf({ results: [{ statement_id: 0, error: 'database not found: x' }] }, 'SELECT 1'), { instanceOf: InfluxQueryError });
  t.regex(e.message, /database not found: x.*SELECT 1/);
  t.throws(() => rowsOf({ error: 'error parsing query' }, 'SELEC'), { message: /error parsing query/ });
  t.throws(() => rowsOf({ results: 'nope' }, 'q'), { message: /unexpected answer/ });
});

test('identifiers are quoted so a name cannot end the statement', (t) => {
  t.is(quoteIdent('stations'), '"stations"');
  t.is(quoteIdent('a"; DROP DATABASE x; "'), '"a\\"; DROP DATABASE x; \\""');
});
