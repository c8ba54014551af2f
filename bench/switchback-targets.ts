/**
 * `npm run bench:switchback`: the switchback targets of one session, side by side, each with the
 * load average it started at. On a private MariaDB with its data in memory (bench/privateServer.ts),
 * insert-features at --workers (50):
 *  1. A/A: `run --switchback innodb_io_capacity=200,201` for --aa-duration (10m): the 95 % interval
 *     of B against A, target within ±2.5 %, not significant.
 *  2. innodb_flush_log_at_trx_commit 1/2 and innodb_io_capacity 200/2000, each as one switchback run
 *     of --effect-duration (4m), beside separate runs in A B B A blocks of the same comparison
 *     (`matrix --order blocks --repeat --blocks`, --block-duration 30s runs): the switchback effect
 *     inside the blocks' interval, and its own interval ±3 % wide at most.
 * Before each measurement it waits (at most 2 minutes) for the load average to fall below 1.5,
 * and prints it. Options: --workers 50, --aa-duration 10m, --effect-duration 4m, --blocks 3,
 * --block-duration 30s, --only aa|effects, --keep.
 */
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompareReport } from '../src/analysis/verdicts/compare.js';
import type { RunFile, SwitchbackRecord } from '../src/results/types.js';
import { option, PROJECT_ROOT, positiveInteger, runChild, sh, stopOnSignal, writeResultsJson } from './common.js';
import { SCRIPT, startServer } from './privateServer.js';

const CLI = join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js');
const QUIET_LOAD = 1.5;
type Row = [string, string, string, string, string];

/** Waits (at most 2 minutes) for a quiet machine; the load average it starts at. */
async function quietLoad(): Promise<string> {
  const deadline = Date.now() + 120_000;
  while (loadavg()[0]! >= QUIET_LOAD && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5000));
  const load = loadavg()[0]!;
  return `${load.toFixed(2)}${load >= QUIET_LOAD ? ' (not quiet)' : ''}`;
}

async function switchback(connection: string[], workers: string, setting: string, duration: string, results: string): Promise<SwitchbackRecord | null> {
  const run = await runChild(process.execPath, [CLI, 'run', 'insert-features', '--fresh', '--workers', workers, '--duration', duration, '--switchback', setting, '--results', results, '--json', ...connection], { env: { ...process.env, MYSQL_PWD: '' } });
  return run.code === 0 ? ((JSON.parse(run.stdout) as RunFile).summary?.switchback ?? null) : null;
}

async function blocks(connection: string[], workers: string, setting: string, results: string): Promise<{ changePct: number; lo: number; hi: number; n: number } | null> {
  const args = ['matrix', '--json', '--set', setting, '--order', 'blocks', '--repeat', option('blocks', '3'), '--settle', '2s', '--results', results, ...connection];
  const run = await runChild(process.execPath, [CLI, ...args, '--', 'run', 'insert-features', '--workers', workers, '--duration', option('block-duration', '30s')], { env: { ...process.env, MYSQL_PWD: '' } });
  if (run.code !== 0) return null;
  const paired = (JSON.parse(run.stdout) as CompareReport).comparisons[0]?.paired?.whole;
  return paired?.ciPct ? { changePct: paired.changePct, lo: paired.ciPct.lo, hi: paired.ciPct.hi, n: paired.n } : null;
}

const pct = (value: number): string => `${value >= 0 ? '+' : ''}${value.toFixed(1)} %`;
const shown = (s: SwitchbackRecord | null): string => (s?.ciPct ? `${pct(s.changePct)} [${pct(s.ciPct.lo)}, ${pct(s.ciPct.hi)}], ${s.pairs} pairs` : 'no result');

async function main(): Promise<void> {
  const signal = stopOnSignal();
  const workers = String(positiveInteger('workers', option('workers', '50')));
  const only = option('only', 'all');
  const dir = mkdtempSync(join(tmpdir(), 'ib-bench-switchback-'));
  const results = join(dir, 'results');
  const rows: Row[] = [];
  // Minutes of inserts at ~8 000/s: 5 M images, so that no run runs out of work (small's 1 M lasts 2 minutes).
  const server = await startServer(dir, 'memory', ['--groups', '500', '--members', '1000', '--images', '10']);
  try {
    // A server just loaded speeds up over its first minute: one unrecorded run first.
    await runChild(process.execPath, [CLI, 'run', 'insert-features', '--fresh', '--workers', workers, '--duration', '60s', '--results', join(dir, 'warmup'), ...server.connection], { env: { ...process.env, MYSQL_PWD: '' }, quiet: true });
    if (only !== 'effects' && !signal.stopped) {
      const load = await quietLoad();
      const aa = await switchback(server.connection, workers, 'innodb_io_capacity=200,201', option('aa-duration', '10m'), results);
      const half = aa?.ciPct ? Math.max(aa.ciPct.hi - aa.changePct, aa.changePct - aa.ciPct.lo) : null;
      rows.push([`A/A switchback innodb_io_capacity 200/201 (${option('aa-duration', '10m')})`, '95 % interval within ±2.5 %, not significant', shown(aa), load, half !== null && half <= 2.5 && !aa!.significant ? 'met' : 'missed']);
    }
    for (const setting of ['innodb_flush_log_at_trx_commit=1,2', 'innodb_io_capacity=200,2000']) {
      if (only === 'aa' || signal.stopped) break;
      const load = await quietLoad();
      const effect = await switchback(server.connection, workers, setting, option('effect-duration', '4m'), results);
      if (signal.stopped) break;
      const blockLoad = await quietLoad();
      const solo = await blocks(server.connection, workers, setting, results);
      const inside = effect !== null && solo !== null && effect.changePct >= solo.lo && effect.changePct <= solo.hi;
      const width = effect?.ciPct ? effect.ciPct.hi - effect.ciPct.lo : Infinity;
      rows.push([`switchback ${setting} (${option('effect-duration', '4m')})`, '±3 % wide at most', shown(effect), load, width <= 6 ? 'met' : 'missed']);
      rows.push([`  beside separate runs in A B B A blocks`, 'switchback effect inside their interval', solo ? `${pct(solo.changePct)} [${pct(solo.lo)}, ${pct(solo.hi)}], ${solo.n} blocks` : 'no result', blockLoad, inside ? 'met' : 'missed']);
    }
  } finally {
    if (!process.argv.includes('--keep')) sh(SCRIPT, ['remove', server.dir]);
  }
  const header: Row = ['target', 'goal', 'measured', 'load avg at start', ''];
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...[header, ...rows].map((row) => row[i]!.length)));
  process.stdout.write('\n' + [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n');
  const file = await writeResultsJson(`bench-switchback-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, { rows, results });
  process.stdout.write(`results: ${file} (runs in ${results})\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
