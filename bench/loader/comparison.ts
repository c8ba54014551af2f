/** One comparison: the files written once, then each round loads both sides; medians, ratio, summary table. */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { designOf } from '../../src/schema/designs/index.js';
import { libraryTables } from '../../src/schema/tables.js';
import type { Scale } from '../../src/data/hierarchy.js';
import { ensureGeneratedFeatureFile, loadFeatureSource } from '../../src/data/featureSource.js';
import { connectControl } from '../../src/db/connect.js';
import { workerDriver } from '../../src/db/drivers/index.js';
import { median } from '../../src/analysis/verdicts/stats.js';
import { PROJECT_ROOT } from '../common.js';
import { dropScratch, scratch, scratchName } from './scratch.js';
import { runLoader } from './loaderSide.js';
import { writeFiles } from './tsvFiles.js';
import { runLoadData } from './loadDataSide.js';
import { fingerprints, settleServer } from './checks.js';
import { log } from './log.js';
import type { Comparison, Options, Round } from './types.js';

/** loader rows/s ÷ LOAD DATA rows/s the loader should reach (issue 16). */
const RATIO_TARGET = 1.0;

export async function compare(options: Options, label: string, scale: Scale, withFeatures: boolean): Promise<Comparison> {
  const design = designOf(options.design);
  const tables = libraryTables('bench', options.versions);
  const rowsPerGroup = 1 + scale.members + scale.members * scale.images * (1 + (withFeatures ? options.versions.length : 0));
  log(
    `\n== ${label}: ${scale.groups} × ${scale.members} × ${scale.images}, ${design.name} design` +
      `${withFeatures ? `, features in versions ${options.versions.join(',')}` : ''}: ${(scale.groups * rowsPerGroup).toLocaleString('en')} rows`,
  );
  const features = withFeatures
    ? loadFeatureSource(
        ensureGeneratedFeatureFile(join(PROJECT_ROOT, '.innobench-cache', `features-64MiB-seed${options.seed}.bin`), undefined, options.seed),
        options.featureBytes,
      )
    : undefined;

  const dir = await mkdtemp(join(tmpdir(), 'innobench-load-data-'));
  scratch.dirs.add(dir);
  log('writing the TSV files (untimed) ...');
  const writeStarted = performance.now();
  const files = await writeFiles(dir, design, tables, scale, options.seed, features, options.chunkRows);
  const fileWriteSeconds = (performance.now() - writeStarted) / 1000;
  const fileBytes = files.reduce((sum, f) => sum + f.bytes, 0);
  const fileRows = files.reduce((sum, f) => sum + f.rows, 0);
  log(`  ${fileRows.toLocaleString('en')} rows, ${(fileBytes / 1048576).toFixed(0)} MiB in ${fileWriteSeconds.toFixed(1)}s (${Math.round(fileRows / fileWriteSeconds)} rows/s generated and written)`);

  const rounds: Round[] = [];
  let sameRows: boolean | null = null;
  let prints: Comparison['fingerprints'];
  for (let round = 0; round < options.rounds; round++) {
    // Alternate which side goes first, so that drift and leftover background work hit both alike.
    const loadDataFirst = round % 2 === 1;
    const loaderDb = scratchName(label, 'loader');
    const loadDataDb = scratchName(label, 'infile');
    const settle: Round['settle'] = [];
    if (options.rounds > 1) log(`-- round ${round + 1}/${options.rounds}${loadDataFirst ? ' (LOAD DATA first)' : ''}`);
    let loader: Round['loader'] | undefined;
    let loadData: Round['loadData'] | undefined;
    for (const side of loadDataFirst ? (['loadData', 'loader'] as const) : (['loader', 'loadData'] as const)) {
      if (side === 'loader') {
        const admin = await connectControl(options.connection, false);
        try {
          settle.push({ before: 'loader', ...(await settleServer(admin)) });
        } finally {
          await admin.end();
        }
        log(`(a) innobench loader, ${options.loadConnections} connections on ${workerDriver(options.connection).name}, into ${loaderDb} ...`);
        loader = await runLoader(options, scale, withFeatures, loaderDb, features);
        log(`  ${loader.rows.toLocaleString('en')} rows in ${loader.seconds.toFixed(2)}s: ${Math.round(loader.rowsPerSec)} rows/s`);
      } else {
        log(`(b) LOAD DATA LOCAL INFILE, into ${loadDataDb} ...`);
        loadData = await runLoadData(options, loadDataDb, design, tables, files, settle);
        for (const t of loadData.tables) log(`  ${t.table.padEnd(20)} ${String(t.rows).padStart(10)} rows in ${t.seconds.toFixed(2).padStart(7)}s: ${Math.round(t.rowsPerSec)} rows/s${t.statements > 1 ? ` (${t.statements} files)` : ''}`);
        log(`  ${loadData.rows.toLocaleString('en')} rows in ${loadData.seconds.toFixed(2)}s: ${Math.round(loadData.rowsPerSec)} rows/s`);
      }
    }
    if (round === 0 && options.verify) {
      log('comparing the two databases ...');
      const [a, b] = await Promise.all([fingerprints(options, loaderDb, design, tables, withFeatures), fingerprints(options, loadDataDb, design, tables, withFeatures)]);
      prints = [...a.keys()].map((table) => ({ table, loader: a.get(table)!, loadData: b.get(table) ?? '(missing)' }));
      sameRows = prints.every((p) => p.loader === p.loadData) && loader!.rows === loadData!.rows;
      for (const p of prints) log(`  ${p.table.padEnd(20)} loader ${p.loader} | LOAD DATA ${p.loadData}${p.loader === p.loadData ? '' : '   <-- DIFFERENT'}`);
    }
    await dropScratch(options.connection, { keepDirs: true });
    rounds.push({ loader: loader!, loadData: loadData!, ratio: loader!.rowsPerSec / loadData!.rowsPerSec, loadDataFirst, settle });
  }
  await rm(dir, { recursive: true, force: true });
  scratch.dirs.delete(dir);

  const loaderRate = median(rounds.map((r) => r.loader.rowsPerSec));
  const loadDataRate = median(rounds.map((r) => r.loadData.rowsPerSec));
  const ratio = loaderRate / loadDataRate;
  return {
    label,
    scale,
    design: design.name,
    versions: options.versions,
    withFeatures,
    rows: fileRows,
    fileWriteSeconds,
    fileBytes,
    chunkRows: options.chunkRows,
    loaderRowsPerSec: loaderRate,
    loadDataRowsPerSec: loadDataRate,
    ratio,
    ratioWithFileWriting: loaderRate / (fileRows / (fileWriteSeconds + median(rounds.map((r) => r.loadData.seconds)))),
    target: RATIO_TARGET,
    meetsTarget: ratio >= RATIO_TARGET,
    sameRows,
    ...(prints ? { fingerprints: prints } : {}),
    disturbed: rounds.some((r) => r.settle.some((x) => x.otherActiveSessions > 0 || x.loadAverage > cpus().length)),
    rounds,
  };
}

export function summary(comparisons: Comparison[]): string {
  const lines = ['', 'run                  rows     loader rows/s   LOAD DATA rows/s   loader/LOAD DATA   target        same rows'];
  for (const c of comparisons) {
    lines.push(
      `${c.label.padEnd(12)} ${String(c.rows).padStart(12)} ${String(Math.round(c.loaderRowsPerSec)).padStart(16)} ${String(Math.round(c.loadDataRowsPerSec)).padStart(18)}` +
        ` ${`${c.ratio.toFixed(2)}×`.padStart(18)} ${`≥ ${c.target}`.padStart(8)} ${(c.meetsTarget ? 'met' : 'MISSED').padEnd(7)} ${c.sameRows === null ? 'not checked' : c.sameRows ? 'yes' : 'NO'}`,
    );
    for (const [i, r] of c.rounds.entries()) {
      lines.push(
        `  round ${i + 1}${r.loadDataFirst ? ' (LOAD DATA first)' : ''}: loader ${r.loader.seconds.toFixed(1)}s = ${Math.round(r.loader.rowsPerSec)} rows/s ` +
          `(${r.loader.connections} connections on ${r.loader.driver.name} ${r.loader.driver.version}, prepare incl. CREATE TABLEs), LOAD DATA ${r.loadData.seconds.toFixed(1)}s = ${Math.round(r.loadData.rowsPerSec)} rows/s, ratio ${r.ratio.toFixed(2)}×`,
      );
    }
    lines.push(`  LOAD DATA files: ${c.chunkRows > 0 ? `~${c.chunkRows} rows each` : 'one per table'}; written untimed in ${c.fileWriteSeconds.toFixed(1)}s (${Math.round(c.rows / c.fileWriteSeconds)} rows/s generated and written, ${(c.fileBytes / 1048576).toFixed(0)} MiB)`);
    lines.push(`  counting the file writing in (generate + write + LOAD DATA, as the loader generates while it loads): loader/LOAD DATA ${c.ratioWithFileWriting.toFixed(2)}×`);
    if (c.disturbed) lines.push('  DISTURBED: other sessions were active on the server or the machine was loaded; see "settle" in the JSON');
  }
  return lines.join('\n') + '\n';
}
