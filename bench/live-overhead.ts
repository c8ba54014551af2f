/**
 * What watching a run costs: insert-features at 100 workers, plain, then with `--listen` + one
 * live-page viewer + `--prometheus-remote-write` to a private Prometheus that also scrapes
 * /metrics every second, alternated side by side (plain, live, live, plain, …) so that drift hits
 * both alike. Prints each run's ops/s and the ratio of the means; the target is a cost under 2 %.
 *
 *   npm run bench:live -- --workers 100 --duration 15 --interval 1s --pairs 3
 *
 * Each pair's live/plain ratio is printed too: when they spread wider than the target, the
 * machine's noise (other load on it) exceeds what is measured and the verdict says inconclusive.
 *
 * The viewer is what the page's network side does (the page once, then /events held open and
 * read), not a browser: a headless Chromium redrawing charts would compete with the server and
 * the client for this machine's two cores and measure the browser, not innobench. The data is
 * prepared once (--groups × --members × --images images); every run starts with --fresh.
 * Skips with a message (exit 0) when Debian's prometheus is missing.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { RunFile } from '../src/results/types.js';
import { mean, median } from '../src/analysis/verdicts/stats.js';
import { PROJECT_ROOT, positiveInteger, writeResultsJson } from './common.js';
import { freePort, prometheusMissing, startPrometheus, type PrivatePrometheus } from '../test/support/prometheus.js';

const CLI = join(PROJECT_ROOT, 'dist/src/cli/main.js');
const TARGET_COST_PCT = 2;

interface Options {
  host: string;
  port: number;
  database: string;
  flag: string;
  workers: number;
  durationSec: number;
  interval: string;
  pairs: number;
  groups: number;
  members: number;
  images: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '3306' },
      database: { type: 'string', default: 'innobench_bench_live' },
      flag: { type: 'string', default: 'benchlive' },
      workers: { type: 'string', default: '100' },
      duration: { type: 'string', default: '15' },
      interval: { type: 'string', default: '1s' },
      pairs: { type: 'string', default: '3' },
      groups: { type: 'string', default: '400' },
      members: { type: 'string', default: '100' },
      images: { type: 'string', default: '10' },
    },
  });
  return {
    host: values.host!,
    port: positiveInteger('port', values.port!),
    database: values.database!,
    flag: values.flag!,
    workers: positiveInteger('workers', values.workers!),
    durationSec: positiveInteger('duration', values.duration!),
    interval: values.interval!,
    pairs: positiveInteger('pairs', values.pairs!),
    groups: positiveInteger('groups', values.groups!),
    members: positiveInteger('members', values.members!),
    images: positiveInteger('images', values.images!),
  };
}

function connection(o: Options): string[] {
  return ['--host', o.host, '--port', String(o.port), '--user', 'root', '--password=', '--database', o.database];
}

function innobench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The page once, then its event stream read until the run's `end` event (or the server goes). */
async function viewer(url: string, stop: AbortSignal): Promise<number> {
  for (;;) {
    if (stop.aborted) return 0;
    const ok = await fetch(url).then((r) => r.text().then(() => r.ok), () => false);
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  let events = 0;
  try {
    const response = await fetch(url + 'events', { signal: stop });
    for await (const chunk of response.body!) events += (Buffer.from(chunk).toString('utf8').match(/^event: /gm) ?? []).length;
  } catch {
    // the run ended and the server closed, or the bench stopped the viewer
  }
  return events;
}

interface RunRow {
  opsPerSec: number;
  /** innobench's own CPU (all threads) per operation: less sensitive to other load on the machine than ops/s. */
  clientCpuUsPerOp: number;
  events: number;
  runId: string;
}

async function runOnce(o: Options, results: string, live: PrivatePrometheus | null, livePort: number): Promise<RunRow> {
  const extra = live ? ['--listen', `127.0.0.1:${livePort}`, '--prometheus-remote-write', live.remoteWriteUrl] : [];
  const stop = new AbortController();
  const watching = live ? viewer(`http://127.0.0.1:${livePort}/`, stop.signal) : Promise.resolve(0);
  const result = await innobench(['run', 'insert-features', ...connection(o), '--flag', o.flag, '--fresh', '--workers', String(o.workers), '--duration', `${o.durationSec}s`, '--interval', o.interval, '--results', results, '--json', ...extra]);
  stop.abort();
  const events = await watching;
  if (result.code !== 0) throw new Error(`innobench run failed (exit ${result.code}):\n${result.stderr.slice(-2000)}`);
  const run = JSON.parse(result.stdout) as RunFile;
  if (run.summary?.endReason !== 'duration') throw new Error(`the run ended by ${run.summary?.endReason}: prepare more images (--groups)`);
  const clientCpuUsPerOp = ((run.summary.clientCpuSec ?? 0) * 1e6) / Math.max(1, run.summary.ops);
  return { opsPerSec: run.summary.opsPerSec, clientCpuUsPerOp, events, runId: run.runId };
}

async function main(): Promise<void> {
  const missing = prometheusMissing();
  if (missing) {
    console.log(`skipped: ${missing}`);
    return;
  }
  const o = parseOptions(process.argv.slice(2));
  const prepared = await innobench(['prepare', 'insert-features', ...connection(o), '--flag', o.flag, '--groups', String(o.groups), '--members', String(o.members), '--images', String(o.images)]);
  if (prepared.code !== 0) throw new Error(`innobench prepare failed:\n${prepared.stderr.slice(-2000)}`);
  const livePort = await freePort();
  const prometheus = await startPrometheus(`127.0.0.1:${livePort}`);
  const results = await mkdtemp(join(tmpdir(), 'ib-bench-live-'));
  const rows: Array<RunRow & { pair: number; mode: 'plain' | 'live' }> = [];
  try {
    for (let pair = 1; pair <= o.pairs; pair++) {
      // plain, live | live, plain | …: neither mode always goes first.
      const order: Array<'plain' | 'live'> = pair % 2 === 1 ? ['plain', 'live'] : ['live', 'plain'];
      for (const mode of order) {
        const run = await runOnce(o, results, mode === 'live' ? prometheus : null, livePort);
        rows.push({ pair, mode, ...run });
        console.log(`pair ${pair} ${mode.padEnd(5)} ${run.opsPerSec.toFixed(1).padStart(9)} ops/s  client CPU ${run.clientCpuUsPerOp.toFixed(1)} µs/op${mode === 'live' ? `  (viewer got ${run.events} events)` : ''}`);
      }
    }
  } finally {
    await prometheus.stop();
    await rm(results, { recursive: true, force: true });
  }
  const plain = mean(rows.filter((r) => r.mode === 'plain').map((r) => r.opsPerSec));
  const live = mean(rows.filter((r) => r.mode === 'live').map((r) => r.opsPerSec));
  const ratio = live / plain;
  const costPct = (1 - ratio) * 100;
  const inPair = (pair: number, mode: string): RunRow => rows.find((r) => r.pair === pair && r.mode === mode)!;
  const pairs = Array.from({ length: o.pairs }, (_, i) => i + 1);
  const pairRatios = pairs.map((pair) => inPair(pair, 'live').opsPerSec / inPair(pair, 'plain').opsPerSec);
  // Medians over pairs: one pair hit by a burst of other load does not decide the verdict.
  const pairCpuDeltas = pairs.map((pair) => inPair(pair, 'live').clientCpuUsPerOp - inPair(pair, 'plain').clientCpuUsPerOp);
  const spreadPct = (Math.max(...pairRatios) - Math.min(...pairRatios)) * 100;
  const verdict = spreadPct > 2 * TARGET_COST_PCT ? `inconclusive: the pairs' ratios spread over ${spreadPct.toFixed(1)} points, more than the target` : costPct < TARGET_COST_PCT ? 'met' : 'NOT met';
  const cpu = (mode: string): number => mean(rows.filter((r) => r.mode === mode).map((r) => r.clientCpuUsPerOp));
  console.log(`\npair ratios live/plain: ${pairRatios.map((r) => r.toFixed(4)).join(', ')}`);
  const signed = (n: number): string => `${n >= 0 ? '+' : ''}${n.toFixed(1)}`;
  console.log(`median pair ratio live/plain: ${median(pairRatios).toFixed(4)}`);
  console.log(`client CPU per operation: plain ${cpu('plain').toFixed(1)} µs, live ${cpu('live').toFixed(1)} µs (${signed(cpu('live') - cpu('plain'))} µs; median of the pairs' differences ${signed(median(pairCpuDeltas))} µs)`);
  console.log(`mean ops/s: plain ${plain.toFixed(1)}, live ${live.toFixed(1)}; live/plain = ${ratio.toFixed(4)}, cost ${costPct.toFixed(2)} % (target < ${TARGET_COST_PCT} %): ${verdict}`);
  const file = await writeResultsJson(`bench-live-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, { options: o, runs: rows, plainOpsPerSec: plain, liveOpsPerSec: live, ratio, costPct, pairRatios, medianPairRatio: median(pairRatios), pairCpuDeltasUs: pairCpuDeltas, spreadPct, verdict, clientCpuUsPerOp: { plain: cpu('plain'), live: cpu('live') }, targetCostPct: TARGET_COST_PCT });
  console.log(`results: ${file}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
