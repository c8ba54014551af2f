/**
 * How a failed attempt is handled, for every scenario alike: deadlocks (1213) and lock-wait
 * timeouts (1205) are retried after a jittered exponential backoff, up to a bounded number of
 * attempts; the jitter keeps the retrying transactions from colliding again in lockstep.
 */

export interface RetryPolicy {
  /** Attempts after the first one. */
  retries: number;
  /** Base of the backoff before retry n: base · 2^(n-1), jittered by ×[0.5, 1.5), capped. */
  backoffMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 10, backoffMs: 2 };
const MAX_BACKOFF_MS = 1000;
const RECONNECT_BACKOFF_MS = { first: 100, max: 5000 };

export function retryDelayMs(policy: RetryPolicy, retryNumber: number, random: () => number = Math.random): number {
  const exponential = policy.backoffMs * 2 ** Math.min(retryNumber - 1, 20);
  return Math.min(MAX_BACKOFF_MS, exponential * (0.5 + random()));
}

export function reconnectDelayMs(failures: number): number {
  return Math.min(RECONNECT_BACKOFF_MS.max, RECONNECT_BACKOFF_MS.first * 2 ** Math.min(failures, 10));
}
