import type { User } from '../../auth/users.js';

// REST calls with the bearer token; an expired login sends the user back to the login form.

export type { User };

const TOKEN_KEY = 'token';
export const token = (): string | null => localStorage.getItem(TOKEN_KEY);
export const setToken = (value: string | null): void => (value ? localStorage.setItem(TOKEN_KEY, value) : localStorage.removeItem(TOKEN_KEY));

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let onUnauthorized: () => void = () => undefined;
export const whenUnauthorized = (fn: () => void): void => {
  onUnauthorized = fn;
};

async function request(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  const tk = token();
  if (tk) headers.authorization = `Bearer ${tk}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  // No answer at all (server down, connection dropped) is status 0, so the page can say "check the network".
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }).catch((e: unknown) => {
    throw new ApiError(0, (e as Error).message);
  });
  if (!res.ok) {
    const err = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    if (res.status === 401 && path !== '/api/auth/login') onUnauthorized();
    throw new ApiError(res.status, err?.error?.message ?? res.statusText);
  }
  return res;
}

export const api = {
  get: async <T>(path: string): Promise<T> => (await request('GET', path)).json() as Promise<T>,
  send: async <T>(method: 'POST' | 'PUT', path: string, body: unknown): Promise<T> => (await request(method, path, body)).json() as Promise<T>,
  /** Downloads a non-JSON export with the token (a plain link would not carry it). */
  async download(path: string, filename: string): Promise<void> {
    const blob = await (await request('GET', path)).blob();
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = filename;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  },
  async openHtml(path: string): Promise<void> {
    const blob = await (await request('GET', path)).blob();
    window.open(URL.createObjectURL(new Blob([blob], { type: 'text/html' })), '_blank');
  },
};
