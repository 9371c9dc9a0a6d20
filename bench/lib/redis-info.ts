import { Redis } from 'ioredis';

// The Redis server's own account of its load (INFO).

/** INFO sections parsed to key → value (numbers where they are numbers). */
export async function redisInfo(
  url: string,
  sections: readonly string[] = ['stats', 'memory', 'commandstats', 'clients', 'cpu'],
): Promise<Record<string, string | number>> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const stdout = await client
    .connect()
    .then(() => client.info(...sections))
    .finally(() => client.disconnect());
  const info: Record<string, string | number> = {};
  for (const line of stdout.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (line.startsWith('#') || at < 0) continue;
    const value = line.slice(at + 1);
    info[line.slice(0, at)] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  return info;
}

/** Calls per command between two INFO readings (cmdstat_publish:calls=…,usec=…), busiest first. */
export function commandsBetween(a: Record<string, string | number>, b: Record<string, string | number>, seconds: number) {
  const calls = (info: Record<string, string | number>, key: string) => Number(/calls=(\d+)/.exec(String(info[key] ?? ''))?.[1] ?? 0);
  const usec = (info: Record<string, string | number>, key: string) => Number(/usec=(\d+)/.exec(String(info[key] ?? ''))?.[1] ?? 0);
  return Object.keys(b)
    .filter((k) => k.startsWith('cmdstat_'))
    .map((k) => ({ command: k.slice('cmdstat_'.length), calls: calls(b, k) - calls(a, k), usec: usec(b, k) - usec(a, k) }))
    .filter((c) => c.calls > 0)
    .sort((x, y) => y.calls - x.calls)
    .map((c) => ({ ...c, perSec: Math.round(c.calls / seconds), usecPerCall: Math.round((c.usec / c.calls) * 10) / 10 }));
}
