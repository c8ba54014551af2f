/**
 * The report interval when --interval is not given. 5 s suits the usual minute-long run, but a
 * quick first try of a few seconds would be one partial interval, leaving its time charts and its
 * steady-state judgement nothing to work on; so a run under 50 s gets a tenth of its duration in
 * whole seconds, never below 1 s.
 */
export const DEFAULT_INTERVAL_MS = 5000;

export function defaultIntervalMs(durationMs: number): number {
  return Math.min(DEFAULT_INTERVAL_MS, Math.max(1, Math.floor(durationMs / 10_000)) * 1000);
}

/** The words the run's first line adds when the interval was shortened for a short run, else null. */
export function shortenedIntervalNote(durationMs: number, intervalMs: number): string | null {
  if (intervalMs >= DEFAULT_INTERVAL_MS) return null;
  return `interval ${intervalMs / 1000} s (a tenth of the ${durationMs / 1000} s duration, at least 1 s; --interval sets it)`;
}
