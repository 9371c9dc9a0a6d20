import { Point } from '@influxdata/influxdb-client';
import type { PointData } from '../../domain/series.js';

/**
 * Converts the domain's PointData to the client library's Point, so that the library, not us,
 * escapes measurement, tag and field text in the line protocol.
 */
export function toClientPoint(data: PointData): Point {
  const point = new Point(data.measurement).timestamp(data.time);
  for (const [key, value] of Object.entries(data.tags)) point.tag(key, value);
  for (const [key, field] of Object.entries(data.fields)) {
    if (field.type === 'string') point.stringField(key, String(field.value));
    else if (field.type === 'int') point.intField(key, field.value);
    else point.floatField(key, field.value);
  }
  return point;
}

/** Line protocol of a point at millisecond precision (the precision every writer here uses). */
export function toLine(data: PointData): string {
  const line = toClientPoint(data).toLineProtocol({ convertTime: (t) => (t === undefined ? undefined : String(Math.floor(Number(t)))) });
  if (line === undefined) throw new Error(`point of ${data.measurement} has no fields`);
  return line;
}
