/**
 * Latency histograms: one builder, one encoding. Histograms cross threads only as compressed
 * base64 strings; values are microseconds.
 */
import * as hdr from 'hdr-histogram-js';

export interface LatencySummaryMs {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** The JS implementation: its bucket access is public, which the one-pass summary below reads. */
export type Histogram = hdr.JsHistogram;

/** 1 µs to 1 hour at 3 significant digits; anything slower is clamped to the top. */
const HIGHEST_US = 3_600_000_000;

export function newHistogram(): Histogram {
  return jsHistogram(hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3, autoResize: false }));
}

/** build, decode and HdrHistogram's log reader return the interface type; without WebAssembly the object is a JsHistogram. */
export function jsHistogram(histogram: hdr.Histogram): Histogram {
  if (!(histogram instanceof hdr.JsHistogram)) throw new Error('expected a JavaScript (not WebAssembly) histogram');
  return histogram;
}

export function recordMicros(histogram: Histogram, micros: number): void {
  histogram.recordValue(micros < 1 ? 1 : micros > HIGHEST_US ? HIGHEST_US : Math.round(micros));
}

export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): Histogram {
  return jsHistogram(hdr.decodeFromCompressedBase64(encoded, 32, false));
}

/**
 * The running count at which HdrHistogram's getValueAtPercentile stops: ⌈p·n⌉, at least 1,
 * computed as the library does (one ulp below p·n before rounding up, so that floating-point
 * noise in p·n never skips a count; p above 100 is 100).
 */
function countAtPercentile(percentile: number, total: number): number {
  const fpCount = (Math.min(percentile, 100) / 100) * total;
  const ulp = fpCount === 0 ? 0 : 2 ** (Math.floor(Math.log2(fpCount)) - 52);
  return Math.max(Math.ceil(fpCount - ulp), 1);
}

/**
 * Values at several percentiles (µs) in ONE pass over the buckets, each exactly what
 * getValueAtPercentile returns: the highest value equivalent to the bucket where the running
 * count reaches countAtPercentile (the lowest equivalent value for p = 0). The library's own call
 * walks every bucket per percentile; done for every op type every interval, that cost the main
 * thread a measurable share of the client's CPU. Also returns the mean (bucket midpoints, as the
 * library's `mean`).
 */
export function valuesAtPercentiles(histogram: Histogram, percentiles: readonly number[]): { values: number[]; mean: number } {
  const total = histogram.totalCount;
  if (total === 0) return { values: percentiles.map(() => 0), mean: 0 };
  const order = percentiles.map((p, i) => ({ i, p, target: countAtPercentile(p, total) })).sort((a, b) => a.target - b.target);
  const values = percentiles.map(() => 0);
  let next = 0;
  let seen = 0;
  let sum = 0;
  for (let index = 0; index < histogram.countsArrayLength; index++) {
    const count = histogram.getCountAtIndex(index);
    if (count === 0) continue;
    const value = histogram.valueFromIndex(index);
    seen += count;
    sum += histogram.medianEquivalentValue(value) * count;
    for (; next < order.length && seen >= order[next]!.target; next++) {
      const wanted = order[next]!;
      values[wanted.i] = wanted.p === 0 ? histogram.lowestEquivalentValue(value) : histogram.highestEquivalentValue(value);
    }
  }
  return { values, mean: sum / total };
}

/** p50/p95/p99 as getValueAtPercentile gives them, the recorded max and the mean, in ms. */
export function latencySummaryMs(histogram: Histogram): LatencySummaryMs {
  if (histogram.totalCount === 0) return { p50: 0, p95: 0, p99: 0, max: 0, mean: 0 };
  const { values, mean } = valuesAtPercentiles(histogram, [50, 95, 99]);
  const ms = (us: number): number => Math.round(us) / 1000;
  return { p50: ms(values[0]!), p95: ms(values[1]!), p99: ms(values[2]!), max: ms(histogram.maxValue), mean: Math.round(mean) / 1000 };
}

/** HdrHistogram's percentile-distribution text, in milliseconds (the `.hgrm` format). */
export function percentileDistributionMs(histogram: Histogram): string {
  return histogram.outputPercentileDistribution(5, 1000);
}

/**
 * Calls `visit` once per non-empty bucket with the bucket's middle value (µs) and its count: a
 * pass over the recorded buckets, for exporters that re-bin a histogram into fixed buckets.
 */
export function forEachBucket(histogram: Histogram, visit: (valueUs: number, count: number) => void): void {
  for (let index = 0; index < histogram.countsArrayLength; index++) {
    const count = histogram.getCountAtIndex(index);
    if (count > 0) visit(histogram.medianEquivalentValue(histogram.valueFromIndex(index)), count);
  }
}
