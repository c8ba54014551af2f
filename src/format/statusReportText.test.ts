/** The status-report text, from a report whose figures are written out (the rates are checked in analysis/server/). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IntervalRates, StatusReport } from '../analysis/server/statusReport.js';
import { formatStatusReport } from './statusReportText.js';

function interval(ts: number, when: string, load: number | null, seconds: number, rates: number[], reset = false): IntervalRates {
  const names = ['Com_insert', 'Com_select', 'Questions', 'Queries', 'Com_stmt_execute'];
  return {
    ts,
    when,
    load,
    seconds,
    rates: Object.fromEntries(names.map((name, i) => [name, rates[i]!])),
    deltas: Object.fromEntries(names.map((name, i) => [name, rates[i]! * seconds])),
    resets: reset ? names : [],
  };
}

/** Three intervals, the last after a server restart: 290 inserts and 1160 queries over 6.5 s. */
const REPORT: StatusReport = {
  intervals: [
    interval(1002, '1970-01-01 00:16:42', 2, 2, [100, 2, 105, 400, 100]),
    interval(1002.5, '1970-01-01 00:16:42', 2.5, 0.5, [100, 0, 102, 400, 100]),
    interval(1006.5, '1970-01-01 00:16:46', null, 4, [10, 0.5, 11.25, 40, 10], true),
  ],
  totals: { Com_insert: 290, Com_select: 6, Questions: 306, Queries: 1160, Com_stmt_execute: 290 },
  seconds: 6.5,
  queriesPerInsert: 4,
};

test('one line per interval, resets starred, the totals and the Queries/Com_insert note with the measured ratio', () => {
  const text = formatStatusReport(REPORT);
  const lines = text.split('\n');
  assert.match(lines[0]!, /^ts\s+time\s+load\s+secs\s+Com_insert\/s\s+Com_select\/s\s+Questions\/s\s+Queries\/s\s+Com_stmt_execute\/s$/);
  assert.match(lines[1]!, /^1002\.000\s+00:16:42\s+2\.00\s+2\.00\s+100\.00\s+2\.00\s+105\.00\s+400\.00\s+100\.00$/);
  assert.match(lines[3]!, /^1006\.500\s+00:16:46\s+-\s+4\.00\s+10\.00\*\s+0\.50\*\s+11\.25\*\s+40\.00\*\s+10\.00\*$/);
  assert.match(text, /^\* the counter went down/m);
  assert.match(text, /over 6\.5 s: Com_insert 290 \(44\.62\/s\)/);
  assert.match(text, /measured here: Queries\/Com_insert = 4\.00\. Com_insert is the true insert rate/);
  assert.match(text, /COM_STMT_PREPARE\/EXECUTE\/CLOSE/);
});

test('without resets there is no star note; without inserts the note says there is no ratio', () => {
  const text = formatStatusReport({ intervals: REPORT.intervals.slice(0, 1), totals: { Com_insert: 0 }, seconds: 2, queriesPerInsert: null });
  assert.doesNotMatch(text, /\* the counter went down/);
  assert.match(text, /this capture has no inserts/);
});
