/**
 * Latency histograms: one builder, one encoding. Histograms cross threads only as compressed
 * base64 strings; values are microseconds.
 */
import * as hdr from 'hdr-histogram-js';
import type { LatencySummaryMs } from '../results/types.js';

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

export function latencySummaryMs(histogram: Histogram): LatencySummaryMs {
  if (histogram.totalCount === 0) return { p50: 0, p95: 0, p99: 0, max: 0, mean: 0 };
  const ms = (us: number): number => Math.round(us) / 1000;
  return {
    p50: ms(histogram.getValueAtPercentile(50)),
    p95: ms(histogram.getValueAtPercentile(95)),
    p99: ms(histogram.getValueAtPercentile(99)),
    max: ms(histogram.maxValue),
    mean: Math.round(histogram.mean) / 1000,
  };
}

/** HdrHistogram's percentile-distribution text, in milliseconds (the `.hgrm` format). */
export function percentileDistributionMs(histogram: Histogram): string {
  return histogram.outputPercentileDistribution(5, 1000);
}
