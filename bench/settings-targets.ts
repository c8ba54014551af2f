/**
 * `npm run bench:settings`: the settings-comparison targets of one run, side by side.
 *
 *  1. A/A on insert-features at 100 workers (`innobench matrix --aa --order blocks --target-effect 3%
 *     --budget 10m`): the paired 95 % interval's half-width, target ±3 % within 10 minutes of load.
 *  2. The positive control: the same private server with its data disk capped by cgroup v1 blkio
 *     (`scripts/private-mariadb.sh throttle`, 200 write IOPS), `innobench experiment redo-size` 48M
 *     vs 1G: detected (the paired interval excludes 0) with its mechanism named (a per-operation
 *     figure that changed significantly). Where the kernel refuses the throttle, it says so and skips.
 *  3. Stalls averaged silently and comparisons of runs that never reached steady state without a
 *     warning: counted over both comparisons (target 0).
 *
 * Everything runs on a private MariaDB (scripts/private-mariadb.sh, data on its own loop device),
 * never the shared server. Options: --aa-duration 30s, --target 3, --budget 10m, --control-duration
 * 60s, --control-blocks 2, --iops 200, --workers 100, --only aa|control, --keep (leave the private server running).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { PROJECT_ROOT, positiveInteger, writeResultsJson } from './common.js';
import type { CompareReport } from '../src/analysis/compare.js';

const CLI = join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js');
const SCRIPT = join(PROJECT_ROOT, 'scripts', 'private-mariadb.sh');
const INTERVAL_SEC = 5;

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function sh(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/** An innobench command whose --json comparison is parsed; its stderr goes to ours live (inherit). */
function innobench(args: string[]): (CompareReport & { verdicts: string[] }) | null {
  // Before `--`: what follows it belongs to the runs.
  const result = spawnSync(process.execPath, [CLI, args[0]!, '--json', ...args.slice(1)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    process.stderr.write(`innobench ${args[0]} exited ${result.status}\n`);
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
  const workers = String(positiveInteger('workers', option('workers', '100')));
  const target = Number(option('target', '3'));
  const iops = String(positiveInteger('iops', option('iops', '200')));
  const dir = mkdtempSync(join(tmpdir(), 'ib-bench-settings-'));
  const server = join(dir, 'server');
  const port = await freePort();
  const env = { ...process.env, IB_PRIVATE_DISK: '4G', IB_PRIVATE_BUFFER_POOL: '256M', IB_PRIVATE_REDO: '48M' };
  const started = sh(SCRIPT, ['start', server, String(port)], env);
  if (started.status !== 0) throw new Error(`the private server did not start: ${started.stderr}`);
  const connection = ['--host', '127.0.0.1', '--port', String(port), '--user', 'root', '--database', 'ib_bench'];
  const results = join(dir, 'results');
  const rows: Array<[string, string, string, string]> = [];
  const problems = { stalls: 0, unwarned: 0 };
  try {
    const prepared = spawnSync(process.execPath, [CLI, 'prepare', 'insert-features', '--scale', 'small', ...connection], { stdio: 'inherit', env: { ...process.env, MYSQL_PWD: '' } });
    if (prepared.status !== 0) throw new Error('prepare failed');
    const run = ['--', 'run', 'insert-features', '--workers', workers, '--interval', `${INTERVAL_SEC}s`];

    const only = option('only', 'all');
    const aa = only === 'control' ? null : innobench(['matrix', '--aa', '--order', 'blocks', '--repeat', '2', '--settle', '5s', '--target-effect', `${target}%`, '--budget', option('budget', '10m'), '--results', results, ...connection, ...run, '--duration', option('aa-duration', '30s')]);
    const aaPaired = aa?.comparisons[0]?.paired?.whole ?? null;
    const aaLoadSec = aa ? aa.configurations.reduce((sum, config) => sum + config.runs.reduce((s, r) => s + r.intervalSamples.length * INTERVAL_SEC, 0), 0) : 0;
    if (only !== 'control') rows.push([
      'A/A paired 95 % interval (insert-features, 100 workers)',
      `within ±${target} % in ≤ 10 min of load`,
      aaPaired?.halfWidthPct != null ? `${aaPaired.changePct.toFixed(1)} % ± ${aaPaired.halfWidthPct.toFixed(1)} % (${aaPaired.n} blocks, ~${Math.round(aaLoadSec / 60)} min of load)` : 'no result',
      aaPaired?.halfWidthPct != null && aaPaired.halfWidthPct <= target && !aaPaired.significant ? 'met' : 'missed',
    ]);
    if (aa) {
      const found = silentProblems(aa, aa.verdicts);
      problems.stalls += found.stalls;
      problems.unwarned += found.unwarned;
    }

    const throttled = only === 'aa' ? { status: 0, stdout: '', stderr: '' } : sh(SCRIPT, ['throttle', server, iops]);
    if (only === 'aa') {
      // The positive control was not asked for.
    } else if (throttled.status !== 0) {
      rows.push(['positive control: redo 48M vs 1G on a disk capped at ' + iops + ' write IOPS', 'detected, mechanism named', `skipped: ${throttled.stderr.trim()}`, 'skipped']);
    } else {
      process.stderr.write(throttled.stdout);
      const control = innobench(['experiment', 'redo-size', '--blocks', option('control-blocks', '2'), '--duration', option('control-duration', '60s'), '--results', results, ...connection, ...run]);
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
        const found = silentProblems(control, control.verdicts);
        problems.stalls += found.stalls;
        problems.unwarned += found.unwarned;
      }
    }
    rows.push(['stalls averaged silently', '0', String(problems.stalls), problems.stalls === 0 ? 'met' : 'missed']);
    rows.push(['comparisons of unreached steady state without a warning', '0', String(problems.unwarned), problems.unwarned === 0 ? 'met' : 'missed']);
  } finally {
    if (!process.argv.includes('--keep')) sh(SCRIPT, ['remove', server]);
  }
  const widths = [0, 1, 2, 3].map((i) => Math.max(...[['target', 'goal', 'measured', ''], ...rows].map((row) => row[i]!.length)));
  process.stdout.write('\n' + [['target', 'goal', 'measured', ''], ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n');
  const file = await writeResultsJson(`bench-settings-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, { rows, results });
  process.stdout.write(`results: ${file} (matrices in ${results})\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
