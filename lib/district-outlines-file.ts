import { type DistrictOutlines, parseOutlines } from '../domain/district-outlines.js';
import { readJson } from './json-file.js';
import { projectPath } from './paths.js';

/** The district outlines shipped with the project (GCJ-02; source and licence in data/qingdao-districts.md). */
export const loadDistrictOutlines = (path = projectPath('data/qingdao-districts.geo.json')): DistrictOutlines =>
  parseOutlines(readJson(path) as Parameters<typeof parseOutlines>[0]);
