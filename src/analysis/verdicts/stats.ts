/**
 * Small-sample statistics for comparing benchmark runs: means, spreads, Student-t intervals and
 * Welch's comparison of two groups. Nightly comparisons have 3–10 runs per side, which is why
 * everything here uses the t distribution rather than the normal one.
 */

export interface Interval {
  lo: number;
  hi: number;
}

export interface MeanInterval extends Interval {
  mean: number;
  n: number;
}

/** Relative difference of group b against group a, in percent of mean(a). */
export type RelativeDiff = ComparableDiff | IncomparableDiff;

export interface ComparableDiff {
  comparable: true;
  /** 100 · (mean(b) − mean(a)) / |mean(a)|. */
  changePct: number;
  /** Confidence interval of changePct at `level`. */
  ciPct: Interval;
  level: number;
  /** Welch–Satterthwaite degrees of freedom (Infinity when neither group varies). */
  df: number;
  nA: number;
  nB: number;
  /** The interval excludes 0. */
  significant: boolean;
}

export interface IncomparableDiff {
  comparable: false;
  /** The point estimate when both means exist and mean(a) ≠ 0, otherwise NaN. */
  changePct: number;
  level: number;
  nA: number;
  nB: number;
  significant: false;
  /** Why no interval could be computed. */
  reason: string;
}

export function mean(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError('mean of an empty sample is undefined');
  let sum = 0;
  for (const x of samples) sum += x;
  return sum / samples.length;
}

/** The middle value of a sample (the mean of the two middle ones for an even count); NaN when empty. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile of a sample (p in 0..100): a value that was measured, never interpolated; NaN when empty. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** Sample standard deviation (n − 1 in the denominator). */
export function sampleStdDev(samples: readonly number[]): number {
  if (samples.length < 2) {
    throw new RangeError(`a sample standard deviation needs at least 2 values, got ${samples.length}`);
  }
  // Two passes (mean first, then squared deviations) avoid the cancellation of sum(x²) − n·mean².
  const m = mean(samples);
  let squares = 0;
  for (const x of samples) squares += (x - m) ** 2;
  return Math.sqrt(squares / (samples.length - 1));
}

// Lanczos approximation (g = 7, 9 terms), accurate to ~15 digits for positive arguments.
const LANCZOS_COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

function logGamma(x: number): number {
  if (x < 0.5) {
    // Reflection formula: the Lanczos series is only accurate for x ≥ 0.5.
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  }
  const z = x - 1;
  let series = LANCZOS_COEFFICIENTS[0] ?? 1;
  for (let i = 1; i < LANCZOS_COEFFICIENTS.length; i++) series += (LANCZOS_COEFFICIENTS[i] ?? 0) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(series);
}

/** Continued fraction for the incomplete beta function, evaluated with the modified Lentz method. */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  const epsilon = 1e-15;
  const maxIterations = 10_000;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let fraction = d;
  for (let m = 1; m <= maxIterations; m++) {
    const twoM = 2 * m;
    // Even step.
    let numerator = (m * (b - m) * x) / ((a - 1 + twoM) * (a + twoM));
    d = 1 + numerator * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + numerator / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    fraction *= d * c;
    // Odd step.
    numerator = (-(a + m) * (a + b + m) * x) / ((a + twoM) * (a + 1 + twoM));
    d = 1 + numerator * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + numerator / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    fraction *= step;
    if (Math.abs(step - 1) < epsilon) return fraction;
  }
  throw new Error(`incomplete beta did not converge for a=${a}, b=${b}, x=${x}`);
}

/** Regularized incomplete beta function I_x(a, b). */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  // The continued fraction converges fast only below this point; above it use I_x(a,b) = 1 − I_{1−x}(b,a).
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Complementary error function (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -z * z -
    1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 +
      t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const value = t * Math.exp(poly);
  return x >= 0 ? value : 2 - value;
}

function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom; df = Infinity gives the normal distribution. */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be > 0, got ${df}`);
  if (df === Infinity) return normalCdf(t);
  const tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * The p-quantile of Student's t (its inverse CDF), found by bisection on studentTCdf. Bisection
 * is slower than Newton but cannot diverge in the heavy tails of df = 1, and a few dozen CDF
 * evaluations per call are nothing next to a benchmark run.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`probability must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be > 0, got ${df}`);
  if (p === 0.5) return 0;
  // The distribution is symmetric: solve in the upper half and mirror.
  const upper = p > 0.5 ? p : 1 - p;
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < upper) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1e-12 * hi) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < upper) lo = mid;
    else hi = mid;
  }
  const quantile = (lo + hi) / 2;
  return p > 0.5 ? quantile : -quantile;
}

function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
}

/** Two-sided critical value t((1 + level) / 2, df). */
function criticalT(level: number, df: number): number {
  return studentTQuantile((1 + level) / 2, df);
}

/**
 * Confidence interval of the population mean: mean ± t · s / √n. A single sample says nothing
 * about spread, so n = 1 gives an unbounded interval rather than a falsely precise one.
 */
export function meanCI(samples: readonly number[], level = 0.95): MeanInterval {
  checkLevel(level);
  const m = mean(samples);
  const n = samples.length;
  if (n < 2) return { mean: m, lo: -Infinity, hi: Infinity, n };
  const halfWidth = (criticalT(level, n - 1) * sampleStdDev(samples)) / Math.sqrt(n);
  return { mean: m, lo: m - halfWidth, hi: m + halfWidth, n };
}

/**
 * Interval expected to hold one further run drawn from the same population:
 * mean ± t · s · √(1 + 1/n). Wider than meanCI because it adds the new run's own scatter to the
 * uncertainty of the mean. n = 1 gives an unbounded interval, as in meanCI.
 */
export function predictionInterval(samples: readonly number[], level = 0.95): MeanInterval {
  checkLevel(level);
  const m = mean(samples);
  const n = samples.length;
  if (n < 2) return { mean: m, lo: -Infinity, hi: Infinity, n };
  const halfWidth = criticalT(level, n - 1) * sampleStdDev(samples) * Math.sqrt(1 + 1 / n);
  return { mean: m, lo: m - halfWidth, hi: m + halfWidth, n };
}

/**
 * Welch's comparison of b against a (no equal-variance assumption), reported relative to mean(a).
 *
 * Approximation: the absolute difference's interval is divided by mean(a) as if mean(a) were
 * exact. This ignores the baseline mean's own uncertainty in the denominator (Fieller's method
 * would not), which is negligible while mean(a)'s relative standard error is a few percent, as
 * it is for repeated benchmark runs.
 */
export function welchDiff(a: readonly number[], b: readonly number[], level = 0.95): RelativeDiff {
  checkLevel(level);
  const nA = a.length;
  const nB = b.length;
  const meanA = nA > 0 ? mean(a) : NaN;
  const meanB = nB > 0 ? mean(b) : NaN;
  const toPct = (absolute: number): number => (100 * absolute) / Math.abs(meanA);
  const changePct = meanA === 0 ? NaN : toPct(meanB - meanA);
  const incomparable = (reason: string): IncomparableDiff => ({
    comparable: false,
    changePct,
    level,
    nA,
    nB,
    significant: false,
    reason,
  });

  if (nA < 2 || nB < 2) {
    return incomparable(`a confidence interval needs at least 2 runs per group (got ${nA} vs ${nB})`);
  }
  if (meanA === 0) return incomparable('the first group averages 0, so a relative difference is undefined');

  const varianceOfMeanA = sampleStdDev(a) ** 2 / nA;
  const varianceOfMeanB = sampleStdDev(b) ** 2 / nB;
  const standardError = Math.sqrt(varianceOfMeanA + varianceOfMeanB);
  // Welch–Satterthwaite; when neither group varies the difference is known exactly (df → ∞, zero width).
  const df =
    standardError === 0
      ? Infinity
      : (varianceOfMeanA + varianceOfMeanB) ** 2 /
        (varianceOfMeanA ** 2 / (nA - 1) + varianceOfMeanB ** 2 / (nB - 1));
  const halfWidth = standardError === 0 ? 0 : criticalT(level, df) * standardError;
  const difference = meanB - meanA;
  const ciPct = { lo: toPct(difference - halfWidth), hi: toPct(difference + halfWidth) };
  return {
    comparable: true,
    changePct,
    ciPct,
    level,
    df,
    nA,
    nB,
    significant: ciPct.lo > 0 || ciPct.hi < 0,
  };
}

/** "+3.0 %", "-12 %", "0 %"; infinities as "+∞ %". */
export function formatSignedPercent(value: number, decimals: number): string {
  if (Number.isNaN(value)) return 'n/a';
  if (!Number.isFinite(value)) return `${value > 0 ? '+' : '-'}∞ %`;
  const text = value.toFixed(decimals);
  // toFixed keeps the sign of tiny negatives ("-0.0"); a rounded zero carries no direction.
  if (Number(text) === 0) return `${(0).toFixed(decimals)} %`;
  return `${value > 0 ? '+' : ''}${text} %`;
}

/**
 * "+70 % [+63 %, +77 %]" for a significant difference, "no significant difference (+3 % [-4 %, +10 %])"
 * otherwise. Whole percents unless every figure is below 10 %, where whole percents would round
 * small but real differences to "0 %".
 */
export function formatRelative(diff: RelativeDiff): string {
  if (!diff.comparable) {
    const estimate = Number.isNaN(diff.changePct) ? '' : `${formatSignedPercent(diff.changePct, 1)}, `;
    return `not testable (${estimate}${diff.reason})`;
  }
  const largest = Math.max(Math.abs(diff.changePct), Math.abs(diff.ciPct.lo), Math.abs(diff.ciPct.hi));
  const decimals = largest < 10 ? 1 : 0;
  const text =
    `${formatSignedPercent(diff.changePct, decimals)} ` +
    `[${formatSignedPercent(diff.ciPct.lo, decimals)}, ${formatSignedPercent(diff.ciPct.hi, decimals)}]`;
  return diff.significant ? text : `no significant difference (${text})`;
}

/** Least-squares slope of ys over xs (0 with fewer than two points or no spread in xs). */
export function leastSquaresSlope(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return 0;
  let meanX = 0;
  let meanY = 0;
  for (let i = 0; i < n; i++) {
    meanX += xs[i]!;
    meanY += ys[i]!;
  }
  meanX /= n;
  meanY /= n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - meanX) * (ys[i]! - meanY);
    sxx += (xs[i]! - meanX) ** 2;
  }
  return sxx === 0 ? 0 : sxy / sxx;
}
