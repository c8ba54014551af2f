/**
 * innobench against sysbench on the same insert workload, on the same server, with the same
 * number of connections and the same duration, runs alternating (sysbench, innobench, sysbench,
 * innobench, ...) so that the machine's drift hits both alike.
 *
 *   npm run bench:sysbench -- --workers 100 --duration 15 --pairs 2 --trx-commit 1,2
 *
 * For each value of innodb_flush_log_at_trx_commit it sets the global variable, runs the pairs,
 * and puts the original value back at the end, also after an error or SIGINT/SIGTERM. The data is
 * prepared once by innobench (1 M images with the defaults); the feature table is emptied before
 * every run. sysbench runs bench/sysbench/insert_features.lua, which inserts the same rows in the
 * same order as innobench's insert-features scenario.
 *
 * Measured per run, over the window from the first insert the server counts to the client's exit
 * (so the clients' start-up, identical per-connection queries included, is left out of both):
 * - inserts/s and p95 latency, as the client itself reports them;
 * - client CPU seconds: `/usr/bin/time` for the whole process, less what /proc showed it had used
 *   when the window opened;
 * - server CPU seconds: utime + stime of mariadbd from /proc (local server only);
 * - Com_insert, the server's own count of INSERT statements, which the CPU figures are divided by.
 * Com_insert and the server's CPU are global: another client writing at the same time inflates
 * them, and a run whose Com_insert disagrees with the client's own count is flagged. The CPU the
 * rest of the machine used in the window is reported too: on a shared machine it says how much
 * else competed for the cores.
 *
 * Prints a table and writes the same as JSON to results/bench-sysbench-<timestamp>.json. Skips
 * with a message (exit 0) when sysbench or /usr/bin/time is missing:
 * `bash scripts/setup-mariadb.sh --with-tools` installs both.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import type { RunFile } from '../src/results/types.js';
import { mean } from '../src/analysis/stats.js';
import { PROJECT_ROOT, positiveInteger } from './common.js';
import { childPidOf, machineCpuTicks } from './procCpu.js';
import { clockTicksPerSec, findServerPid, processCpuTicks } from '../src/metrics/processCpu.js';
import { COUNT_MISMATCH_TOLERANCE, formatRow, printReport, writeJson } from './sysbench/report.js';
import type { Client, ClientReport, Comparison, Options, RunLabel, RunResult, Session, Snapshot } from './sysbench/types.js';

const INNOBENCH_CLI = join(PROJECT_ROOT, 'dist/src/cli/main.js');
const SYSBENCH_SCRIPT = join(PROJECT_ROOT, 'bench/sysbench/insert_features.lua');
const GNU_TIME = '/usr/bin/time';
/** How often Com_insert is read until the first insert shows: the window opens this late at most. */
const FIRST_INSERT_POLL_MS = 20;
/** innobench / sysbench inserts/s the harness must reach, per innodb_flush_log_at_trx_commit. */
const THROUGHPUT_TARGETS: Record<string, number> = { '1': 1.0, '2': 0.9 };
/** innobench's client CPU per insert may be at most this multiple of sysbench's. */
const CLIENT_CPU_TARGET = 1.5;

// ---------------------------------------------------------------------------------------------
// Options

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      workers: { type: 'string', default: '100' },
      duration: { type: 'string', default: '15' },
      pairs: { type: 'string', default: '2' },
      'trx-commit': { type: 'string', default: '1,2' },
      flag: { type: 'string', default: 'bench' },
      host: { type: 'string', default: process.env.MYSQL_HOST ?? '127.0.0.1' },
      port: { type: 'string', default: process.env.MYSQL_TCP_PORT ?? '3306' },
      database: { type: 'string', default: 'innobench' },
      groups: { type: 'string', default: '100' },
      members: { type: 'string', default: '100' },
      images: { type: 'string', default: '100' },
    },
    strict: true,
  });
  const trxCommitValues = values['trx-commit'].split(',').map((value) => value.trim());
  for (const value of trxCommitValues) {
    if (!/^[0-3]$/.test(value)) throw new Error(`--trx-commit: ${value} is not a value of innodb_flush_log_at_trx_commit (0-3)`);
  }
  for (const [name, value] of [['flag', values.flag], ['database', values.database]] as const) {
    if (!/^\w+$/.test(value)) throw new Error(`--${name}: only letters, digits and _ (it names tables)`);
  }
  return {
    workers: positiveInteger('workers', values.workers),
    durationSec: positiveInteger('duration', values.duration.replace(/s$/, '')),
    pairs: positiveInteger('pairs', values.pairs),
    trxCommitValues,
    flag: values.flag,
    host: values.host,
    port: positiveInteger('port', values.port),
    database: values.database,
    groups: positiveInteger('groups', values.groups),
    members: positiveInteger('members', values.members),
    images: positiveInteger('images', values.images),
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
// Server side: status counters, CPU, the variable under test

async function globalStatus(control: mysql.Connection, name: string): Promise<number> {
  const [rows] = await control.query<mysql.RowDataPacket[]>('SHOW GLOBAL STATUS LIKE ?', [name]);
  return Number(rows[0]?.Value ?? NaN);
}

function serverCpuSec(session: Session): number | null {
  return session.serverPid === null ? null : processCpuTicks(session.serverPid) / session.clockTicksPerSec;
}

async function readTrxCommit(control: mysql.Connection): Promise<string> {
  const [rows] = await control.query<mysql.RowDataPacket[]>('SELECT @@GLOBAL.innodb_flush_log_at_trx_commit AS value');
  return String(rows[0]?.value);
}

async function setTrxCommit(control: mysql.Connection, value: string): Promise<void> {
  await control.query(`SET GLOBAL innodb_flush_log_at_trx_commit = ${Number(value)}`);
}

// ---------------------------------------------------------------------------------------------
// Client processes

/** The command line that runs one client for one measured run. */
function clientCommand(client: Client, options: Options, resultsDir: string): string[] {
  if (client === 'sysbench') {
    return [
      'sysbench', SYSBENCH_SCRIPT,
      `--threads=${options.workers}`, `--time=${options.durationSec}`, '--report-interval=0',
      `--mysql-host=${options.host}`, `--mysql-port=${options.port}`, '--mysql-user=root',
      `--mysql-db=${options.database}`, '--db-ps-mode=auto', '--percentile=95',
      `--flag=${options.flag}`, 'run',
    ];
  }
  return [
    process.execPath, INNOBENCH_CLI, 'run', 'insert-features', ...innobenchConnection(options),
    '--flag', options.flag, '--workers', String(options.workers), '--duration', `${options.durationSec}s`,
    '--results', resultsDir, '--json',
  ];
}

function innobenchConnection(options: Options): string[] {
  return ['--host', options.host, '--port', String(options.port), '--user', 'root', '--database', options.database];
}

/** Loads the groups, members and images once; innobench's prepare resumes or does nothing when done. */
function prepareData(options: Options): void {
  const argv = [
    INNOBENCH_CLI, 'prepare', 'insert-features', ...innobenchConnection(options), '--flag', options.flag,
    '--groups', String(options.groups), '--members', String(options.members), '--images', String(options.images),
  ];
  console.log(`preparing data: innobench ${argv.slice(1).join(' ')}`);
  const result = spawnSync(process.execPath, argv, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`innobench prepare failed (exit ${result.status ?? result.signal})`);
}

interface Exited {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

function whenExited(child: ChildProcess): Promise<Exited> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ stdout, stderr, code, signal }));
  });
}

function clientPid(timePid: number): number {
  const pid = childPidOf(timePid);
  if (pid === null) throw new Error(`${GNU_TIME} (pid ${timePid}) has no child yet`);
  return pid;
}

/**
 * Reads Com_insert until it moves past `before`, then everything else at once: that opens the
 * measured window. Null when the client exited first.
 */
async function snapshotAtFirstInsert(session: Session, child: ChildProcess, before: number): Promise<Snapshot | null> {
  while (child.exitCode === null && child.signalCode === null) {
    const comInsert = await globalStatus(session.control, 'Com_insert');
    // Another client's inserts can move Com_insert before the benchmarked client even exists.
    const pid = childPidOf(child.pid!);
    if (comInsert > before && pid !== null) {
      return {
        comInsert,
        serverCpuSec: serverCpuSec(session),
        clientCpuSec: processCpuTicks(pid) / session.clockTicksPerSec,
        machineCpuSec: machineCpuTicks() / session.clockTicksPerSec,
        atMs: performance.now(),
      };
    }
    await new Promise((resolveSleep) => setTimeout(resolveSleep, FIRST_INSERT_POLL_MS));
  }
  return null;
}

/** GNU time's `-f '%U %S'` output: user and system CPU seconds of the whole process. */
function parseTimeFile(text: string): number {
  const lines = text.trim().split('\n');
  const [user, system] = (lines[lines.length - 1] ?? '').split(' ').map(Number);
  if (user === undefined || system === undefined || Number.isNaN(user + system)) {
    throw new Error(`cannot read ${GNU_TIME}'s output: ${text}`);
  }
  return user + system;
}

function parseSysbench(stdout: string): ClientReport {
  const number = (pattern: RegExp): number => {
    const match = pattern.exec(stdout);
    if (!match?.[1]) throw new Error(`sysbench's output has no ${pattern.source}:\n${stdout}`);
    return Number(match[1]);
  };
  const inserts = number(/total number of events:\s+(\d+)/);
  const totalTimeSec = number(/total time:\s+([\d.]+)s/);
  return { inserts, insertsPerSec: inserts / totalTimeSec, p95Ms: number(/95th percentile:\s+([\d.]+)/) };
}

function parseInnobench(stdout: string): ClientReport {
  const run = JSON.parse(stdout) as RunFile;
  if (!run.summary) throw new Error(`innobench's run.json has no summary (state ${run.state})`);
  return { inserts: run.summary.ops, insertsPerSec: run.summary.opsPerSec, p95Ms: run.summary.latencyMs.p95 };
}

// ---------------------------------------------------------------------------------------------
// One run

async function emptyFeatureTable(session: Session, options: Options): Promise<void> {
  // Allowed: innobench's prepare created this table, and only features live in it.
  await session.control.query(`TRUNCATE TABLE \`${options.database}\`.\`feature_${options.flag}_1\``);
}

async function runOnce(session: Session, options: Options, label: RunLabel): Promise<RunResult> {
  const { client } = label;
  await emptyFeatureTable(session, options);
  const resultsDir = await mkdtemp(join(session.scratchDir, `${client}-`));
  const cpuFile = join(resultsDir, 'cpu.txt');
  try {
    const comInsertBefore = await globalStatus(session.control, 'Com_insert');
    const child = spawn(GNU_TIME, ['-f', '%U %S', '-o', cpuFile, ...clientCommand(client, options, resultsDir)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    session.current = child;
    const exited = whenExited(child);
    const start = await snapshotAtFirstInsert(session, child, comInsertBefore);
    const { stdout, stderr, code, signal } = await exited;
    if (session.interrupted) throw new Error('interrupted');
    if (code !== 0) throw new Error(`${client} exited with ${code ?? signal}:\n${tail(stderr || stdout)}`);
    if (!start) throw new Error(`${client} inserted nothing:\n${tail(stderr || stdout)}`);
    const end: Snapshot = {
      comInsert: await globalStatus(session.control, 'Com_insert'),
      serverCpuSec: serverCpuSec(session),
      clientCpuSec: parseTimeFile(await readFile(cpuFile, 'utf8')),
      machineCpuSec: machineCpuTicks() / session.clockTicksPerSec,
      atMs: performance.now(),
    };
    const report = client === 'sysbench' ? parseSysbench(stdout) : parseInnobench(stdout);
    return result(label, report, start, end, end.comInsert - comInsertBefore);
  } finally {
    session.current = null;
    await rm(resultsDir, { recursive: true, force: true });
  }
}

function result(label: RunLabel, report: ClientReport, start: Snapshot, end: Snapshot, comInsertWholeRun: number): RunResult {
  const comInsertInWindow = end.comInsert - start.comInsert;
  const clientCpu = end.clientCpuSec - start.clientCpuSec;
  const serverCpu = end.serverCpuSec === null || start.serverCpuSec === null ? null : end.serverCpuSec - start.serverCpuSec;
  const machineCapacitySec = ((end.atMs - start.atMs) / 1000) * availableParallelism();
  const othersCpu = serverCpu === null ? null : end.machineCpuSec - start.machineCpuSec - clientCpu - serverCpu;
  return {
    ...label,
    ...report,
    comInsertInWindow,
    clientCpuSec: clientCpu,
    serverCpuSec: serverCpu,
    clientCpuSecPer1000: (clientCpu / comInsertInWindow) * 1000,
    serverCpuSecPer1000: serverCpu === null ? null : (serverCpu / comInsertInWindow) * 1000,
    countMismatch: Math.abs(comInsertWholeRun - report.inserts) > COUNT_MISMATCH_TOLERANCE * report.inserts,
    othersCpuPercent: othersCpu === null ? null : Math.max(0, (othersCpu / machineCapacitySec) * 100),
  };
}

function tail(text: string): string {
  return text.trim().split('\n').slice(-15).join('\n');
}

// ---------------------------------------------------------------------------------------------
// The whole comparison

async function runAll(session: Session, options: Options): Promise<RunResult[]> {
  const runs: RunResult[] = [];
  const total = options.trxCommitValues.length * options.pairs * 2;
  for (const trxCommit of options.trxCommitValues) {
    await setTrxCommit(session.control, trxCommit);
    for (let pair = 1; pair <= options.pairs; pair++) {
      for (const client of ['sysbench', 'innobench'] as const) {
        if (session.interrupted) throw new Error('interrupted');
        console.log(`run ${runs.length + 1}/${total}: ${client}, trx_commit=${trxCommit}, pair ${pair}, ${options.workers} connections, ${options.durationSec} s`);
        const run = await runOnce(session, options, { client, trxCommit, pair });
        console.log(`  ${formatRow(run)}`);
        runs.push(run);
      }
    }
  }
  return runs;
}

/** innobench's mean over the pairs divided by sysbench's; null when either lacks the figure. */
function ratio(runs: RunResult[], pick: (run: RunResult) => number | null): number | null {
  const meanOf = (client: Client): number | null => {
    const values = runs.filter((run) => run.client === client).map(pick);
    return values.every((value): value is number => value !== null) ? mean(values) : null;
  };
  const innobench = meanOf('innobench');
  const sysbench = meanOf('sysbench');
  return innobench === null || sysbench === null ? null : innobench / sysbench;
}

function compare(runs: RunResult[], trxCommit: string): Comparison {
  const atSetting = runs.filter((run) => run.trxCommit === trxCommit);
  const insertsPerSecRatio = ratio(atSetting, (run) => run.insertsPerSec)!;
  const clientCpuPerInsertRatio = ratio(atSetting, (run) => run.clientCpuSecPer1000)!;
  const throughputTarget = THROUGHPUT_TARGETS[trxCommit] ?? null;
  return {
    trxCommit,
    insertsPerSecRatio,
    clientCpuPerInsertRatio,
    serverCpuPerInsertRatio: ratio(atSetting, (run) => run.serverCpuSecPer1000),
    throughputTarget,
    throughputMet: throughputTarget === null ? null : insertsPerSecRatio >= throughputTarget,
    clientCpuTarget: CLIENT_CPU_TARGET,
    clientCpuMet: clientCpuPerInsertRatio <= CLIENT_CPU_TARGET,
  };
}

// ---------------------------------------------------------------------------------------------
// Main

/** On SIGINT/SIGTERM: stop the running client; runOnce then throws and main restores the server. */
function stopOnSignals(session: Session): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    console.log(`\n${signal}: stopping the running client, then restoring innodb_flush_log_at_trx_commit`);
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
  const stopHandlingSignals = stopOnSignals(session);
  try {
    const runs = await runAll(session, options);
    const comparisons = options.trxCommitValues.map((trxCommit) => compare(runs, trxCommit));
    printReport(runs, comparisons);
    const server = { version: String(versionRows[0]?.version), localPid: session.serverPid };
    console.log(`\nwritten: ${await writeJson({ startedAt, options, server, runs, comparisons })}`);
  } finally {
    await restoreTrxCommit(session, options, originalTrxCommit);
    stopHandlingSignals();
    await control.end().catch(() => undefined);
    await rm(session.scratchDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench:sysbench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
