/**
 * The report of a quick first try and of a long run, in headless Chromium: every time chart drawn
 * (a canvas with ink, never an empty plot or a line saying it has nothing to draw) and no interval
 * with an impossible bound (a throughput or latency below zero, a change of -100 % or less).
 * - a real 4 s matrix (innodb_flush_log_at_trx_commit=1,2 × 2 repeats, the default interval) on a
 *   private MariaDB started by scripts/private-mariadb.sh, since a matrix changes server globals;
 *   with 2 runs per configuration the page says "too few runs for an interval";
 * - a 300 s run synthesised by test/support/stretchedRun.ts from one of the matrix's real runs
 *   (60 intervals of 5 s), not run for 300 s.
 *
 * Needs chromium at /usr/bin/chromium, mariadbd and root (the private server runs as root).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import mysqlPromise from 'mysql2/promise';
import { writeReport } from '../../src/cli/report.js';
import { describeResult, featureFileArgs, onlyMatrixFolder, ROOT, runCli, tempDir } from '../helpers.js';
import { disposableServerSkipReason, freePort } from '../support/disposableServer.js';
import { chartProblems, chromiumSkip, negativeBounds, openReport } from '../support/reportBrowser.js';
import { stretchedRun } from '../support/stretchedRun.js';

const SCRIPT = join(ROOT, 'scripts', 'private-mariadb.sh');
const DATABASE = 'ib_report_short';
const skip = chromiumSkip || disposableServerSkipReason() || (process.getuid?.() !== 0 ? 'the private server script runs mariadbd as root' : false);

describe('report of a 4 s matrix and of a 300 s run', { skip, timeout: 300_000 }, () => {
  const dir = tempDir('ib-report-short-');
  const serverDir = join(dir.path, 'server');
  let matrixDir = '';

  before(async () => {
    const port = await freePort();
    const started = spawnSync(SCRIPT, ['start', serverDir, String(port)], { encoding: 'utf8', env: { ...process.env, IB_PRIVATE_OWNER_PID: String(process.pid), IB_PRIVATE_BUFFER_POOL: '64M', IB_PRIVATE_REDO: '16M' } });
    assert.equal(started.status, 0, started.stderr);
    const admin = await mysqlPromise.createConnection({ host: '127.0.0.1', port, user: 'root', password: '' });
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    await admin.end();
    const connection = ['--host', '127.0.0.1', '--port', String(port), '--user', 'root', '--password=', '--database', DATABASE];
    const prepare = await runCli(['prepare', 'insert-features', '--scale', 'tiny', '--images', '2500', ...featureFileArgs(), ...connection], { timeoutMs: 120_000 });
    assert.equal(prepare.code, 0, describeResult(prepare));
    // As a new user would: no --interval, so a 4 s run gets 1 s intervals.
    const matrix = await runCli(
      ['matrix', '--set', 'innodb_flush_log_at_trx_commit=1,2', '--repeat', '2', '--results', join(dir.path, 'results'), ...connection, '--', 'run', 'insert-features', ...featureFileArgs(), '--workers', '4', '--duration', '4s'],
      { timeoutMs: 180_000 },
    );
    assert.equal(matrix.code, 0, describeResult(matrix));
    assert.match(matrix.stderr, /interval 1 s \(a tenth of the 4 s duration/);
    matrixDir = onlyMatrixFolder(join(dir.path, 'results'));
  });

  after(() => {
    spawnSync(SCRIPT, ['remove', serverDir]);
    dir.remove();
  });

  async function checkReport(source: string, name: string, expectedCharts: string[]): Promise<string> {
    const output = join(dir.path, `${name}.html`);
    writeReport(source, output);
    const report = await openReport(output);
    try {
      assert.deepEqual(report.charts.map((chart) => chart.id), expectedCharts);
      assert.deepEqual(chartProblems(report.charts), [], 'every chart is drawn');
      assert.deepEqual(negativeBounds(report.text), [], 'no interval with an impossible bound');
      assert.deepEqual(report.problems, []);
      return report.text;
    } finally {
      await report.close();
    }
  }

  test('the 4 s matrix: five time charts and the distribution drawn, "too few runs for an interval" instead of one', async () => {
    const text = await checkReport(matrixDir, 'matrix', ['chart-throughput', 'chart-comInsert', 'chart-latency', 'chart-fsyncs', 'chart-redo', 'chart-distribution']);
    assert.match(text, /too few runs for an interval/);
  });

  test('a 300 s run (synthesised from one of the matrix runs): every chart drawn', async () => {
    const source = readdirSync(matrixDir).find((name) => name.includes('insert-features'))!;
    const longRun = join(dir.path, 'long', 'run-300s');
    stretchedRun(join(matrixDir, source), longRun, 300, 5000);
    await checkReport(longRun, 'long', ['chart-throughput', 'chart-server', 'chart-latency', 'chart-distribution']);
  });
});
