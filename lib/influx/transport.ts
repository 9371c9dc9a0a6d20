import type { CommunicationObserver, SendOptions, Transport } from '@influxdata/influxdb-client';

/**
 * Maps the client's v2 write path to InfluxDB 1.x's /write endpoint (1.x before 1.8 has no
 * /api/v2/write). The bucket follows the 1.8 compatibility convention "database" or
 * "database/retention-policy"; precision and consistency carry over.
 */
export function v1WritePath(v2Path: string): string {
  const url = new URL(v2Path, 'http://influx.invalid');
  if (url.pathname !== '/api/v2/write') return v2Path;
  const bucket = url.searchParams.get('bucket') ?? '';
  const slash = bucket.indexOf('/');
  const params = new URLSearchParams({ db: slash < 0 ? bucket : bucket.slice(0, slash) });
  if (slash >= 0 && slash < bucket.length - 1) params.set('rp', bucket.slice(slash + 1));
  for (const name of ['precision', 'consistency']) {
    const value = url.searchParams.get(name);
    if (value) params.set(name, value);
  }
  return `/write?${params.toString()}`;
}

/** Called once per write request with its duration and outcome. */
export type RequestObserver = (ms: number, ok: boolean) => void;

/** Hooks around every request: `started` when it is handed to the HTTP layer, `finished` after its callbacks ran. */
export interface RequestHooks {
  started?(): void;
  finished?: RequestObserver;
}

/**
 * Wraps the library's own HTTP transport: rewrites paths (for 1.x) and reports every write batch's
 * start and end (the library does not expose the promises of the batches it sends by itself).
 * Everything else (retries, batching, gzip) stays the library's.
 */
export function wrapTransport(base: Transport, mapPath: (path: string) => string, hooks: RequestHooks = {}): Transport {
  return {
    send(path: string, body: string, options: SendOptions, callbacks?: Partial<CommunicationObserver<Uint8Array>>): void {
      const started = performance.now();
      let reported = false;
      const report = (ok: boolean): void => {
        if (reported) return;
        reported = true;
        hooks.finished?.(performance.now() - started, ok);
      };
      hooks.started?.();
      base.send(mapPath(path), body, options, {
        ...callbacks,
        error(error: Error) {
          try {
            callbacks?.error?.(error);
          } finally {
            report(false);
          }
        },
        complete() {
          try {
            callbacks?.complete?.();
          } finally {
            report(true);
          }
        },
      });
    },
    request: (path, body, options, responseStarted) => base.request(mapPath(path), body, options, responseStarted),
    iterate: (path, body, options) => base.iterate(mapPath(path), body, options),
    chunkCombiner: base.chunkCombiner,
  };
}
