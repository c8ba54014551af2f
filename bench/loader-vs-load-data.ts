/**
 * innobench's loader against the server's own bulk path, LOAD DATA LOCAL INFILE, on the same rows.
 *
 *   npm run bench:loader -- [--groups 50 --members 1000 --images 10] [--design surrogate]
 *                           [--versions 1] [--with-features] [--load-connections 4]
 *                           [--rounds 1] [--chunk-rows 0] [--seed-scale] [--no-verify] [--driver mariadb]
 *
 * One run, two fresh scratch databases:
 * (a) innobench's loader, through prepareLibrary (what `innobench prepare` runs): generated rows,
 *     one transaction per group, --load-connections connections on --driver (multi-row INSERTs
 *     with mysql2, bulk executes with the mariadb connector);
 * (b) LOAD DATA LOCAL INFILE of TSV files holding exactly the rows the loader generates (the same
 *     generateGroup, the same seed; for --with-features the same feature slices in the same
 *     places), with explicit ids so the foreign keys line up, into tables created by the same DDL.
 *     The files are written first, untimed; only the LOAD DATA statements are timed.
 * Both sides keep the design's keys, foreign keys and unique checks: nothing is switched off.
 * Afterwards both databases are fingerprinted (count and CRC32 sum of every table's contents,
 * joined to the parents' names so ids do not matter) to show they hold the same rows.
 *
 * --rounds N loads each side N times, alternating which goes first, and compares the medians.
 * Before each timed phase the bench waits (up to 60 s) for the buffer pool's dirty pages to be
 * flushed, and notes other busy sessions and this machine's load average: a shared server makes
 * the figures noisy, and the summary says so (DISTURBED). --chunk-rows N splits every table's file
 * into files of about N rows, one LOAD DATA (one transaction) each: with a small buffer pool one
 * 10 M-row LOAD DATA is much slower than the same rows in 100 000-row pieces.
 *
 * Prints rows/s of each and the ratio loader / LOAD DATA (target ≥ 1.0). With --seed-scale it also
 * compares the two on the seed's hierarchy, 1000 × 1000 × 10 (11 M rows, no features): minutes,
 * and a few GB of disk. Writes everything as JSON to results/bench-loader-<timestamp>.json. The
 * scratch databases and files are removed at the end, also after an error or SIGINT/SIGTERM.
 */
import { cpus } from 'node:os';
import { SCALES } from '../src/data/hierarchy.js';
import { connectControl } from '../src/db/connect.js';
import { writeResultsJson } from './common.js';
import { parseOptions } from './loader/options.js';
import { dropScratch } from './loader/scratch.js';
import { compare, summary } from './loader/comparison.js';
import { log } from './loader/log.js';
import type { Comparison } from './loader/types.js';

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = new Date().toISOString();
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`\n${signal}: removing the scratch databases and files`);
    stopping = dropScratch(options.connection).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const admin = await connectControl(options.connection, false);
  const [serverRows] = await admin.query(
    'SELECT VERSION() AS version, @@innodb_buffer_pool_size AS bufferPool, @@innodb_flush_log_at_trx_commit AS trxCommit, @@innodb_autoinc_lock_mode AS autoincLockMode, @@local_infile AS localInfile',
  );
  await admin.end();
  const server = (serverRows as Array<Record<string, unknown>>)[0] ?? {};
  if (Number(server.localInfile) !== 1) throw new Error('the server has local_infile OFF: LOAD DATA LOCAL INFILE is refused (SET GLOBAL local_infile = ON)');
  log(`server ${String(server.version)}, buffer pool ${Number(server.bufferPool) / 1048576} MiB, innodb_flush_log_at_trx_commit=${String(server.trxCommit)}, ${cpus().length} CPUs`);

  const comparisons: Comparison[] = [];
  try {
    comparisons.push(await compare(options, 'default', options.scale, options.withFeatures));
    if (options.seedScale) comparisons.push(await compare(options, 'seed-scale', SCALES.seed, false));
  } finally {
    await dropScratch(options.connection);
  }

  process.stdout.write(summary(comparisons));
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const body = {
    bench: 'loader-vs-load-data',
    startedAt,
    server: { ...server, cpus: cpus().length },
    options: { ...options, connection: { host: options.connection.host, port: options.connection.port, user: options.connection.user } },
    comparisons,
  };
  const file = await writeResultsJson(`bench-loader-${stamp}.json`, body);
  process.stdout.write(`written ${file}\n`);
}

/** Set by SIGINT/SIGTERM: the cleanup that ends the process (the work it interrupts fails meanwhile). */
let stopping: Promise<void> | null = null;

main().then(
  () => process.exit(0),
  (error: unknown) => {
    if (stopping) return;
    log(`bench:loader: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
