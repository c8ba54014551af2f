/**
 * `npm run bench:settings`: the settings-comparison targets of one run, side by side.
 *
 *  1. A/A on insert-features at 100 workers (`innobench matrix --aa --order blocks --target-effect 3%
 *     --budget 10m`, 15 s runs): the paired 95 % interval's half-width, target ±3 % within 10
 *     minutes of load. On a private server whose data is in memory (`--aa-on memory`, the default:
 *     what remains is the CPU, the harness and the method), or on the loop-disk server below
 *     (`--aa-on disk`, or both: `memory,disk`), where the VM's shared disk adds its own noise.
 *     Each A/A starts with one unrecorded warm-up run (--aa-warmup 60s).
 *  2. The positive control: a private server on a loop disk, capped by cgroup v1 blkio
 *     (`scripts/private-mariadb.sh throttle`, 200 write IOPS), `innobench experiment redo-size` 48M
 *     vs 1G: detected (the paired interval excludes 0) with its mechanism named (a per-operation
 *     figure that changed significantly). Where the kernel refuses the throttle, it says so and skips.
 *  3. Stalls averaged silently and comparisons of runs that never reached steady state without a
 *     warning: counted over every comparison (target 0).
 *
 * Everything runs on private MariaDBs (scripts/private-mariadb.sh), never the shared server.
 * Options: --aa-on memory|disk|memory,disk, --aa-duration 15s, --aa-interval 5s, --aa-settle 2s,
 * --aa-warmup 60s, --target 3, --budget 10m, --control-duration 60s, --control-blocks 3, --iops 200,
 * --workers 100, --only aa|control, --keep (leave the private servers in place).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { option, PROJECT_ROOT, positiveInteger, runChild, sh, stopOnSignal, writeResultsJson } from './common.js';
import { SCRIPT, SERVER_KINDS, startServer, type ServerKind } from './privateServer.js';
import type { CompareReport } from '../src/analysis/verdicts/compare.js';

const CLI = join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js');
const INTERVAL_SEC = 5;


/** An innobench command whose --json comparison is parsed; its stderr goes to ours live (inherit). */
async function innobench(args: string[]): Promise<(CompareReport & { verdicts: string[] }) | null> {
  // Before `--`: what follows it belongs to the runs.
  const result = await runChild(process.execPath, [CLI, args[0]!, '--json', ...args.slice(1)]);
  if (result.code !== 0) {
    process.stderr.write(`innobench ${args[0]} exited ${result.code}\n`);
    return null;
  }
  return JSON.parse(result.stdout) as CompareReport & { verdicts: string[] };
}

/** Stalls and unreached steady states the comparison did not show: what the targets count. */
function silentProblems(report: CompareReport, verdicts: readonly string[]): { stalls: number; unwarned: number } {
  const stalls = report.configurations.reduce((sum, config) => sum + config.stalls.length, 0);
  const named = verdicts.some((verdict) => /Stalls \(named/.test(verdict)) || stalls === 0;
  const unreached = report.configurations.some((config) => config.steadyRuns < config.n);
  const warned = verdicts.every((verdict) => /Steady state reached in \d+\/\d+ runs/.test(verdict));
  return { stalls: named ? 0 : stalls, unwarned: unreached && !warned ? 1 : 0 };
}

async function main(): Promise<void> {
  const aaOn = option('aa-on', 'memory').split(',') as ServerKind[];
  const unknown = aaOn.filter((kind) => !SERVER_KINDS.includes(kind));
  if (unknown.length) {
    process.stderr.write(`--aa-on ${JSON.stringify(unknown.join(','))}: expected memory, disk or both (memory,disk)\n`);
    process.exit(2);
  }
  const signal = stopOnSignal();
  const workers = String(positiveInteger('workers', option('workers', '100')));
  const target = Number(option('target', '3'));
  const iops = String(positiveInteger('iops', option('iops', '200')));
  const dir = mkdtempSync(join(tmpdir(), 'ib-bench-settings-'));
  const results = join(dir, 'results');
  const rows: Array<[string, string, string, string]> = [];
  const problems = { stalls: 0, unwarned: 0 };
  const only = option('only', 'all');
  const run = ['--', 'run', 'insert-features', '--workers', workers, '--interval', `${INTERVAL_SEC}s`];
  const count = (report: CompareReport & { verdicts: string[] }): void => {
    const found = silentProblems(report, report.verdicts);
    problems.stalls += found.stalls;
    problems.unwarned += found.unwarned;
  };

  if (only !== 'control') {
    for (const kind of aaOn) {
      if (signal.stopped) break;
      const server = await startServer(dir, kind);
      try {
        // One unrecorded run first: a server just loaded (and a machine just booted) speeds up over
        // its first minutes, a drift that would otherwise sit in the first blocks.
        const warm = await runChild(process.execPath, [CLI, 'run', 'insert-features', '--workers', workers, '--duration', option('aa-warmup', '60s'), '--fresh', '--results', join(dir, `warmup-${kind}`), ...server.connection], { env: { ...process.env, MYSQL_PWD: '' } });
        if (warm.code !== 0) throw new Error(signal.stopped ? 'stopped during the warm-up run' : `the warm-up run failed (exit ${warm.code})`);
        const aaInterval = Number.parseFloat(option('aa-interval', '5s'));
        const aa = await innobench(['matrix', '--aa', '--order', 'blocks', '--repeat', '2', '--settle', option('aa-settle', '2s'), '--target-effect', `${target}%`, '--budget', option('budget', '10m'), '--results', results, ...server.connection, ...run.slice(0, -1), `${aaInterval}s`, '--duration', option('aa-duration', '15s')]);
        const paired = aa?.comparisons[0]?.paired?.whole ?? null;
        const loadSec = aa ? aa.configurations.reduce((sum, config) => sum + config.runs.reduce((s, r) => s + r.intervalSamples.length * aaInterval, 0), 0) : 0;
        rows.push([
          `A/A paired 95 % interval (insert-features, 100 workers; ${server.description})`,
          `within ±${target} % in ≤ 10 min of load`,
          paired?.halfWidthPct != null ? `${paired.changePct.toFixed(1)} % ± ${paired.halfWidthPct.toFixed(1)} % (${paired.n} blocks, ~${Math.round(loadSec / 60)} min of load)` : 'no result',
          paired?.halfWidthPct != null && paired.halfWidthPct <= target && !paired.significant ? 'met' : 'missed',
        ]);
        if (aa) {
          for (const verdict of aa.verdicts) process.stdout.write(`\n${verdict}\n`);
          count(aa);
        }
      } finally {
        if (!process.argv.includes('--keep')) sh(SCRIPT, ['remove', server.dir]);
      }
    }
  }

  if (only !== 'aa' && !signal.stopped) {
    const server = await startServer(dir, 'disk');
    try {
      const throttled = sh(SCRIPT, ['throttle', server.dir, iops]);
      if (throttled.status !== 0) {
        rows.push(['positive control: redo 48M vs 1G on a disk capped at ' + iops + ' write IOPS', 'detected, mechanism named', `skipped: ${throttled.stderr.trim()}`, 'skipped']);
      } else {
        process.stderr.write(throttled.stdout);
        const control = await innobench(['experiment', 'redo-size', '--blocks', option('control-blocks', '3'), '--duration', option('control-duration', '60s'), '--results', results, ...server.connection, ...run]);
        const paired = control?.comparisons[0]?.paired?.whole ?? null;
        const mechanism = control?.comparisons[0]?.mechanism[0] ?? null;
        rows.push([
          `positive control: redo 48M vs 1G, data disk capped at ${iops} write IOPS`,
          'detected, mechanism named',
          paired ? `${paired.changePct.toFixed(0)} % [${paired.ciPct?.lo.toFixed(0)}, ${paired.ciPct?.hi.toFixed(0)}]; ${mechanism ? `${mechanism.label} ${mechanism.changePct.toFixed(0)} %` : 'no mechanism figure changed'}` : 'no result',
          paired?.significant && mechanism ? 'met' : 'missed',
        ]);
        if (control) {
          for (const verdict of control.verdicts) process.stdout.write(`\n${verdict}\n`);
          count(control);
        }
      }
    } finally {
      if (!process.argv.includes('--keep')) sh(SCRIPT, ['remove', server.dir]);
    }
  }
  rows.push(['stalls averaged silently', '0', String(problems.stalls), problems.stalls === 0 ? 'met' : 'missed']);
  rows.push(['comparisons of unreached steady state without a warning', '0', String(problems.unwarned), problems.unwarned === 0 ? 'met' : 'missed']);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...[['target', 'goal', 'measured', ''], ...rows].map((row) => row[i]!.length)));
  process.stdout.write('\n' + [['target', 'goal', 'measured', ''], ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n');
  const file = await writeResultsJson(`bench-settings-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, { rows, results });
  process.stdout.write(`results: ${file} (matrices in ${results})\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
