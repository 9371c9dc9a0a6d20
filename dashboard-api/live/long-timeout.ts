/** Longest delay setTimeout honours: Node fires anything above it after 1 ms. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Runs `fn` at epoch ms `at`, however far away: a login may last 30 days, beyond what one
 * setTimeout can wait, so the timer is re-armed in steps of at most `maxStepMs`.
 */
export function runAt(at: number, fn: () => void, now: () => number = Date.now, maxStepMs = MAX_TIMEOUT_MS): { clear(): void } {
  let timer: ReturnType<typeof setTimeout>;
  const arm = (): void => {
    const left = at - now();
    timer = left <= maxStepMs ? setTimeout(fn, Math.max(0, left)) : setTimeout(arm, maxStepMs);
  };
  arm();
  return { clear: () => clearTimeout(timer) };
}
