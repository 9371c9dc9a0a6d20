import { z } from 'zod';
import { STATION_ID_PATTERN } from './station.js';

// Who may hold an MQTT account: every station (its id) and the platform's own services.
// Shared by the broker (accounts file, ACL) and the services (their dev credentials).

export const SERVICE_ACCOUNTS = ['svc-ingest', 'svc-alerting', 'svc-dashboard'] as const;
export type ServiceAccount = (typeof SERVICE_ACCOUNTS)[number];
export const isServiceAccount = (name: string): name is ServiceAccount => (SERVICE_ACCOUNTS as readonly string[]).includes(name);

export const MqttUsernameSchema = z.string().refine((u) => STATION_ID_PATTERN.test(u) || isServiceAccount(u), {
  message: `expected a station id like SN-0001 or one of ${SERVICE_ACCOUNTS.join(', ')}`,
});
