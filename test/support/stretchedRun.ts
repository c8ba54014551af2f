/**
 * A long run made from a short real one, so that a report test can look at a 300 s run's report
 * without running for 300 s: the real run folder is copied and its timeline.csv and status.csv are
 * stretched to `seconds` of `intervalMs` intervals (the real rows repeated in turn, rates kept,
 * counts scaled to the longer interval, ±5 % wobble so the lines are not flat); run.json says the
 * new duration and interval. The histograms and everything else stay the real run's.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function csvRows(path: string): { header: string[]; rows: string[][] } {
  const [header, ...rows] = readFileSync(path, 'utf8').trim().split('\n').map((line) => line.split(','));
  return { header: header!, rows };
}

function writeCsv(path: string, header: string[], rows: string[][]): void {
  writeFileSync(path, [header, ...rows].map((row) => row.join(',')).join('\n') + '\n');
}

/** Each output interval takes the source row (seq − 1) mod n; `rewrite` sets its cells. */
function stretchCsv(path: string, intervals: number, rewrite: (cells: Record<string, string>, seq: number) => void): void {
  const { header, rows } = csvRows(path);
  const out: string[][] = [];
  for (let seq = 1; seq <= intervals; seq++) {
    const source = rows[(seq - 1) % rows.length]!;
    const cells = Object.fromEntries(header.map((name, i) => [name, source[i] ?? '']));
    rewrite(cells, seq);
    out.push(header.map((name) => cells[name] ?? ''));
  }
  writeCsv(path, header, out);
}

/** The run.json fields the stretch rewrites. */
interface RunJson {
  settings?: unknown;
  config: Record<string, unknown>;
  summary: { ops: number; opsPerSec: number; elapsedSec: number };
  startedAt: string;
  endedAt?: string;
}

export function stretchedRun(sourceDir: string, targetDir: string, seconds: number, intervalMs: number): void {
  cpSync(sourceDir, targetDir, { recursive: true });
  const intervals = Math.round((seconds * 1000) / intervalMs);
  const intervalSec = intervalMs / 1000;
  const wobble = (seq: number): number => 1 + 0.05 * Math.sin(seq / 3);
  stretchCsv(join(targetDir, 'timeline.csv'), intervals, (cells, seq) => {
    const perSec = Number(cells.ops_per_s) * wobble(seq);
    cells.seq = String(seq);
    cells.elapsed_s = String(seq * intervalSec);
    cells.ops_per_s = perSec.toFixed(2);
    cells.ops = String(Math.round(perSec * intervalSec));
  });
  stretchCsv(join(targetDir, 'status.csv'), intervals, (cells, seq) => {
    const scale = (intervalSec / Number(cells.seconds)) * wobble(seq);
    for (const [name, value] of Object.entries(cells)) {
      if (!['seq', 'elapsed_s', 'seconds', 'server_restarted'].includes(name) && value !== '') cells[name] = String(Math.round(Number(value) * scale));
    }
    cells.seq = String(seq);
    cells.elapsed_s = String(seq * intervalSec);
    cells.seconds = String(intervalSec);
  });
  const runPath = join(targetDir, 'run.json');
  const run = JSON.parse(readFileSync(runPath, 'utf8')) as RunJson;
  // A plain run, not one of a matrix: the report reads it on its own.
  delete run.settings;
  run.config.durationMs = seconds * 1000;
  run.config.intervalMs = intervalMs;
  run.summary.ops = Math.round(run.summary.opsPerSec * seconds);
  run.summary.elapsedSec = seconds;
  run.endedAt = new Date(Date.parse(run.startedAt) + seconds * 1000).toISOString();
  writeFileSync(runPath, JSON.stringify(run, null, 2));
}
