/**
 * The HTML report of a real small run, opened in headless Chromium (test/support/reportBrowser.ts):
 * no console error, no page error, no request leaving the file (the report must work offline),
 * every chart drawn (canvas elements of non-zero size with ink on them), no impossible interval
 * bound. A screenshot is kept in results/report-test-screenshot.png for a person to look at.
 *
 * Needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium) and the test server;
 * skipped with a message when chromium is missing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, adminQuery, describeResult, featureFileArgs, randomSuffix, runCli, tempDir, SERVER } from '../helpers.js';
import { writeReport } from '../../src/cli/report.js';
import { chartProblems, chromiumSkip, negativeBounds, openReport } from '../support/reportBrowser.js';

const skip = chromiumSkip;

const database = `ib_rep_${randomSuffix()}`;
const REPORT_DATABASE = /^ib_rep_[0-9a-f]+$/;
const results = tempDir('ib-report-test-');

async function dropDatabase(): Promise<void> {
  if (!REPORT_DATABASE.test(database)) throw new Error(`refusing to drop ${database}`);
  await adminQuery(`DROP DATABASE IF EXISTS \`${database}\``);
}

describe('HTML report', { skip }, () => {
  let runDir = '';

  before(async () => {
    const connection = ['--host', SERVER.host, '--port', String(SERVER.port), '--user', SERVER.user, `--password=${SERVER.password}`, '--database', database];
    // tiny scale with more images per member, and a fixed rate, so that a 3 s run has whole intervals
    // to chart (free-running on a quiet machine, it used the library up within its first second).
    const prepare = await runCli(['prepare', 'insert-features', '--scale', 'tiny', '--images', '250', '--flag', 'rp', ...featureFileArgs(), ...connection]);
    assert.equal(prepare.code, 0, describeResult(prepare));
    const run = await runCli(['run', 'insert-features', '--flag', 'rp', ...featureFileArgs(), ...connection, '--workers', '4', '--duration', '3s', '--interval', '1s', '--rate', '1000/s', '--results', results.path]);
    assert.equal(run.code, 0, describeResult(run));
    const folders = readdirSync(results.path);
    assert.equal(folders.length, 1);
    runDir = join(results.path, folders[0]!);
  });

  after(async () => {
    await dropDatabase();
    results.remove();
  });

  test('renders offline in Chromium with every chart drawn and no error', async () => {
    const output = join(results.path, 'report.html');
    writeReport(runDir, output);
    const html = readFileSync(output, 'utf8');
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/i, 'nothing is loaded from elsewhere');

    const report = await openReport(output);
    try {
      assert.deepEqual(report.charts.map((chart) => chart.id), ['chart-throughput', 'chart-server', 'chart-latency', 'chart-distribution']);
      assert.deepEqual(chartProblems(report.charts), []);
      assert.deepEqual(negativeBounds(report.text), []);
      const tables = await report.page.$$eval('table', (elements) => elements.length);
      assert.ok(tables >= 4, `${tables} tables`);

      mkdirSync(join(ROOT, 'results'), { recursive: true });
      await report.page.screenshot({ path: join(ROOT, 'results', 'report-test-screenshot.png'), fullPage: true });
      assert.deepEqual(report.problems, []);
    } finally {
      await report.close();
    }
  });
});
