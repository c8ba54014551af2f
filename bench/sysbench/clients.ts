/** The clients of the sysbench comparison: their names, command lines and what they print. */
import { join } from 'node:path';
import type { RunFile } from '../../src/results/types.js';
import { PROJECT_ROOT } from '../common.js';
import type { Client, ClientReport, Mode, Options } from './types.js';

export const INNOBENCH_CLI = join(PROJECT_ROOT, 'dist/src/cli/main.js');
const BARE_LOOP = join(PROJECT_ROOT, 'dist/bench/bareLoop.js');
const SYSBENCH_SCRIPTS: Record<Mode, string> = {
  insert: join(PROJECT_ROOT, 'bench/sysbench/insert_features.lua'),
  read: join(PROJECT_ROOT, 'bench/sysbench/read_member_features.lua'),
};
const SCENARIOS: Record<Mode, string> = { insert: 'insert-features', read: 'read-member-features' };

export function clientName(client: Client): string {
  if (client.kind === 'sysbench') return 'sysbench';
  return `${client.kind} ${client.driver}${client.threads > 1 ? ` ×${client.threads}` : ''}`;
}

/** The clients of one pair, in the order they run: sysbench, innobench per driver (and thread count), then the bare loops. */
export function clientsOf(options: Options): Client[] {
  const clients: Client[] = [{ kind: 'sysbench' }];
  if (options.mode === 'insert') {
    for (const driver of options.drivers) clients.push({ kind: 'innobench', driver, threads: 0 });
    return clients;
  }
  for (const driver of options.drivers) for (const threads of options.threads) clients.push({ kind: 'innobench', driver, threads });
  for (const driver of options.drivers) for (const threads of options.threads) clients.push({ kind: 'bare', driver, threads });
  return clients;
}

export function innobenchConnection(options: Options): string[] {
  return ['--host', options.host, '--port', String(options.port), '--user', 'root', '--database', options.database];
}

/** The command line that runs one client for one measured run. */
export function clientCommand(client: Client, options: Options, resultsDir: string): string[] {
  if (client.kind === 'sysbench') {
    return [
      'sysbench', SYSBENCH_SCRIPTS[options.mode],
      `--threads=${options.workers}`, `--time=${options.durationSec}`, '--report-interval=0',
      `--mysql-host=${options.host}`, `--mysql-port=${options.port}`, '--mysql-user=root',
      `--mysql-db=${options.database}`, '--db-ps-mode=auto', '--percentile=95',
      `--flag=${options.flag}`, 'run',
    ];
  }
  if (client.kind === 'bare') {
    return [
      process.execPath, BARE_LOOP, '--driver', client.driver, '--connections', String(options.workers), '--threads', String(client.threads),
      '--duration', String(options.durationSec), '--flag', options.flag, '--host', options.host, '--port', String(options.port), '--database', options.database,
    ];
  }
  return [
    process.execPath, INNOBENCH_CLI, 'run', SCENARIOS[options.mode], ...innobenchConnection(options), '--driver', client.driver,
    '--flag', options.flag, '--workers', String(options.workers), ...(client.threads > 0 ? ['--threads', String(client.threads)] : []),
    '--duration', `${options.durationSec}s`, '--results', resultsDir, '--json',
  ];
}

/** Loads the data once; innobench's prepare resumes, or does nothing when it is done. */
export function prepareCommand(options: Options): string[] {
  return [
    INNOBENCH_CLI, 'prepare', SCENARIOS[options.mode], ...innobenchConnection(options), '--flag', options.flag,
    '--groups', String(options.groups), '--members', String(options.members), '--images', String(options.images),
    ...(options.mode === 'read' ? ['--with-features'] : []),
  ];
}

export function parseClient(client: Client, stdout: string): ClientReport {
  if (client.kind === 'sysbench') return parseSysbench(stdout);
  if (client.kind === 'bare') {
    const line = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { queries: number; queriesPerSec: number; p95Ms: number };
    return { operations: line.queries, perSec: line.queriesPerSec, p95Ms: line.p95Ms };
  }
  const run = JSON.parse(stdout) as RunFile;
  if (!run.summary) throw new Error(`innobench's run.json has no summary (state ${run.state})`);
  return { operations: run.summary.ops, perSec: run.summary.opsPerSec, p95Ms: run.summary.latencyMs.p95 };
}

function parseSysbench(stdout: string): ClientReport {
  const number = (pattern: RegExp): number => {
    const match = pattern.exec(stdout);
    if (!match?.[1]) throw new Error(`sysbench's output has no ${pattern.source}:\n${stdout}`);
    return Number(match[1]);
  };
  const operations = number(/total number of events:\s+(\d+)/);
  const totalTimeSec = number(/total time:\s+([\d.]+)s/);
  return { operations, perSec: operations / totalTimeSec, p95Ms: number(/95th percentile:\s+([\d.]+)/) };
}
