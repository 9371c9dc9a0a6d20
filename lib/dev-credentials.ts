import { z } from 'zod';
import { MqttUsernameSchema } from '../domain/accounts.js';
import { SHARED_ENV } from './config.js';
import { readJsonFile } from './json-file.js';
import { projectPath } from './paths.js';

// var/dev-credentials.json (development only, gitignored): username → plaintext password, written by
// the broker's development set-up, read by the services and the simulator to log in.

export const DEFAULT_DEV_CREDENTIALS_FILE = projectPath(SHARED_ENV.DEV_CREDENTIALS_FILE.parse(undefined));

export const DevCredentialsSchema = z.record(MqttUsernameSchema, z.string().min(16, 'password shorter than 16 characters'));
export type DevCredentials = z.infer<typeof DevCredentialsSchema>;

export const loadDevCredentials = (file: string = DEFAULT_DEV_CREDENTIALS_FILE): DevCredentials => readJsonFile(file, DevCredentialsSchema);

/** A service account's MQTT password: from its env var, else (development) from the generated dev credentials file. */
export function servicePassword(username: string, fromEnv: string | undefined, devCredentialsFile: string, envName: string): string {
  const password = fromEnv ?? loadDevCredentials(projectPath(devCredentialsFile))[username];
  if (!password) throw new Error(`no password for ${username}: set ${envName} (or generate dev credentials with the broker)`);
  return password;
}
