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

export type Histogram = hdr.Histogram;

/** 1 µs to 1 hour at 3 significant digits; anything slower is clamped to the top. */
const HIGHEST_US = 3_600_000_000;

export function newHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3, autoResize: false });
}

export function recordMicros(histogram: Histogram, micros: number): void {
  histogram.recordValue(micros < 1 ? 1 : micros > HIGHEST_US ? HIGHEST_US : Math.round(micros));
}

export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 32, false);
}

/** Adds encoded histograms into `target` (a histogram of our own shape). */
export function mergeEncoded(target: Histogram, encoded: Iterable<string>): Histogram {
  for (const text of encoded) {
    const other = decodeHistogram(text);
    target.add(other);
  }
  return target;
}

/** The JS histogram's bucket access, used for the one-pass summary below. */
interface BucketAccess {
  countsArrayLength: number;
  getCountAtIndex(index: number): number;
  valueFromIndex(index: number): number;
  highestEquivalentValue(value: number): number;
  medianEquivalentValue(value: number): number;
}

/**
 * p50/p95/p99, max and mean in ONE pass over the buckets, with HdrHistogram's own percentile rule
 * (the highest value equivalent to the bucket where the count reaches ⌊p·n + ½⌋). The library's
 * getValueAtPercentile and mean each walk every bucket through iterator objects; done for every
 * op type every interval, that cost the main thread a measurable share of the client's CPU.
 */
export function latencySummaryMs(histogram: Histogram): LatencySummaryMs {
  const total = histogram.totalCount;
  if (total === 0) return { p50: 0, p95: 0, p99: 0, max: 0, mean: 0 };
  const buckets = histogram as unknown as BucketAccess;
  const targets = [50, 95, 99].map((p) => Math.max(1, Math.floor((p / 100) * total + 0.5)));
  const found: number[] = [];
  let seen = 0;
  let sum = 0;
  for (let index = 0; index < buckets.countsArrayLength; index++) {
    const count = buckets.getCountAtIndex(index);
    if (count === 0) continue;
    const value = buckets.valueFromIndex(index);
    seen += count;
    sum += buckets.medianEquivalentValue(value) * count;
    while (found.length < targets.length && seen >= targets[found.length]!) found.push(buckets.highestEquivalentValue(value));
  }
  const ms = (us: number): number => Math.round(us) / 1000;
  return { p50: ms(found[0]!), p95: ms(found[1]!), p99: ms(found[2]!), max: ms(histogram.maxValue), mean: Math.round(sum / total) / 1000 };
}

/** HdrHistogram's percentile-distribution text, in milliseconds (the `.hgrm` format). */
export function percentileDistributionMs(histogram: Histogram): string {
  return histogram.outputPercentileDistribution(5, 1000);
}
