/**
 * Shared helpers of the integration tests: a uniquely named database per test (dropped after),
 * the CLI run as a child process, and the run folder it leaves read back.
 *
 * The server is the one the harness targets in CI: 127.0.0.1:3306, root, empty password
 * (override with IB_TEST_HOST / IB_TEST_PORT / IB_TEST_USER / IB_TEST_PASSWORD).
 * Other people use the same server: tests only ever create, use and drop databases named
 * `ib_test_<random>` and users named `ib_user_<random>`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mysqlPromise, { type Connection } from 'mysql2/promise';
import type { RunFile } from '../src/results/types.js';
import { ensureGeneratedFeatureFile } from '../src/data/featureSource.js';

/** The repository root (this file runs as dist/test/helpers.js). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

export const SERVER = {
  host: process.env.IB_TEST_HOST ?? '127.0.0.1',
  port: Number(process.env.IB_TEST_PORT ?? 3306),
  user: process.env.IB_TEST_USER ?? 'root',
  password: process.env.IB_TEST_PASSWORD ?? '',
};

export function randomSuffix(bytes = 5): string {
  return randomBytes(bytes).toString('hex');
}

/** An administrative connection (no default database). */
export async function adminConnection(database?: string): Promise<Connection> {
  return mysqlPromise.createConnection({ ...SERVER, ...(database ? { database } : {}), multipleStatements: false });
}

/** Runs one statement on a short-lived admin connection. */
export async function adminQuery<T = unknown>(sql: string, params: unknown[] = [], database?: string): Promise<T> {
  const connection = await adminConnection(database);
  try {
    const [rows] = await connection.query(sql, params);
    return rows as T;
  } finally {
    await connection.end();
  }
}

const TEST_DATABASE = /^ib_test_[0-9a-f]+$/;
const TEST_USER = /^ib_user_[0-9a-f]+$/;

export interface TestDatabase {
  name: string;
  drop(): Promise<void>;
}

/** Creates `ib_test_<random>`; `drop()` removes it (and only a database of that shape). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `ib_test_${randomSuffix()}`;
  await adminQuery(`CREATE DATABASE \`${name}\``);
  return { name, drop: () => dropTestDatabase(name) };
}

/** Drops a test database if it exists; refuses any name that is not a test database's. */
export async function dropTestDatabase(name: string): Promise<void> {
  if (!TEST_DATABASE.test(name)) throw new Error(`refusing to drop ${name}: not a test database`);
  await adminQuery(`DROP DATABASE IF EXISTS \`${name}\``);
}

/** A fresh name for a database that the test does not create itself (the CLI may). */
export function testDatabaseName(): string {
  return `ib_test_${randomSuffix()}`;
}

export interface TestUser {
  user: string;
  password: string;
  drop(): Promise<void>;
}

/**
 * A user with a distinctive password and ALL on one test database, for every host a local client
 * may appear from. `drop()` removes them all.
 */
export async function createTestUser(database: string, limits: { maxUserConnections?: number } = {}): Promise<TestUser> {
  if (!TEST_DATABASE.test(database)) throw new Error(`refusing to grant on ${database}`);
  const user = `ib_user_${randomSuffix()}`;
  const password = `S3cret-${randomSuffix(8)}`;
  const hosts = ['%', 'localhost', '127.0.0.1'];
  const drop = async (): Promise<void> => {
    if (!TEST_USER.test(user)) throw new Error(`refusing to drop user ${user}`);
    for (const host of hosts) await adminQuery('DROP USER IF EXISTS ?@?', [user, host]);
  };
  try {
    for (const host of hosts) {
      const limit = limits.maxUserConnections === undefined ? '' : ` WITH MAX_USER_CONNECTIONS ${Math.floor(limits.maxUserConnections)}`;
      await adminQuery(`CREATE USER ?@? IDENTIFIED BY ?${limit}`, [user, host, password]);
      await adminQuery(`GRANT ALL PRIVILEGES ON \`${database}\`.* TO ?@?`, [user, host]);
    }
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  }
  return { user, password, drop };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time of the child, in ms. */
  ms: number;
}

export interface CliOptions {
  /** Extra environment variables (MYSQL_PWD, ...), on top of a clean environment. */
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
  /** Called with the child as soon as it is spawned (to watch its output or /proc entry). */
  watch?: (child: ChildProcess) => void;
}

/** Temporary folders shared by the tests of one process, removed when it exits. */
const processTemp: string[] = [];
process.once('exit', () => {
  for (const path of processTemp) rmSync(path, { recursive: true, force: true });
});
function processTempDir(prefix: string): string {
  const path = mkdtempSync(join(tmpdir(), prefix));
  processTemp.push(path);
  return path;
}

/**
 * The environment the CLI runs in: the parent's, without any MYSQL_* variable, and with HOME set to
 * an empty folder so that a developer's ~/.my.cnf never changes what a test connects with.
 */
let emptyHome: string | undefined;
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  emptyHome ??= processTempDir('ib-test-home-');
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('MYSQL_') && !key.startsWith('NODE_TEST')) env[key] = value;
  return { ...env, HOME: emptyHome, ...extra };
}

/**
 * The CLI's working directory: an empty temporary folder, so that nothing a test runs writes into
 * the repository (a default `results/`, a generated `.innobench-cache/`).
 */
let workDir: string | undefined;
function defaultCwd(): string {
  workDir ??= processTempDir('ib-test-cwd-');
  return workDir;
}

/** `--feature-file <small file>`: runs then neither read nor generate the default 64 MiB file. */
export function featureFileArgs(): string[] {
  return ['--feature-file', smallFeatureFile()];
}

/** Runs `node dist/src/cli/main.js ...args` and resolves with its exit and output (never rejects on a non-zero exit). */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? defaultCwd(), env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    options.watch?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      const shown = args.map((arg) => (arg.startsWith('--password=') ? '--password=***' : arg)).join(' ');
      reject(new Error(`innobench ${shown} did not finish within ${options.timeoutMs ?? 60_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** A message for assertion failures: the command's output. */
export function describeResult(result: CliResult): string {
  return `exit ${result.code}${result.signal ? ` (${result.signal})` : ''}\n--- stdout\n${result.stdout.slice(-4000)}\n--- stderr\n${result.stderr.slice(-4000)}`;
}

/** A temporary folder, removed by the returned function. */
export function tempDir(prefix = 'ib-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * A small feature file (1 MiB of seeded bytes), shared by the tests of one process, so runs
 * neither generate nor need the default 64 MiB cache file in the working directory.
 */
let featureFile: string | undefined;
export function smallFeatureFile(): string {
  featureFile ??= ensureGeneratedFeatureFile(join(processTempDir('ib-test-features-'), 'features-1MiB.bin'), 1024 * 1024, 1);
  return featureFile;
}

/** Connection flags for the CLI, pointing at the test server and one database. */
export function connectionArgs(database: string, user = SERVER.user, password: string | undefined = SERVER.password): string[] {
  const args = ['--host', SERVER.host, '--port', String(SERVER.port), '--user', user, '--database', database];
  // An empty --password is still passed, so nothing from the environment or a file is used instead.
  if (password !== undefined) args.push(`--password=${password}`);
  return args;
}

export interface RunFolderContents {
  dir: string;
  run: RunFile;
  files: string[];
  read(name: string): string;
}

/** The one run folder under `resultsRoot` (fails when there is not exactly one). */
export function readOnlyRunFolder(resultsRoot: string): RunFolderContents {
  const dirs = readdirSync(resultsRoot).filter((name) => statSync(join(resultsRoot, name)).isDirectory());
  if (dirs.length !== 1) throw new Error(`expected one run folder in ${resultsRoot}, found ${dirs.length}: ${dirs.join(', ')}`);
  return readRunFolder(join(resultsRoot, dirs[0]!));
}

export function readRunFolder(dir: string): RunFolderContents {
  const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
  return { dir, run: JSON.parse(read('run.json')) as RunFile, files: readdirSync(dir).sort(), read };
}

/** Every file under `dir`, recursively (paths relative to `dir`). */
export function listFilesRecursive(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const relative = prefix ? join(prefix, entry.name) : entry.name;
    if (entry.isDirectory()) out.push(...listFilesRecursive(dir, relative));
    else out.push(relative);
  }
  return out;
}

/**
 * A minimal CSV reader for the harness's own files: a header line, then rows of simple values
 * (numbers, names, empty), no quoting needed. Fails on a row whose width differs from the header's.
 */
export function parseSimpleCsv(text: string): { header: string[]; rows: Array<Record<string, string>> } {
  const lines = text.split('\n').filter((line) => line.length > 0);
  if (lines.length === 0) throw new Error('empty CSV');
  const header = lines[0]!.split(',');
  const rows = lines.slice(1).map((line, index) => {
    if (line.includes('"')) throw new Error(`CSV line ${index + 2} is quoted: ${line}`);
    const cells = line.split(',');
    if (cells.length !== header.length) throw new Error(`CSV line ${index + 2} has ${cells.length} cells, the header ${header.length}`);
    return Object.fromEntries(header.map((name, i) => [name, cells[i]!]));
  });
  return { header, rows };
}

/** Lines of a stack trace (`    at fn (file:line)`). */
export function stackTraceLines(text: string): string[] {
  return text.split('\n').filter((line) => /^\s+at\s/.test(line));
}

/** The one matrix folder a test's results root holds. */
export function onlyMatrixFolder(results: string): string {
  const folders = readdirSync(results).filter((name) => name.startsWith('matrix-'));
  if (folders.length !== 1) throw new Error(`expected one matrix folder, found: ${folders.join(', ') || 'none'}`);
  return join(results, folders[0]!);
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
