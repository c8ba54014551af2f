/** `innobench status-report`: parsing a status capture and the per-interval rates, checked by hand. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGlobalStatusCapture, statusReport } from './statusReport.js';

/** Four samples as the statusCapture hook writes them; the last after a server restart. */
const FIXTURE = [
  'TS 1000.000 1970-01-01T00:16:40.000Z load: 1.00 0.50 0.25',
  'Aborted_clients\t0',
  'Com_insert\t100',
  'Com_select\t10',
  'Com_stmt_execute\t100',
  'Innodb_buffer_pool_dump_status\t',
  'Questions\t200',
  'Queries\t500',
  'Uptime\t50',
  'TS 1002.000 1970-01-01T00:16:42.000Z load: 2.00 0.75 0.30',
  'Com_insert\t300',
  'Com_select\t14',
  'Com_stmt_execute\t300',
  'Questions\t410',
  'Queries\t1300',
  'Uptime\t52',
  // 0.5 s later: 50 inserts → 100/s.
  'TS 1002.500 1970-01-01T00:16:42.500Z load: 2.50 0.80 0.31',
  'Com_insert\t350',
  'Com_select\t14',
  'Com_stmt_execute\t350',
  'Questions\t461',
  'Queries\t1500',
  'Uptime\t52',
  // Restart: Uptime and the counters start again from zero.
  'TS 1006.500 1970-01-01T00:16:46.500Z load: 0.10 0.70 0.30',
  'Com_insert\t40',
  'Com_select\t2',
  'Com_stmt_execute\t40',
  'Questions\t45',
  'Queries\t160',
  'Uptime\t3',
  '',
].join('\n');

test('parseGlobalStatusCapture reads TS lines, load and the counters (empty values skipped)', () => {
  const samples = parseGlobalStatusCapture(FIXTURE);
  assert.equal(samples.length, 4);
  assert.deepEqual(
    samples.map((s) => [s.ts, s.when, s.load, s.values.get('Com_insert')]),
    [
      [1000, '1970-01-01 00:16:40', 1, 100],
      [1002, '1970-01-01 00:16:42', 2, 300],
      [1002.5, '1970-01-01 00:16:42', 2.5, 350],
      [1006.5, '1970-01-01 00:16:46', 0.1, 40],
    ],
  );
  assert.equal(samples[0]!.values.has('Innodb_buffer_pool_dump_status'), false);
});

test("parseGlobalStatusCapture also reads the seed script's files (uptime's load average, mysql's header)", () => {
  const seed = [
    'TS 1500000000.123456789 2017-07-14 02:40:00  02:40:00 up 10 days,  3 users,  load average: 3.10, 2.00, 1.00',
    'Variable_name\tValue',
    'Com_insert\t7',
  ].join('\n');
  const [sample] = parseGlobalStatusCapture(seed);
  assert.deepEqual([sample!.ts, sample!.when, sample!.load, sample!.values.get('Com_insert')], [1500000000.123456789, '2017-07-14 02:40:00', 3.1, 7]);
});

test('statusReport: per-second rates from deltas, a counter reset counted from zero', () => {
  const report = statusReport(parseGlobalStatusCapture(FIXTURE));
  assert.equal(report.intervals.length, 3);
  const [first, second, third] = report.intervals;
  // (300-100)/2, (14-10)/2, (410-200)/2, (1300-500)/2, (300-100)/2
  assert.deepEqual(first!.rates, { Com_insert: 100, Com_select: 2, Questions: 105, Queries: 400, Com_stmt_execute: 100 });
  // (350-300)/0.5, 0/0.5, (461-410)/0.5, (1500-1300)/0.5, (350-300)/0.5
  assert.deepEqual(second!.rates, { Com_insert: 100, Com_select: 0, Questions: 102, Queries: 400, Com_stmt_execute: 100 });
  // Restart: 40/4, 2/4, 45/4, 160/4, 40/4
  assert.deepEqual(third!.rates, { Com_insert: 10, Com_select: 0.5, Questions: 11.25, Queries: 40, Com_stmt_execute: 10 });
  assert.deepEqual(third!.resets, ['Com_insert', 'Com_select', 'Questions', 'Queries', 'Com_stmt_execute']);
  assert.deepEqual(first!.resets, []);
  // Totals: inserts 200+50+40 = 290, queries 800+200+160 = 1160 over 6.5 s → ratio 4.
  assert.deepEqual(report.totals, { Com_insert: 290, Com_select: 6, Questions: 306, Queries: 1160, Com_stmt_execute: 290 });
  assert.equal(report.seconds, 6.5);
  assert.equal(report.queriesPerInsert, 4);
});

test('a counter that went down without a restart (FLUSH STATUS) is counted from zero too', () => {
  const text = ['TS 10 x load: 0 0 0', 'Com_insert\t500', 'Uptime\t100', 'TS 12 x load: 0 0 0', 'Com_insert\t6', 'Uptime\t102'].join('\n');
  const report = statusReport(parseGlobalStatusCapture(text), ['Com_insert']);
  assert.deepEqual(report.intervals[0]!.rates, { Com_insert: 3 });
  assert.deepEqual(report.intervals[0]!.resets, ['Com_insert']);
});
