import { parseRegistry, RegistryError, type Registry } from '../domain/registry.js';
import { SHARED_ENV } from './config.js';
import { readJson } from './json-file.js';
import { projectPath } from './paths.js';

export const DEFAULT_REGISTRY_FILE = projectPath(SHARED_ENV.REGISTRY_FILE.parse(undefined));

/** Reads and validates a registry file; every bad row and field is named in the error. */
export function loadRegistryFile(path: string = DEFAULT_REGISTRY_FILE): Registry {
  return parseRegistry(readJson(path, (file, problems) => new RegistryError(problems.map((p) => `${file}: ${p}`))));
}
