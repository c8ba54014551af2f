/**
 * The gate's verdict as a reader gets it: a text table for the terminal, JUnit XML for CI test
 * reports, Markdown for pull-request comments. Pure: a GateResult in, text out.
 */
import { formatSignedPercent } from './stats.js';
import { formatNumber, type GateResult, type GateVerdict, type ThresholdResult } from './gate.js';

function formatValue(value: number | boolean | null): string {
  if (value === null) return '-';
  if (typeof value === 'boolean') return value ? 'ok' : 'not ok';
  return formatNumber(value);
}

function formatBaseline(result: ThresholdResult): string {
  if (result.baselineValue === null) return '-';
  const { n, stdDev } = result.baselineSpread;
  const spread = stdDev === null ? '' : ` ± ${formatNumber(stdDev)}`;
  return `${formatNumber(result.baselineValue)}${spread} (n=${n})`;
}

function formatChange(result: ThresholdResult): string {
  return result.changePct === null ? '-' : formatSignedPercent(result.changePct, 1);
}

/** Columns shared by the text and Markdown tables; baseline is "mean ± sample stddev (n)". */
function tableRows(result: GateResult): string[][] {
  return result.results.map((row) => [
    row.verdict,
    row.threshold.source,
    formatBaseline(row),
    formatValue(row.currentValue),
    formatChange(row),
    row.reason,
  ]);
}

const TABLE_HEADER = ['verdict', 'threshold', 'baseline', 'current', 'change', 'reason'];

/** PASS, FAIL, NOTHING TO JUDGE, INVALID. */
function verdictLabel(verdict: GateVerdict): string {
  return verdict.toUpperCase().replace(/-/g, ' ');
}

/** Plain-text table for stdout; the reason column is last and unpadded because it is long. */
export function formatGateTable(result: GateResult): string {
  const rows = [TABLE_HEADER, ...tableRows(result)];
  const widths = TABLE_HEADER.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const lines = rows.map((row) =>
    row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  '),
  );
  return [`innobench gate: ${verdictLabel(result.verdict)}. ${result.reason}`, '', ...lines, ''].join('\n');
}

/** Characters XML 1.0 cannot carry at all, even escaped (control characters other than tab, LF, CR). */
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function escapeXml(text: string): string {
  return text
    .replace(XML_FORBIDDEN, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * JUnit XML: one testsuite "innobench-gate", one testcase per threshold. Fails become <failure>,
 * thresholds without a baseline <skipped>; every reason is also in <system-out>. When the gate had
 * nothing to judge (or no thresholds), one extra testcase carries an <error>, so CI reports show
 * red and say why.
 */
export function gateJUnitXml(result: GateResult): string {
  const testcases = result.results.map((row) => {
    const reason = escapeXml(row.reason);
    const outcome =
      row.verdict === 'fail'
        ? `      <failure message="${reason}" type="threshold">${reason}</failure>\n`
        : row.verdict === 'no-baseline'
          ? `      <skipped message="${reason}"/>\n`
          : '';
    return (
      `    <testcase classname="innobench-gate" name="${escapeXml(row.threshold.source)}">\n` +
      outcome +
      `      <system-out>${escapeXml(`${row.verdict}: ${row.reason}`)}</system-out>\n` +
      '    </testcase>\n'
    );
  });
  const judged = result.verdict === 'pass' || result.verdict === 'fail';
  if (!judged) {
    const reason = escapeXml(result.reason);
    testcases.push(
      `    <testcase classname="innobench-gate" name="${escapeXml(`run ${result.currentRunId}`)}">\n` +
        `      <error message="${reason}" type="run">${reason}</error>\n` +
        '    </testcase>\n',
    );
  }
  const failures = result.results.filter((row) => row.verdict === 'fail').length;
  const skipped = result.results.filter((row) => row.verdict === 'no-baseline').length;
  const errors = judged ? 0 : 1;
  const counts = `tests="${testcases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}"`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="innobench" ${counts}>\n` +
    `  <testsuite name="innobench-gate" ${counts}>\n` +
    testcases.join('') +
    '  </testsuite>\n' +
    '</testsuites>\n'
  );
}

/** Keeps a cell inside its Markdown table cell: pipes would end it, newlines would end the row. */
function escapeMarkdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Markdown for a pull-request or job summary: a heading with the verdict, the reason, then the table. */
export function gateMarkdown(result: GateResult): string {
  const header = `| ${TABLE_HEADER.join(' | ')} |`;
  const rule = `|${TABLE_HEADER.map(() => '---').join('|')}|`;
  const rows = tableRows(result).map((row) => {
    const [verdict = '', source = '', ...rest] = row.map(escapeMarkdownCell);
    return `| **${verdict}** | \`${source}\` | ${rest.join(' | ')} |`;
  });
  const heading = `### innobench gate: ${verdictLabel(result.verdict)}`;
  return [heading, '', escapeMarkdownCell(result.reason), '', header, rule, ...rows, ''].join('\n');
}
