/** The sysbench comparison's ratios (pure), its table on stdout and its JSON in results/. */
import { mean } from '../../src/analysis/verdicts/stats.js';
import { writeResultsJson } from '../common.js';
import { COUNT_MISMATCH_TOLERANCE } from './measure.js';
import type { Comparison, Mode, Options, RunResult } from './types.js';

/** Issue 16's targets. Inserts: innobench / sysbench inserts/s per innodb_flush_log_at_trx_commit, and client CPU per insert. */
const INSERT_THROUGHPUT_TARGETS: Record<string, number> = { '1': 1.1, '2': 1.0 };
const INSERT_CLIENT_CPU_TARGET = 1.5;
/** Reads: innobench / sysbench q/s, and innobench / the bare loop of the same driver. */
const READ_VS_SYSBENCH_TARGET = 0.75;
const READ_VS_BARE_TARGET = 0.95;

const COLUMNS = ['client', 'setting', 'ops/s', 'p95 ms', 'client CPU s/1000', 'server CPU s/1000', "others' CPU %"];
const WIDTHS = [22, 7, 9, 7, 17, 17, 13];

function pad(cells: string[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(WIDTHS[i]!) : cell.padStart(WIDTHS[i]!))).join('  ');
}

export function formatRow(run: RunResult): string {
  return (
    pad([
      run.name,
      run.setting,
      run.perSec.toFixed(0),
      run.p95Ms.toFixed(2),
      run.clientCpuSecPer1000.toFixed(3),
      run.serverCpuSecPer1000 === null ? 'n/a' : run.serverCpuSecPer1000.toFixed(3),
      run.othersCpuPercent === null ? 'n/a' : run.othersCpuPercent.toFixed(0),
    ]) + (run.countMismatch ? '  *' : '')
  );
}

/** `client`'s mean over the pairs divided by `reference`'s; null when either lacks the figure. */
function ratio(runs: RunResult[], client: string, reference: string, pick: (run: RunResult) => number | null): number | null {
  const meanOf = (name: string): number | null => {
    const values = runs.filter((run) => run.name === name).map(pick);
    return values.length > 0 && values.every((value): value is number => value !== null) ? mean(values) : null;
  };
  const a = meanOf(client);
  const b = meanOf(reference);
  return a === null || b === null ? null : a / b;
}

function comparison(runs: RunResult[], setting: string, client: string, reference: string, throughputTarget: number | null, clientCpuTarget: number | null): Comparison {
  const perSecRatio = ratio(runs, client, reference, (run) => run.perSec)!;
  const clientCpuRatio = ratio(runs, client, reference, (run) => run.clientCpuSecPer1000)!;
  return {
    setting,
    client,
    reference,
    perSecRatio,
    clientCpuRatio,
    serverCpuRatio: ratio(runs, client, reference, (run) => run.serverCpuSecPer1000),
    throughputTarget,
    throughputMet: throughputTarget === null ? null : perSecRatio >= throughputTarget,
    clientCpuTarget,
    clientCpuMet: clientCpuTarget === null ? null : clientCpuRatio <= clientCpuTarget,
  };
}

/**
 * Every client against sysbench at each setting; in read mode each innobench client also against
 * the bare loop of its driver and thread count (what the harness costs on top of the driver).
 */
export function compare(mode: Mode, runs: RunResult[]): Comparison[] {
  const comparisons: Comparison[] = [];
  for (const setting of [...new Set(runs.map((run) => run.setting))]) {
    const atSetting = runs.filter((run) => run.setting === setting);
    const names = [...new Set(atSetting.filter((run) => run.client.kind !== 'sysbench').map((run) => run.name))];
    for (const name of names) {
      const run = atSetting.find((r) => r.name === name)!;
      if (mode === 'insert') {
        comparisons.push(comparison(atSetting, setting, name, 'sysbench', INSERT_THROUGHPUT_TARGETS[setting] ?? null, INSERT_CLIENT_CPU_TARGET));
        continue;
      }
      const innobench = run.client.kind === 'innobench';
      comparisons.push(comparison(atSetting, setting, name, 'sysbench', innobench ? READ_VS_SYSBENCH_TARGET : null, null));
      const bare = name.replace(/^innobench /, 'bare ');
      if (innobench && atSetting.some((r) => r.name === bare)) comparisons.push(comparison(atSetting, setting, name, bare, READ_VS_BARE_TARGET, null));
    }
  }
  return comparisons;
}

function formatComparison(c: Comparison): string {
  const verdict = (met: boolean | null): string => (met === null ? '' : met ? ' PASS' : ' FAIL');
  const throughput = c.throughputTarget === null ? '' : `  (target ≥ ${c.throughputTarget.toFixed(2)}×${verdict(c.throughputMet)})`;
  const cpu = c.clientCpuTarget === null ? '' : `  (target ≤ ${c.clientCpuTarget.toFixed(1)}×${verdict(c.clientCpuMet)})`;
  const server = c.serverCpuRatio === null ? 'n/a' : `${c.serverCpuRatio.toFixed(2)}×`;
  return `  ${`${c.client} / ${c.reference}`.padEnd(42)} ops/s ${c.perSecRatio.toFixed(2)}×${throughput}; client CPU/op ${c.clientCpuRatio.toFixed(2)}×${cpu}; server CPU/op ${server}`;
}

export function printReport(runs: RunResult[], comparisons: Comparison[]): void {
  console.log(`\n${pad(COLUMNS)}`);
  for (const run of runs) console.log(formatRow(run));
  if (runs.some((run) => run.countMismatch)) {
    console.log(`* the server's count differed from the client's own by more than ${COUNT_MISMATCH_TOLERANCE * 100} %: another client was busy, so that run's CPU figures are suspect`);
  }
  console.log("others' CPU %: the share of the machine's cores that other processes used during the run; above a few % the machine was shared and the figures are noisier");
  console.log('\nratios (mean over the pairs):');
  for (const setting of [...new Set(comparisons.map((c) => c.setting))]) {
    console.log(setting === '-' ? 'reads:' : `trx_commit=${setting}:`);
    for (const c of comparisons.filter((x) => x.setting === setting)) console.log(formatComparison(c));
  }
}

interface Report {
  startedAt: string;
  options: Options;
  server: { version: string; localPid: number | null };
  drivers: Record<string, string>;
  runs: RunResult[];
  comparisons: Comparison[];
}

export function writeJson(report: Report): Promise<string> {
  return writeResultsJson(`bench-sysbench-${report.options.mode}-${report.startedAt.replace(/[:.]/g, '-')}.json`, { format: 2, ...report });
}
