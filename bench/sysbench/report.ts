/** The sysbench comparison's table on stdout and its JSON in results/. */
import { writeResultsJson } from '../common.js';
import type { Comparison, Options, RunResult } from './types.js';

/** A run whose Com_insert differs from the client's own count by more than this is flagged. */
export const COUNT_MISMATCH_TOLERANCE = 0.01;

const COLUMNS = ['client', 'trx_commit', 'inserts/s', 'p95 ms', 'client CPU s/1000', 'server CPU s/1000', "others' CPU %"];
const WIDTHS = [9, 10, 9, 7, 17, 17, 13];

function pad(cells: string[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(WIDTHS[i]!) : cell.padStart(WIDTHS[i]!))).join('  ');
}

export function formatRow(run: RunResult): string {
  return pad([
    run.client,
    run.trxCommit,
    run.insertsPerSec.toFixed(0),
    run.p95Ms.toFixed(2),
    run.clientCpuSecPer1000.toFixed(3),
    run.serverCpuSecPer1000 === null ? 'n/a' : run.serverCpuSecPer1000.toFixed(3),
    run.othersCpuPercent === null ? 'n/a' : run.othersCpuPercent.toFixed(0),
  ]) + (run.countMismatch ? '  *' : '');
}

function formatComparison(comparison: Comparison): string {
  const verdict = (met: boolean | null) => (met === null ? '' : met ? ' PASS' : ' FAIL');
  const throughput =
    comparison.throughputTarget === null
      ? 'no target'
      : `target ≥ ${comparison.throughputTarget.toFixed(1)}×${verdict(comparison.throughputMet)}`;
  const server = comparison.serverCpuPerInsertRatio === null ? 'n/a' : `${comparison.serverCpuPerInsertRatio.toFixed(2)}×`;
  return [
    `trx_commit=${comparison.trxCommit}:`,
    `  inserts/s           ${comparison.insertsPerSecRatio.toFixed(2)}×  (${throughput})`,
    `  client CPU/insert   ${comparison.clientCpuPerInsertRatio.toFixed(2)}×  (target ≤ ${comparison.clientCpuTarget.toFixed(1)}×${verdict(comparison.clientCpuMet)})`,
    `  server CPU/insert   ${server}`,
  ].join('\n');
}

export function printReport(runs: RunResult[], comparisons: Comparison[]): void {
  console.log(`\n${pad(COLUMNS)}`);
  for (const run of runs) console.log(formatRow(run));
  if (runs.some((run) => run.countMismatch)) {
    console.log(`* Com_insert differed from the client's own count by more than ${COUNT_MISMATCH_TOLERANCE * 100} %: another client was writing, so that run's CPU figures are suspect`);
  }
  console.log("others' CPU %: the share of the machine's cores that other processes used during the run; above a few % the machine was shared and the figures are noisier");
  console.log('\ninnobench / sysbench (mean over the pairs):');
  for (const comparison of comparisons) console.log(formatComparison(comparison));
}

interface Report {
  startedAt: string;
  options: Options;
  server: { version: string; localPid: number | null };
  runs: RunResult[];
  comparisons: Comparison[];
}

export function writeJson(report: Report): Promise<string> {
  return writeResultsJson(`bench-sysbench-${report.startedAt.replace(/[:.]/g, '-')}.json`, { format: 1, ...report });
}
