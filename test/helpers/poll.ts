// The one polling helper of the suite. Prefer the code's own signals (a flush, an event, a promise);
// poll only what has none, such as a counter in another process or a line a child process prints.

export interface PollOptions {
  timeoutMs?: number;
  /** How often the condition is checked. */
  everyMs?: number;
  /** Named in the error when time is up. */
  what?: string;
}

/** Resolves once `done()` holds; rejects after `timeoutMs` (default 5 s). */
export async function until(done: () => boolean | Promise<boolean>, o: PollOptions | number = {}): Promise<void> {
  const { timeoutMs = 5000, everyMs = 20, what = 'condition' } = typeof o === 'number' ? { timeoutMs: o } : o;
  for (const end = Date.now() + timeoutMs; !(await done()); ) {
    if (Date.now() > end) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
