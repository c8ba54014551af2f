/**
 * innobench against sysbench on the same workload, on the same server, with the same number of
 * connections and the same duration, runs alternating (sysbench, innobench on each driver, …,
 * sysbench, …) so that the machine's drift hits all alike.
 *
 *   npm run bench:sysbench -- --workers 100 --duration 15 --pairs 2 --trx-commit 1,2
 *   npm run bench:sysbench -- --mode read --workers 100 --duration 15 --pairs 2 --threads 1,2
 *
 * Insert mode (the default): insert-features on each driver (--drivers) against
 * bench/sysbench/insert_features.lua, which inserts the same rows in the same order. For each value
 * of innodb_flush_log_at_trx_commit it sets the global variable, runs the pairs, and puts the
 * original value back at the end, also after an error or SIGINT/SIGTERM. The data is prepared once
 * by innobench (1 M images with the defaults); the feature table is emptied before every run.
 *
 * Read mode: read-member-features on each driver and thread count (--threads) against
 * bench/sysbench/read_member_features.lua, which runs the same prepared SELECT (one member's
 * features by its key) on innobench's own tables, and a bare Node loop of each driver
 * (bench/bareLoop.ts), the floor under the harness. The data (3 000 members with 10 features of
 * 2 000 bytes with the defaults) is prepared once, with its features, and read once before the
 * runs so that every client finds it in the buffer pool.
 *
 * Measured per run (bench/sysbench/measure.ts), over the window from the first measured statement
 * the server counts (Com_insert; Com_stmt_execute for reads) to the client's exit: operations/s and
 * p95 as the client reports them; client CPU per 1 000 statements; the server's CPU (local server
 * only); the CPU the rest of the machine used, which on a shared machine says how much else
 * competed for the cores. Prints a table and the ratios against each target, and writes the same
 * as JSON to results/bench-sysbench-<mode>-<timestamp>.json. Skips with a message (exit 0) when
 * sysbench or /usr/bin/time is missing: `bash scripts/setup-mariadb.sh --with-tools` installs both.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import { DRIVERS, type DriverName } from '../src/config/connection.js';
import { driverVersion } from '../src/db/drivers/index.js';
import { positiveInteger } from './common.js';
import { clockTicksPerSec, findServerPid } from '../src/metrics/processCpu.js';
import { clientName, clientsOf, INNOBENCH_CLI, prepareCommand } from './sysbench/clients.js';
import { clientPid, GNU_TIME, runOnce } from './sysbench/measure.js';
import { compare, formatRow, printReport, writeJson } from './sysbench/report.js';
import type { Mode, Options, RunResult, Session } from './sysbench/types.js';

// ---------------------------------------------------------------------------------------------
// Options

/** Data per mode: the insert runs use up images; a read run needs its data in the buffer pool. */
const DATA_DEFAULTS: Record<Mode, { flag: string; groups: string; members: string; images: string }> = {
  insert: { flag: 'bench', groups: '100', members: '100', images: '100' },
  // 30 000 features of 2 000 bytes, about 70 MiB: they fit a 128 MiB buffer pool, so reads stay warm.
  read: { flag: 'benchr', groups: '3', members: '1000', images: '10' },
};

function list<T extends string>(name: string, text: string, allowed?: readonly T[]): T[] {
  const values = text.split(',').map((value) => value.trim()).filter((value) => value !== '');
  for (const value of values) if (allowed && !allowed.includes(value as T)) throw new Error(`--${name}: ${value} is not one of ${allowed.join(', ')}`);
  if (values.length === 0) throw new Error(`--${name}: give at least one value`);
  return values as T[];
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      mode: { type: 'string', default: 'insert' },
      workers: { type: 'string', default: '100' },
      duration: { type: 'string', default: '15' },
      pairs: { type: 'string', default: '2' },
      'trx-commit': { type: 'string', default: '1,2' },
      drivers: { type: 'string', default: DRIVERS.join(',') },
      threads: { type: 'string', default: '1,2' },
      flag: { type: 'string' },
      host: { type: 'string', default: process.env.MYSQL_HOST ?? '127.0.0.1' },
      port: { type: 'string', default: process.env.MYSQL_TCP_PORT ?? '3306' },
      database: { type: 'string', default: 'innobench' },
      groups: { type: 'string' },
      members: { type: 'string' },
      images: { type: 'string' },
    },
    strict: true,
  });
  const mode = list<Mode>('mode', values.mode, ['insert', 'read'])[0]!;
  const data = DATA_DEFAULTS[mode];
  const trxCommitValues = list('trx-commit', values['trx-commit']);
  for (const value of trxCommitValues) {
    if (!/^[0-3]$/.test(value)) throw new Error(`--trx-commit: ${value} is not a value of innodb_flush_log_at_trx_commit (0-3)`);
  }
  const flag = values.flag ?? data.flag;
  for (const [name, value] of [['flag', flag], ['database', values.database]] as const) {
    if (!/^\w+$/.test(value)) throw new Error(`--${name}: only letters, digits and _ (it names tables)`);
  }
  return {
    mode,
    workers: positiveInteger('workers', values.workers),
    durationSec: positiveInteger('duration', values.duration.replace(/s$/, '')),
    pairs: positiveInteger('pairs', values.pairs),
    trxCommitValues,
    drivers: list<DriverName>('drivers', values.drivers, DRIVERS),
    threads: list('threads', values.threads).map((text) => positiveInteger('threads', text)),
    flag,
    host: values.host,
    port: positiveInteger('port', values.port),
    database: values.database,
    groups: positiveInteger('groups', values.groups ?? data.groups),
    members: positiveInteger('members', values.members ?? data.members),
    images: positiveInteger('images', values.images ?? data.images),
  };
}

/** Why the comparison cannot run here, or null when it can. */
function missingTool(): string | null {
  if (spawnSync('sysbench', ['--version']).status !== 0) return 'sysbench is not installed';
  if (!existsSync(GNU_TIME)) return `${GNU_TIME} (Debian's package "time") is not installed`;
  if (!existsSync(INNOBENCH_CLI)) return `${INNOBENCH_CLI} is missing: run npm run build`;
  return null;
}

// ---------------------------------------------------------------------------------------------
// The variable under test (insert mode)

async function readTrxCommit(control: mysql.Connection): Promise<string> {
  const [rows] = await control.query<mysql.RowDataPacket[]>('SELECT @@GLOBAL.innodb_flush_log_at_trx_commit AS value');
  return String(rows[0]?.value);
}

async function setTrxCommit(control: mysql.Connection, value: string): Promise<void> {
  await control.query(`SET GLOBAL innodb_flush_log_at_trx_commit = ${Number(value)}`);
}

/** Reads every feature and image row once, so that the first client measured does not pay for the disk reads. */
async function warmBufferPool(control: mysql.Connection, options: Options): Promise<void> {
  const started = performance.now();
  // The read goes through image's (member_id, file_id) index to the feature table's primary key.
  await control.query(`SELECT COUNT(*) FROM \`${options.database}\`.\`image_${options.flag}\` FORCE INDEX (member_file)`);
  await control.query(`SELECT SUM(LENGTH(feature)) FROM \`${options.database}\`.\`feature_${options.flag}_1\``);
  console.log(`buffer pool warmed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

function prepareData(options: Options): void {
  const argv = prepareCommand(options);
  console.log(`preparing data: innobench ${argv.slice(1).join(' ')}`);
  const result = spawnSync(process.execPath, argv, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`innobench prepare failed (exit ${result.status ?? result.signal})`);
}

// ---------------------------------------------------------------------------------------------
// The whole comparison

async function runAll(session: Session, options: Options): Promise<RunResult[]> {
  const runs: RunResult[] = [];
  const clients = clientsOf(options);
  // Reads do not depend on innodb_flush_log_at_trx_commit: one setting, left as it is.
  const settings = options.mode === 'insert' ? options.trxCommitValues : ['-'];
  const total = settings.length * options.pairs * clients.length;
  for (const setting of settings) {
    if (options.mode === 'insert') await setTrxCommit(session.control, setting);
    for (let pair = 1; pair <= options.pairs; pair++) {
      for (const client of clients) {
        if (session.interrupted) throw new Error('interrupted');
        // Allowed: innobench's prepare created this table, and only features live in it.
        if (options.mode === 'insert') await session.control.query(`TRUNCATE TABLE \`${options.database}\`.\`feature_${options.flag}_1\``);
        const where = options.mode === 'insert' ? `trx_commit=${setting}, ` : '';
        console.log(`run ${runs.length + 1}/${total}: ${clientName(client)}, ${where}pair ${pair}, ${options.workers} connections, ${options.durationSec} s`);
        const run = await runOnce(session, options, { client, setting, pair });
        console.log(`  ${formatRow(run)}`);
        runs.push(run);
      }
    }
  }
  return runs;
}

// ---------------------------------------------------------------------------------------------
// Main

/** On SIGINT/SIGTERM: stop the running client; runOnce then throws and main restores the server. */
function stopOnSignals(session: Session, options: Options): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    console.log(`\n${signal}: stopping the running client${options.mode === 'insert' ? ', then restoring innodb_flush_log_at_trx_commit' : ''}`);
    session.interrupted = true;
    const child = session.current;
    // GNU time ignores SIGINT while it waits, so the signal goes to the client itself.
    if (child?.pid) {
      try {
        process.kill(clientPid(child.pid), 'SIGINT');
      } catch {
        child.kill('SIGTERM');
      }
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

/** Puts the variable back, through a new connection if the control connection was lost. */
async function restoreTrxCommit(session: Session, options: Options, value: string): Promise<void> {
  try {
    await setTrxCommit(session.control, value);
  } catch {
    const connection = await mysql.createConnection({ host: options.host, port: options.port, user: 'root' });
    await setTrxCommit(connection, value).finally(() => connection.end());
  }
  console.log(`innodb_flush_log_at_trx_commit restored to ${value}`);
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const options = parseOptions(process.argv.slice(2));
  const missing = missingTool();
  if (missing) {
    console.log(`bench:sysbench skipped: ${missing} (bash scripts/setup-mariadb.sh --with-tools installs the tools)`);
    return;
  }
  prepareData(options);
  const control = await mysql.createConnection({ host: options.host, port: options.port, user: 'root' });
  const session: Session = {
    control,
    serverPid: await findServerPid(control),
    clockTicksPerSec: clockTicksPerSec(),
    scratchDir: await mkdtemp(join(tmpdir(), 'innobench-vs-sysbench-')),
    current: null,
    interrupted: false,
  };
  if (session.serverPid === null) console.log('the server is not a local mariadbd/mysqld: server CPU is not measured');
  const [versionRows] = await control.query<mysql.RowDataPacket[]>('SELECT VERSION() AS version');
  const originalTrxCommit = await readTrxCommit(control);
  if (options.mode === 'read') await warmBufferPool(control, options);
  const stopHandlingSignals = stopOnSignals(session, options);
  const drivers = Object.fromEntries(options.drivers.map((name) => [name, driverVersion(name)]));
  console.log(`drivers: ${Object.entries(drivers).map(([name, version]) => `${name} ${version}`).join(', ')}`);
  try {
    const runs = await runAll(session, options);
    const comparisons = compare(options.mode, runs);
    printReport(runs, comparisons);
    const server = { version: String(versionRows[0]?.version), localPid: session.serverPid };
    console.log(`\nwritten: ${await writeJson({ startedAt, options, server, drivers, runs, comparisons })}`);
  } finally {
    if (options.mode === 'insert') await restoreTrxCommit(session, options, originalTrxCommit);
    stopHandlingSignals();
    await control.end().catch(() => undefined);
    await rm(session.scratchDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench:sysbench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
