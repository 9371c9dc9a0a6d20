import { readFileSync } from 'node:fs';
import { parseRegistry, RegistryError, type Registry } from '../domain/registry.js';
import { SHARED_ENV } from './config.js';
import { projectPath } from './paths.js';

export const DEFAULT_REGISTRY_FILE = projectPath(SHARED_ENV.REGISTRY_FILE.parse(undefined));

/** Reads and validates a registry file; every bad row and field is named in the error. */
export function loadRegistryFile(path: string = DEFAULT_REGISTRY_FILE): Registry {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new RegistryError([`${path}: ${(e as Error).message}`]);
  }
  return parseRegistry(data);
}
