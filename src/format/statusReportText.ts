/** `innobench status-report` as text: one line per interval, the totals and what Queries counts. */
import { REPORT_COUNTERS, type StatusReport } from '../analysis/server/statusReport.js';

export function formatStatusReport(report: StatusReport, counters: readonly string[] = REPORT_COUNTERS): string {
  const header = ['ts', 'time', 'load', 'secs', ...counters.map((name) => `${name}/s`)];
  const rows = report.intervals.map((interval) => [
    interval.ts.toFixed(3),
    interval.when.split(' ')[1] ?? interval.when,
    interval.load === null ? '-' : interval.load.toFixed(2),
    interval.seconds.toFixed(2),
    ...counters.map((name) => {
      const rate = interval.rates[name];
      return rate === null || rate === undefined ? '-' : `${rate.toFixed(2)}${interval.resets.includes(name) ? '*' : ''}`;
    }),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]): string => cells.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd();
  const out = [line(header), ...rows.map(line)];
  if (report.intervals.some((interval) => interval.resets.length)) out.push('* the counter went down (server restart or FLUSH STATUS): counted from zero for that interval');
  const mean = (name: string): string => (report.seconds > 0 ? ((report.totals[name] ?? 0) / report.seconds).toFixed(2) : '-');
  out.push(`over ${report.seconds.toFixed(1)} s: ${counters.map((name) => `${name} ${report.totals[name] ?? 0} (${mean(name)}/s)`).join(', ')}`);
  out.push(queriesNote(report));
  return out.join('\n');
}

/** The closing explanation, with the ratio this capture measured. */
function queriesNote(report: StatusReport): string {
  const ratio = report.queriesPerInsert;
  const measured =
    ratio === null
      ? 'this capture has no inserts (Com_insert did not move), so it has no Queries/Com_insert ratio'
      : `measured here: Queries/Com_insert = ${ratio.toFixed(2)}`;
  return (
    `${measured}. Com_insert is the true insert rate. Queries counts every command packet, COM_STMT_PREPARE/EXECUTE/CLOSE included ` +
    `(Questions leaves out PREPARE and CLOSE), so with server-side prepared statements Queries is several × Com_insert: a client that ` +
    `prepares, executes and closes each statement (Go's database/sql without an explicit Prepare, as in the seed, which saw ≈ 4×) ` +
    `sends three packets per insert, plus BEGIN/COMMIT; a client that prepares once and re-executes (innobench's workers) stays near 1×.`
  );
}
