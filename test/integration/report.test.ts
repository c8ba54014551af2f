/**
 * The HTML report of a real small run, opened in headless Chromium: no console error, no page
 * error, no request leaving the file (the report must work offline), every chart drawn (canvas
 * elements of non-zero size with ink on them). A screenshot is kept in
 * results/report-test-screenshot.png for a person to look at.
 *
 * Needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium) and the test server;
 * skipped with a message when chromium is missing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, adminQuery, describeResult, featureFileArgs, randomSuffix, runCli, tempDir, SERVER } from '../helpers.js';
import { writeReport } from '../../src/cli/report.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const skip = existsSync(CHROMIUM) ? false : `chromium is not installed at ${CHROMIUM} (apt-get install -y chromium): the report is not rendered`;

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
    // tiny scale with more images per member, so that a 3 s run has whole intervals to chart.
    const prepare = await runCli(['prepare', 'insert-features', '--scale', 'tiny', '--images', '250', '--flag', 'rp', ...featureFileArgs(), ...connection]);
    assert.equal(prepare.code, 0, describeResult(prepare));
    const run = await runCli(['run', 'insert-features', '--flag', 'rp', ...featureFileArgs(), ...connection, '--workers', '4', '--duration', '3s', '--interval', '1s', '--results', results.path]);
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

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        problems.push(`network request: ${url}`);
        return route.abort();
      });
      await page.goto(`file://${output}`);
      await page.waitForFunction('document.querySelectorAll("canvas").length >= 4', undefined, { timeout: 10_000 });

      const charts = await page.$$eval('figure.chart', (figures) =>
        figures.map((figure) => {
          const canvas = figure.querySelector('canvas');
          let inked = 0;
          if (canvas) {
            const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
            for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) inked++;
          }
          return { id: figure.id, width: canvas?.width ?? 0, height: canvas?.height ?? 0, inked, text: figure.textContent ?? '' };
        }),
      );
      assert.deepEqual(charts.map((chart) => chart.id), ['chart-throughput', 'chart-server', 'chart-latency', 'chart-distribution']);
      for (const chart of charts) {
        assert.ok(chart.width > 100 && chart.height > 100, `${chart.id} has a canvas of ${chart.width}×${chart.height}`);
        assert.ok(chart.inked > 1000, `${chart.id} drew only ${chart.inked} pixels`);
        assert.doesNotMatch(chart.text, /no data/, `${chart.id} has no data`);
      }
      const tables = await page.$$eval('table', (elements) => elements.length);
      assert.ok(tables >= 4, `${tables} tables`);

      mkdirSync(join(ROOT, 'results'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'results', 'report-test-screenshot.png'), fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });
});
