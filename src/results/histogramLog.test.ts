import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as hdr from 'hdr-histogram-js';
import { histogramLogHeader, histogramLogLine, histogramLogText, mergeHistogramLogs, readHistogramLog, type HistogramLog } from './histogramLog.js';
import { newHistogram, recordMicros, type Histogram } from '../metrics/histogram.js';

function histogramOf(values: number[]): Histogram {
  const histogram = newHistogram();
  for (const us of values) recordMicros(histogram, us);
  return histogram;
}

const START = Date.UTC(2026, 10, 30, 12, 0, 0, 250);

function sampleLog(): HistogramLog {
  return {
    startTimeMs: START,
    intervals: [
      { tag: 'insert', startSec: 0, lengthSec: 1, histogram: histogramOf([100, 200, 300]) },
      { tag: 'read', startSec: 0, lengthSec: 1, histogram: histogramOf([50]) },
      { tag: 'insert', startSec: 1, lengthSec: 1.5, histogram: histogramOf([1000, 90_000]) },
    ],
  };
}

test('the header names the format version, StartTime and BaseTime in seconds since the epoch, and the legend', () => {
  const lines = histogramLogHeader(START).split('\n');
  assert.equal(lines[0], '#[Histogram log format version 1.3]');
  assert.match(lines[1]!, /^#\[StartTime: 1796040000\.250 \(seconds since epoch\), Mon, 30 Nov 2026 12:00:00 GMT\]$/);
  assert.equal(lines[2], '#[BaseTime: 1796040000.250 (seconds since epoch)]');
  assert.equal(lines[3], '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"');
});

test('an interval line: tag, relative start, length, max in ms, then the compressed histogram', () => {
  const line = histogramLogLine({ tag: 'delete insert,x', startSec: 2.5, lengthSec: 1, histogram: histogramOf([1500, 2500]) });
  const [tag, start, length, max, encoded] = line.split(',');
  assert.equal(tag, 'Tag=delete_insert_x');
  assert.equal(start, '2.500');
  assert.equal(length, '1.000');
  assert.equal(max, '2.500');
  assert.equal(hdr.decodeFromCompressedBase64(encoded!).totalCount, 2);
});

test("HdrHistogram's own reader reads every interval back with its tag, times and counts", () => {
  const text = histogramLogText(sampleLog());
  const reader = new hdr.HistogramLogReader(text);
  const read: Array<{ tag: string; start: number; end: number; count: number }> = [];
  for (let h = reader.nextIntervalHistogram(); h; h = reader.nextIntervalHistogram()) read.push({ tag: h.tag, start: h.startTimeStampMsec, end: h.endTimeStampMsec, count: h.totalCount });
  assert.deepEqual(read, [
    { tag: 'insert', start: START, end: START + 1000, count: 3 },
    { tag: 'read', start: START, end: START + 1000, count: 1 },
    { tag: 'insert', start: START + 1000, end: START + 2500, count: 2 },
  ]);
  assert.deepEqual(hdr.listTags(text), ['insert', 'read']);
});

test('readHistogramLog returns what histogramLogText wrote', () => {
  const back = readHistogramLog(histogramLogText(sampleLog()));
  assert.equal(back.startTimeMs, START);
  assert.deepEqual(
    back.intervals.map((i) => [i.tag, i.startSec, i.lengthSec, i.histogram.totalCount, i.histogram.getValueAtPercentile(100)]),
    sampleLog().intervals.map((i) => [i.tag, i.startSec, i.lengthSec, i.histogram.totalCount, i.histogram.getValueAtPercentile(100)]),
  );
});

test('merging shard logs adds the n-th intervals of each tag; times follow the earliest start', () => {
  const later: HistogramLog = {
    startTimeMs: START + 500,
    intervals: [
      { tag: 'insert', startSec: 0, lengthSec: 1, histogram: histogramOf([400]) },
      { tag: 'insert', startSec: 1, lengthSec: 1, histogram: histogramOf([500, 600]) },
      { tag: 'insert', startSec: 2, lengthSec: 1, histogram: histogramOf([700]) },
    ],
  };
  const merged = mergeHistogramLogs([later, sampleLog()]);
  assert.equal(merged.startTimeMs, START);
  assert.deepEqual(
    merged.intervals.map((i) => [i.tag, i.startSec, i.histogram.totalCount]),
    [
      ['insert', 0, 4],
      ['read', 0, 1],
      ['insert', 1, 4],
      ['insert', 2.5, 1],
    ],
  );
  const inputs = [later, sampleLog()].flatMap((log) => log.intervals).reduce((n, i) => n + i.histogram.totalCount, 0);
  assert.equal(merged.intervals.reduce((n, i) => n + i.histogram.totalCount, 0), inputs);
});
