/**
 * HdrHistogram's own interval log (`latency.hlog`, format 1.3), written beside histograms.jsonl so
 * that HdrHistogram's HistogramLogProcessor and HistogramLogAnalyzer read a run as it is: one line
 * per operation type per interval, tagged with the operation type, timestamps in seconds from the
 * BaseTime (the start of the measured window), the interval's max in milliseconds (values are µs)
 * and the compressed histogram.
 */
import * as hdr from 'hdr-histogram-js';
import { encodeHistogram, jsHistogram, newHistogram, type Histogram } from '../metrics/histogram.js';

export const HISTOGRAM_LOG_FILE = 'latency.hlog';

interface LoggedInterval {
  /** The operation type ("insert", "read" …). */
  tag: string;
  /** Seconds from the log's BaseTime. */
  startSec: number;
  lengthSec: number;
  histogram: Histogram;
}

export interface HistogramLog {
  /** Wall-clock start of the measured window (ms since the epoch), also the BaseTime. */
  startTimeMs: number;
  intervals: LoggedInterval[];
}

/**
 * The lines before the first interval. The Java reader takes timestamps as relative to BaseTime
 * when the BaseTime line is there; without it, it guesses from their size.
 */
export function histogramLogHeader(startTimeMs: number): string {
  const seconds = (startTimeMs / 1000).toFixed(3);
  return [
    '#[Histogram log format version 1.3]',
    `#[StartTime: ${seconds} (seconds since epoch), ${new Date(startTimeMs).toUTCString()}]`,
    `#[BaseTime: ${seconds} (seconds since epoch)]`,
    '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"',
  ].join('\n');
}

/** One interval line. A tag may hold neither a comma nor white space (the log's separators). */
export function histogramLogLine(interval: LoggedInterval): string {
  const tag = interval.tag.replace(/[,\s]/g, '_');
  const { startSec, lengthSec, histogram } = interval;
  return `Tag=${tag},${startSec.toFixed(3)},${lengthSec.toFixed(3)},${(histogram.maxValue / 1000).toFixed(3)},${encodeHistogram(histogram)}`;
}

export function histogramLogText(log: HistogramLog): string {
  return [histogramLogHeader(log.startTimeMs), ...log.intervals.map(histogramLogLine)].join('\n') + '\n';
}

/** Reads a log with HdrHistogram's own reader; the histograms are re-added into ours. */
export function readHistogramLog(text: string): HistogramLog {
  const reader = new hdr.HistogramLogReader(text);
  const intervals: LoggedInterval[] = [];
  for (let read = reader.nextIntervalHistogram(); read; read = reader.nextIntervalHistogram()) {
    const histogram = newHistogram();
    histogram.add(jsHistogram(read));
    intervals.push({
      tag: read.tag,
      startSec: read.startTimeStampMsec / 1000 - reader.baseTimeSec,
      lengthSec: (read.endTimeStampMsec - read.startTimeStampMsec) / 1000,
      histogram,
    });
  }
  return { startTimeMs: (reader.baseTimeSec || reader.startTimeSec) * 1000, intervals };
}

/**
 * Shards run at the same time: their n-th intervals of one tag cover the same stretch, so they are
 * added into one (timestamps from the earliest-starting log, relative to its start).
 */
export function mergeHistogramLogs(logs: HistogramLog[]): HistogramLog {
  const ordered = [...logs].sort((a, b) => a.startTimeMs - b.startTimeMs);
  const first = ordered[0];
  if (!first) throw new Error('no histogram log to merge');
  const merged = new Map<string, LoggedInterval[]>();
  for (const log of ordered) {
    const seen = new Map<string, number>();
    for (const interval of log.intervals) {
      const index = seen.get(interval.tag) ?? 0;
      seen.set(interval.tag, index + 1);
      let list = merged.get(interval.tag);
      if (!list) merged.set(interval.tag, (list = []));
      const target = list[index];
      if (target) target.histogram.add(interval.histogram);
      else {
        const histogram = newHistogram();
        histogram.add(interval.histogram);
        list[index] = { tag: interval.tag, startSec: interval.startSec + (log.startTimeMs - first.startTimeMs) / 1000, lengthSec: interval.lengthSec, histogram };
      }
    }
  }
  const intervals = [...merged.values()].flat().sort((a, b) => a.startSec - b.startSec || a.tag.localeCompare(b.tag));
  return { startTimeMs: first.startTimeMs, intervals };
}
