import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GateResult, ThresholdResult } from './gate.js';
import { formatGateTable, gateJUnitXml, gateMarkdown } from './gateReport.js';

const ERRORS_PASS: ThresholdResult = {
  threshold: { kind: 'absolute', source: 'errors == 0', metric: 'errors', operator: '==', value: 0 },
  baselineValue: 0,
  baselineSpread: { n: 5, stdDev: 0, predictionInterval: { lo: 0, hi: 0, level: 0.95 } },
  currentValue: 0,
  changePct: 0,
  verdict: 'pass',
  reason: 'errors is 0, within == 0.',
};

/** One of each verdict, as evaluateGate returns them; the accounting reason carries characters XML and Markdown must escape. */
const MIXED: GateResult = {
  verdict: 'fail',
  reason: '2 of 5 thresholds failed: errors == 0; accounting == ok.',
  currentRunId: 'run-13',
  baselineRunIds: ['run-6', 'run-7', 'run-8', 'run-9', 'run-10'],
  ignoredBaselineRuns: [],
  results: [
    {
      threshold: { kind: 'relative', source: 'opsPerSec >= -5%', metric: 'opsPerSec', operator: '>=', percent: -5 },
      baselineValue: 1000,
      baselineSpread: { n: 5, stdDev: 79.05694150420949, predictionInterval: { lo: 759.5528006685543, hi: 1240.4471993314457, level: 0.95 } },
      currentValue: 920,
      changePct: -8,
      verdict: 'noise',
      reason: 'opsPerSec changed -8.0 % (920 vs a baseline mean of 1000; limit >= -5.0 %), beyond the threshold but inside the baseline\'s 95 % prediction interval [760, 1240] from 5 runs: run-to-run noise.',
    },
    { ...ERRORS_PASS, currentValue: 3, changePct: Infinity, verdict: 'fail', reason: 'errors is 3, which breaks == 0.' },
    {
      threshold: { kind: 'check', source: 'accounting == ok', metric: 'accounting' },
      baselineValue: null,
      baselineSpread: { n: 0, stdDev: null, predictionInterval: null },
      currentValue: false,
      changePct: null,
      verdict: 'fail',
      reason: 'Row accounting did not balance (rows <lost> & "missing" | here).',
    },
    {
      threshold: { kind: 'absolute', source: 'latency.p99 < 100', metric: 'latency.p99', operator: '<', value: 100 },
      baselineValue: 5,
      baselineSpread: { n: 5, stdDev: 0, predictionInterval: { lo: 5, hi: 5, level: 0.95 } },
      currentValue: 5,
      changePct: 0,
      verdict: 'pass',
      reason: 'latency.p99 is 5, within < 100.',
    },
    {
      threshold: { kind: 'relative', source: 'status.Innodb_rows_read <= +5%', metric: 'status.Innodb_rows_read', operator: '<=', percent: 5 },
      baselineValue: null,
      baselineSpread: { n: 0, stdDev: null, predictionInterval: null },
      currentValue: 5,
      changePct: null,
      verdict: 'no-baseline',
      reason: 'No baseline run has a value for status.Innodb_rows_read, so the relative threshold could not be checked.',
    },
  ],
};

const FAILED_RUN: GateResult = {
  verdict: 'nothing-to-judge',
  reason: 'The current run run-14 did not complete (state failed: boom\u0000 <eof>), so its figures cannot be judged.',
  currentRunId: 'run-14',
  baselineRunIds: [],
  ignoredBaselineRuns: [],
  results: [{ ...ERRORS_PASS, baselineValue: null, baselineSpread: { n: 0, stdDev: null, predictionInterval: null }, changePct: null }],
};

const PASSING: GateResult = {
  verdict: 'pass',
  reason: 'All 1 thresholds passed.',
  currentRunId: 'run-15',
  baselineRunIds: ['run-1', 'run-2', 'run-3', 'run-4', 'run-5'],
  ignoredBaselineRuns: [],
  results: [ERRORS_PASS],
};

function count(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}

/**
 * Minimal well-formedness check (node has no XML parser): every tag closes in order, and no raw
 * "<", "&" or quote is left inside text or attribute values.
 */
function assertWellFormedXml(xml: string): void {
  const body = xml.replace(/^<\?xml[^?]*\?>\n/, '');
  const open: string[] = [];
  for (const token of body.match(/<[^>]*>|[^<]+/g) ?? []) {
    assert.doesNotMatch(token.replace(/&(amp|lt|gt|quot|apos);/g, ''), /&/, `raw & in ${token}`);
    if (!token.startsWith('<')) continue;
    const tag = /^<(\/?)([A-Za-z-]+)((?:\s+[A-Za-z-]+="[^"<]*")*)\s*(\/?)>$/.exec(token);
    assert.ok(tag, `malformed tag ${token}`);
    const [, closing, name, , selfClosing] = tag;
    if (selfClosing === '/') continue;
    if (closing === '/') assert.equal(open.pop(), name, `unbalanced </${name}>`);
    else open.push(name ?? '');
  }
  assert.deepEqual(open, [], 'unclosed elements');
}

test('JUnit XML: one testsuite, a testcase per threshold, a failure per failed threshold, escaped', () => {
  const xml = gateJUnitXml(MIXED);
  assertWellFormedXml(xml);
  assert.equal(count(xml, /<testsuite /g), 1);
  assert.match(xml, /<testsuite name="innobench-gate" tests="5" failures="2" errors="0" skipped="1">/);
  assert.equal(count(xml, /<testcase /g), 5);
  assert.equal(count(xml, /<failure /g), 2);
  assert.equal(count(xml, /<skipped /g), 1);
  assert.match(xml, /name="latency\.p99 &lt; 100"/);
  assert.match(xml, /rows &lt;lost&gt; &amp; &quot;missing&quot; \| here/);
  assert.doesNotMatch(xml, /<lost>|& "/);
});

test('JUnit XML: a failed run adds one errored testcase and drops control characters', () => {
  const xml = gateJUnitXml(FAILED_RUN);
  assertWellFormedXml(xml);
  assert.equal(count(xml, /<testcase /g), 2);
  assert.equal(count(xml, /<error /g), 1);
  assert.match(xml, /errors="1"/);
  assert.doesNotMatch(xml, /\u0000/);
});

test('Markdown: a heading stating the verdict and one table row per threshold, pipes escaped', () => {
  const markdown = gateMarkdown(MIXED);
  const lines = markdown.split('\n');
  assert.equal(lines[0], '### innobench gate: FAIL');
  const tableRows = lines.filter((line) => line.startsWith('| **'));
  assert.equal(tableRows.length, 5);
  assert.match(markdown, /\| \*\*fail\*\* \| `errors == 0` \| 0 ± 0 \(n=5\) \| 3 \| \+∞ % \|/);
  assert.match(markdown, /"missing" \\\| here/);
  assert.match(gateMarkdown(PASSING), /^### innobench gate: PASS\n/);
});

test('text table: verdict line, a header and one aligned row per threshold', () => {
  const table = formatGateTable(MIXED);
  const lines = table.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^innobench gate: FAIL\. 2 of 5 thresholds failed: errors == 0; accounting == ok\.$/);
  assert.match(lines[2] ?? '', /^verdict\s+threshold\s+baseline\s+current\s+change\s+reason$/);
  assert.equal(lines.length, 3 + 5);
  const changeColumn = (lines[2] ?? '').indexOf('change');
  for (const row of lines.slice(3)) assert.ok(row.length > changeColumn, row);
  assert.match(table, /noise\s+opsPerSec >= -5%\s+1000 ± 79\.1 \(n=5\)\s+920\s+-8\.0 %/);
});

test('text table: a run with nothing to judge says so on its first line', () => {
  assert.match(formatGateTable(FAILED_RUN), /^innobench gate: NOTHING TO JUDGE\. /);
});
