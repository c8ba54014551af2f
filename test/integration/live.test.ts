/**
 * Live metrics against the real things: a private Prometheus (Debian's) scraping `run --listen`'s
 * /metrics every second, the same Prometheus receiving `--prometheus-remote-write`, and the live
 * page in headless Chromium during a run. Each time the run's totals as Prometheus (or the page)
 * has them must equal run.json's; the account's password appears in no endpoint, series or output.
 * HdrHistogram's Java HistogramLogProcessor reads the run's latency.hlog to the same count.
 *
 * Needs the test server, `prometheus`, `chromium` and libhdrhistogram-java (setup-mariadb.sh
 * --with-tools); a test whose tool is missing is skipped with a message.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  SERVER,
  connectionArgs,
  createTestDatabase,
  createTestUser,
  describeResult,
  featureFileArgs,
  readRunFolder,
  runCli,
  tempDir,
  type CliResult,
  type TestDatabase,
  type TestUser,
} from '../helpers.js';
import { freePort, prometheusMissing, startPrometheus } from '../support/prometheus.js';
import type { RunFile } from '../../src/results/types.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const HDR_JAR = '/usr/share/java/hdrhistogram.jar';
const noPrometheus = prometheusMissing();
const noChromium = existsSync(CHROMIUM) ? false : `chromium is not installed at ${CHROMIUM} (bash scripts/setup-mariadb.sh --with-tools)`;
const noJava = existsSync(HDR_JAR) && existsSync('/usr/bin/java') ? false : `java or ${HDR_JAR} is missing (bash scripts/setup-mariadb.sh --with-tools)`;

let db: TestDatabase;
let user: TestUser;
let results: ReturnType<typeof tempDir>;

/** A short open-loop run as the test account, its password on the command line. */
function runArgs(extra: string[]): string[] {
  return [
    'run',
    'insert-features',
    '--host',
    SERVER.host,
    '--port',
    String(SERVER.port),
    '--user',
    user.user,
    `--password=${user.password}`,
    '--database',
    db.name,
    '--flag',
    'live',
    '--fresh',
    ...featureFileArgs(),
    '--workers',
    '4',
    '--duration',
    '5s',
    '--interval',
    '1s',
    '--rate',
    '600/s',
    '--results',
    results.path,
    '--json',
    ...extra,
  ];
}

function finished(result: CliResult): RunFile {
  assert.equal(result.code, 0, describeResult(result));
  const run = JSON.parse(result.stdout) as RunFile;
  assert.equal(run.state, 'completed');
  assert.ok((run.summary?.ops ?? 0) > 0, 'the run measured operations');
  return run;
}

function assertNoSecret(text: string, where: string): void {
  assert.ok(!text.includes(user.password), `the password appears in ${where}`);
  assert.ok(!text.includes(user.password.replace(/^S3cret-/, '')), `part of the password appears in ${where}`);
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What /events sends within `ms`. */
async function readEvents(url: string, ms: number): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(ms) });
  let text = '';
  try {
    for await (const chunk of response.body!) text += Buffer.from(chunk).toString('utf8');
  } catch {
    // the timeout ends the stream
  }
  return text;
}

/**
 * The run's totals as Prometheus has them: operations (parts excluded), the latency histogram's
 * count (one per successful operation) and the server's Com_insert.
 */
async function totals(prometheus: Awaited<ReturnType<typeof startPrometheus>>, runId: string): Promise<{ ops: number | undefined; latencyCount: number | undefined; comInsert: number | undefined }> {
  const one = async (promql: string): Promise<number | undefined> => (await prometheus.query(promql))[0]?.value;
  return {
    ops: await one(`sum(max_over_time(innobench_operations_total{run_id="${runId}",op!~"part:.*"}[10m]))`),
    latencyCount: await one(`sum(max_over_time(innobench_latency_seconds_count{run_id="${runId}",op!~"part:.*"}[10m]))`),
    comInsert: await one(`max_over_time(innobench_server_status_total{run_id="${runId}",variable="Com_insert"}[10m])`),
  };
}

describe('live metrics', () => {
  before(async () => {
    db = await createTestDatabase();
    user = await createTestUser(db.name);
    results = tempDir('ib-test-live-');
    const prepared = await runCli(['prepare', 'insert-features', ...connectionArgs(db.name), '--flag', 'live', '--groups', '10', '--members', '50', '--images', '10']);
    assert.equal(prepared.code, 0, describeResult(prepared));
  });

  after(async () => {
    await user?.drop();
    await db?.drop();
    results?.remove();
  });

  test('Prometheus scraping --listen /metrics every second ends with run.json totals; no endpoint or series holds the password', { skip: noPrometheus }, async () => {
    const livePort = await freePort();
    const prometheus = await startPrometheus(`127.0.0.1:${livePort}`);
    try {
      const live = `http://127.0.0.1:${livePort}/`;
      const running = runCli(runArgs(['--listen', `127.0.0.1:${livePort}`]), { timeoutMs: 120_000 });
      await waitFor('the run to start', async () => (await fetch(live + 'run.json')).ok);
      const bodies = new Map<string, string>();
      for (const path of ['', 'metrics', 'run.json']) bodies.set(path || '/', await (await fetch(live + path)).text());
      bodies.set('events', await readEvents(live + 'events', 2500));
      const result = await running;
      const run = finished(result);
      assert.match(result.stderr, new RegExp(`live: http://127\\.0\\.0\\.1:${livePort}/ \\(page\\)`));
      assert.match(bodies.get('events')!, /event: settings\n/);
      assert.match(bodies.get('events')!, /event: interval\n/);
      assert.equal(JSON.parse(bodies.get('run.json')!).runId, run.runId);
      assert.deepEqual(await totals(prometheus, run.runId), { ops: run.summary!.ops, latencyCount: run.summary!.ops, comInsert: run.status!.delta.Com_insert });
      const series = await prometheus.series(`{run_id="${run.runId}"}`);
      assert.ok(series.length > 10, `series of the run: ${series.length}`);
      // The driver the run used (the default is mariadb): /metrics labelled every series mysql2 before.
      assert.ok(series.every((labels) => labels.driver === run.environment.driver!.name && labels.scenario === 'insert-features'), JSON.stringify(series[0]));
      for (const [where, text] of [...bodies, ['series', JSON.stringify(series)], ['stdout', result.stdout], ['stderr', result.stderr]] as const) assertNoSecret(text, where);
    } finally {
      await prometheus.stop();
    }
  });

  test("--prometheus-remote-write: Prometheus's receiver ends with run.json totals; the URL's credentials are never shown", { skip: noPrometheus }, async () => {
    const prometheus = await startPrometheus();
    try {
      const target = prometheus.remoteWriteUrl.replace('http://', `http://innobench:${encodeURIComponent(user.password)}@`);
      const result = await runCli(runArgs(['--prometheus-remote-write', target]), { timeoutMs: 120_000 });
      const run = finished(result);
      assert.match(result.stderr, new RegExp(`live: remote write to ${prometheus.remoteWriteUrl.replace(/\./g, '\\.')} every interval`));
      assert.doesNotMatch(result.stderr, /remote write: .* failed/);
      assert.deepEqual(await totals(prometheus, run.runId), { ops: run.summary!.ops, latencyCount: run.summary!.ops, comInsert: run.status!.delta.Com_insert });
      const intervals = await prometheus.query(`count_over_time(innobench_intervals_total{run_id="${run.runId}"}[10m])`);
      assert.ok((intervals[0]?.value ?? 0) >= 2, 'one push per interval, and the final one');
      assertNoSecret(JSON.stringify(await prometheus.series(`{run_id="${run.runId}"}`)), 'series');
      assertNoSecret(result.stdout + result.stderr, 'output');
    } finally {
      await prometheus.stop();
    }
  });

  test('a Prometheus that is down costs a warning, not the run', async () => {
    const deadPort = await freePort();
    const result = await runCli(runArgs(['--prometheus-remote-write', `http://127.0.0.1:${deadPort}/api/v1/write`]), { timeoutMs: 120_000 });
    finished(result);
    assert.equal(result.stderr.match(/remote write: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/write failed/g)?.length, 1, result.stderr);
  });

  test('the live page in Chromium: intervals arrive while running, no console error, final figures equal run.json', { skip: noChromium }, async () => {
    const port = await freePort();
    const live = `http://127.0.0.1:${port}/`;
    const running = runCli(runArgs(['--listen', `127.0.0.1:${port}`]), { timeoutMs: 120_000 });
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('request', (request) => {
        if (!request.url().startsWith(live)) problems.push(`request outside the live server: ${request.url()}`);
      });
      await waitFor('the live server', async () => (await fetch(live)).ok);
      await page.goto(live);
      await page.waitForFunction("Number(document.getElementById('now-seq').textContent) >= 2 && document.getElementById('state').textContent === 'running'", undefined, { timeout: 30_000 });
      await page.waitForSelector('#final:not([hidden])', { timeout: 60_000 });
      const run = finished(await running);
      const cell = async (row: string): Promise<string> => (await page.locator(`#final-${row} td`).nth(1).textContent()) ?? '';
      const summary = run.summary!;
      assert.equal(await cell('operations'), String(summary.ops));
      assert.equal(await cell('ops-s'), String(summary.opsPerSec));
      assert.equal(await cell('errors'), String(summary.errors));
      assert.equal(await cell('p99-ms'), String(summary.latencyMs.p99));
      assert.equal(await cell('state'), 'completed');
      // The running total is the page's own sum of every interval it was sent.
      assert.equal((await page.locator('#now-total').textContent())?.replace(/,/g, ''), String(summary.ops));
      assert.match((await page.locator('#report').textContent()) ?? '', /report\.html/);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });

  test("HdrHistogram's HistogramLogProcessor reads a run's latency.hlog to the run's operation count", { skip: noJava }, async () => {
    const result = await runCli(runArgs([]), { timeoutMs: 120_000 });
    const run = finished(result);
    const folder = readRunFolder(join(results.path, run.runId));
    const out = join(results.path, 'hlog-processed');
    execFileSync('java', ['-cp', HDR_JAR, 'org.HdrHistogram.HistogramLogProcessor', '-i', join(folder.dir, 'latency.hlog'), '-tag', 'insert', '-outputValueUnitRatio', '1000', '-o', out], { stdio: 'ignore' });
    const total = /Total count\s*=\s*(\d+)/.exec(readFileSync(`${out}.hgrm`, 'utf8'))?.[1];
    assert.equal(Number(total), run.summary!.byOp.insert!.ops);
  });
});
