import { z } from 'zod';

/**
 * Each service declares its environment variables as one zod object (see `<service>/config.ts`);
 * the `.describe()` text is the documentation, printed by `npm run config:table` for the README.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * An empty variable (`MQTT_PORT=` in a shell or compose file) counts as unset, so it gets the default:
 * coerced to a number it would silently be 0 — "any port" for a port.
 */
export function readConfig<S extends z.ZodObject>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(set);
  if (!result.success) throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  return result.data;
}

/** Common field builders so every service spells ports, URLs and flags the same way. */
export const env = {
  port: (fallback: number, doc: string) => z.coerce.number().int().min(0).max(65535).default(fallback).describe(doc),
  url: (fallback: string, doc: string) => z.url().default(fallback).describe(doc),
  /** A broker URL in a scheme mqtt.js speaks to our broker: TCP, TLS, WebSocket, secure WebSocket. */
  mqttUrl: (fallback: string, doc: string) =>
    z.url({ protocol: /^(mqtts?|wss?)$/, error: 'expected an mqtt://, mqtts://, ws:// or wss:// URL' }).default(fallback).describe(doc),
  string: (fallback: string, doc: string) => z.string().min(1).default(fallback).describe(doc),
  optionalString: (doc: string) => z.string().min(1).optional().describe(doc),
  int: (fallback: number, min: number, max: number, doc: string) => z.coerce.number().int().min(min).max(max).default(fallback).describe(doc),
  flag: (fallback: boolean, doc: string) =>
    z.enum(['true', 'false', '1', '0']).default(fallback ? 'true' : 'false').transform((v) => v === 'true' || v === '1').describe(doc),
};
