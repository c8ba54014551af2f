/**
 * Confidence intervals of positive figures (throughput, latency, work per operation) that cannot
 * cross zero. Student's t on the raw values gives a 2-run configuration an interval of ±12.7
 * standard errors, which reads as a negative throughput; here the interval is built on the log
 * scale (delta method: log(mean) ± t · SE / mean), so it is mean ×/÷ a factor, and with fewer than
 * MIN_RUNS_FOR_INTERVAL samples none is given at all: the width of such an interval says more
 * about the t distribution's tail than about the runs.
 */
import { mean, sampleStdDev, studentTQuantile, type IncomparableDiff, type MeanInterval, type RelativeDiff } from './stats.js';

export const MIN_RUNS_FOR_INTERVAL = 3;

/** The words for a missing interval, on the page and in `compare`'s text alike. */
export function tooFewText(noun = 'runs'): string {
  return `too few ${noun} for an interval`;
}

/** Mean and its interval on the log scale; unbounded (no interval) below MIN_RUNS_FOR_INTERVAL samples. */
export function positiveMeanCI(samples: readonly number[], level: number): MeanInterval {
  const m = mean(samples);
  const n = samples.length;
  if (n < MIN_RUNS_FOR_INTERVAL) return { mean: m, lo: -Infinity, hi: Infinity, n };
  const s = sampleStdDev(samples);
  if (s === 0) return { mean: m, lo: m, hi: m, n };
  // A mean at or below zero has no log: no interval rather than one of the wrong kind.
  if (!(m > 0)) return { mean: m, lo: -Infinity, hi: Infinity, n };
  const factor = Math.exp((studentTQuantile((1 + level) / 2, n - 1) * s) / (m * Math.sqrt(n)));
  return { mean: m, lo: m / factor, hi: m * factor, n };
}

/**
 * b against a as a ratio of means, in percent: log(mean(b) / mean(a)) ± t · √(sa²/(na·ma²) +
 * sb²/(nb·mb²)) with Welch–Satterthwaite degrees of freedom on those relative variances. The
 * interval stays above −100 % (b cannot fall below zero), and the baseline's own uncertainty is
 * counted, unlike a difference divided by mean(a).
 */
export function ratioDiff(a: readonly number[], b: readonly number[], level: number, noun = 'runs'): RelativeDiff {
  const nA = a.length;
  const nB = b.length;
  const meanA = nA > 0 ? mean(a) : NaN;
  const meanB = nB > 0 ? mean(b) : NaN;
  const changePct = meanA > 0 ? 100 * (meanB / meanA - 1) : NaN;
  const incomparable = (reason: string): IncomparableDiff => ({ comparable: false, changePct, level, nA, nB, significant: false, reason });
  if (nA < MIN_RUNS_FOR_INTERVAL || nB < MIN_RUNS_FOR_INTERVAL) {
    return incomparable(`${tooFewText(noun)}: ${nA} vs ${nB}, at least ${MIN_RUNS_FOR_INTERVAL} per side`);
  }
  if (!(meanA > 0 && meanB > 0)) return incomparable('a mean is not above zero, so a ratio is undefined');
  const relativeA = sampleStdDev(a) ** 2 / (nA * meanA ** 2);
  const relativeB = sampleStdDev(b) ** 2 / (nB * meanB ** 2);
  const standardError = Math.sqrt(relativeA + relativeB);
  // When neither group varies the ratio is known exactly (df → ∞, zero width).
  const df = standardError === 0 ? Infinity : (relativeA + relativeB) ** 2 / (relativeA ** 2 / (nA - 1) + relativeB ** 2 / (nB - 1));
  const halfWidth = standardError === 0 ? 0 : studentTQuantile((1 + level) / 2, df) * standardError;
  const logRatio = Math.log(meanB / meanA);
  const ciPct = { lo: 100 * (Math.exp(logRatio - halfWidth) - 1), hi: 100 * (Math.exp(logRatio + halfWidth) - 1) };
  return { comparable: true, changePct, ciPct, level, df, nA, nB, significant: ciPct.lo > 0 || ciPct.hi < 0 };
}
