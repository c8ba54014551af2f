/**
 * innobench's loader against the server's own bulk path, LOAD DATA LOCAL INFILE, on the same rows.
 *
 *   npm run bench:loader -- [--groups 50 --members 1000 --images 10] [--design surrogate]
 *                           [--versions 1] [--with-features] [--load-connections 4]
 *                           [--rounds 1] [--chunk-rows 0] [--seed-scale] [--no-verify]
 *
 * One run, two fresh scratch databases:
 * (a) innobench's loader, through prepareLibrary (what `innobench prepare` runs): generated rows,
 *     multi-row INSERTs, one transaction per group, --load-connections connections;
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
 * Prints rows/s of each and the ratio loader / LOAD DATA (target ≥ 0.8). With --seed-scale it also
 * compares the two on the seed's hierarchy, 1000 × 1000 × 10 (11 M rows, no features): minutes,
 * and a few GB of disk. Writes everything as JSON to results/bench-loader-<timestamp>.json. The
 * scratch databases and files are removed at the end, also after an error or SIGINT/SIGTERM.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { resolveConnection, type ConnectionOptions } from '../src/config/connection.js';
import { connectControl, ensureDatabase } from '../src/db/connect.js';
import { prepareLibrary, type LibrarySpec } from '../src/schema/library.js';
import { designOf } from '../src/schema/designs/index.js';
import type { Design, DesignName } from '../src/schema/designs/design.js';
import { libraryTables, q, type LibraryTables } from '../src/schema/tables.js';
import { generateGroup, SCALES, type GroupRows, type Scale } from '../src/data/hierarchy.js';
import { ensureGeneratedFeatureFile, featureSlice, loadFeatureSource, type FeatureSource } from '../src/data/featureSource.js';
import { firstFeatureSlice } from '../src/schema/loader.js';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** loader rows/s ÷ LOAD DATA rows/s the loader should reach. */
const RATIO_TARGET = 0.8;
/** Before a timed phase, wait (at most this long) for the previous phase's dirty pages to be flushed. */
const SETTLE_MAX_MS = 60_000;
const SETTLE_DIRTY_PAGES = 500;

interface Options {
  scale: Scale;
  design: DesignName;
  versions: number[];
  withFeatures: boolean;
  featureBytes: number;
  seed: number;
  loadConnections: number;
  seedScale: boolean;
  /** Split each table's file into files of about this many rows (one LOAD DATA each); 0: one file per table. */
  chunkRows: number;
  /** Each side loads this many times (alternating which goes first); the medians are compared. */
  rounds: number;
  verify: boolean;
  connection: ConnectionOptions;
}

interface TableLoad {
  table: string;
  rows: number;
  seconds: number;
  rowsPerSec: number;
  fileBytes: number;
  /** LOAD DATA statements (files) it took. */
  statements: number;
}

interface Comparison {
  label: string;
  scale: Scale;
  design: DesignName;
  versions: number[];
  withFeatures: boolean;
  rows: number;
  /** Generating and writing the LOAD DATA files (untimed for the comparison). */
  fileWriteSeconds: number;
  fileBytes: number;
  /** Rows per LOAD DATA file (0: one file per table). */
  chunkRows: number;
  /** Medians over the rounds. */
  loaderRowsPerSec: number;
  loadDataRowsPerSec: number;
  /** loader rows/s ÷ LOAD DATA rows/s (medians). */
  ratio: number;
  /**
   * The loader generates its rows while it loads; LOAD DATA's were generated beforehand. Counting
   * the file writing in (generate + write + LOAD DATA), loader rows/s ÷ those rows/s (medians).
   */
  ratioWithFileWriting: number;
  target: number;
  meetsTarget: boolean;
  /** Same count and content fingerprint in every table of both databases, first round (null: --no-verify). */
  sameRows: boolean | null;
  fingerprints?: Array<{ table: string; loader: string; loadData: string }>;
  /** Another client was busy on the server, or this machine was loaded, when a timed phase started. */
  disturbed: boolean;
  rounds: Round[];
}

interface Round {
  loader: { seconds: number; rows: number; rowsPerSec: number; connections: number };
  loadData: { seconds: number; rows: number; rowsPerSec: number; tables: TableLoad[] };
  ratio: number;
  loadDataFirst: boolean;
  settle: Array<{ before: string } & Settle>;
}

/** The server's state when a timed phase starts. */
interface Settle {
  waitedMs: number;
  dirtyPages: number;
  otherActiveSessions: number;
  /** 1-minute load average of this machine. */
  loadAverage: number;
}

// ---------------------------------------------------------------------------------------------
// Options

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      groups: { type: 'string', default: '50' },
      members: { type: 'string', default: '1000' },
      images: { type: 'string', default: '10' },
      design: { type: 'string', default: 'surrogate' },
      versions: { type: 'string', default: '1' },
      'with-features': { type: 'boolean', default: false },
      'feature-bytes': { type: 'string', default: '2000' },
      seed: { type: 'string', default: '1' },
      'load-connections': { type: 'string', default: '4' },
      'seed-scale': { type: 'boolean', default: false },
      rounds: { type: 'string', default: '1' },
      'chunk-rows': { type: 'string', default: '0' },
      'no-verify': { type: 'boolean', default: false },
      host: { type: 'string' },
      port: { type: 'string' },
      user: { type: 'string' },
      socket: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'usage: node dist/bench/loader-vs-load-data.js [--groups 50] [--members 1000] [--images 10] [--design surrogate|natural|clustered]\n' +
        '         [--versions 1[,2...]] [--with-features] [--feature-bytes 2000] [--seed 1] [--load-connections 4] [--rounds 1] [--chunk-rows 0] [--seed-scale] [--no-verify]\n' +
        '         [--host H] [--port P] [--user U] [--socket S]   (password: MYSQL_PWD or ~/.my.cnf)\n',
    );
    process.exit(0);
  }
  const design = designOf(values.design).name;
  const versions = values.versions.split(',').map((v) => positiveInteger('versions', v.trim()));
  if (new Set(versions).size !== versions.length) throw new Error(`--versions ${values.versions}: a version is listed twice`);
  const flags: Parameters<typeof resolveConnection>[0] = { database: 'unused' };
  if (values.host) flags.host = values.host;
  if (values.port) flags.port = positiveInteger('port', values.port);
  if (values.user) flags.user = values.user;
  if (values.socket) flags.socket = values.socket;
  return {
    scale: {
      groups: positiveInteger('groups', values.groups),
      members: positiveInteger('members', values.members),
      images: positiveInteger('images', values.images),
    },
    design,
    versions,
    withFeatures: values['with-features'],
    featureBytes: positiveInteger('feature-bytes', values['feature-bytes']),
    seed: positiveInteger('seed', values.seed),
    loadConnections: positiveInteger('load-connections', values['load-connections']),
    seedScale: values['seed-scale'],
    rounds: positiveInteger('rounds', values.rounds),
    chunkRows: values['chunk-rows'] === '0' ? 0 : positiveInteger('chunk-rows', values['chunk-rows']),
    verify: !values['no-verify'],
    connection: resolveConnection(flags),
  };
}

function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name}: ${text} is not a positive whole number`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Scratch databases, removed at the end whatever happens

const scratch = { databases: new Set<string>(), dirs: new Set<string>() };

function scratchName(label: string, side: string): string {
  return `ib_bench_loader_${randomBytes(3).toString('hex')}_${label}_${side}`.slice(0, 64);
}

async function dropScratch(connection: ConnectionOptions, { keepDirs = false } = {}): Promise<void> {
  if (scratch.databases.size > 0) {
    const admin = await connectControl(connection, false).catch(() => null);
    if (admin) {
      // After a signal the loader's own connections may still hold locks DROP DATABASE would wait on.
      const [sessions] = await admin
        .query('SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB IN (?) AND ID <> CONNECTION_ID()', [[...scratch.databases]])
        .catch(() => [[]]);
      for (const { id } of sessions as Array<{ id: number }>) await admin.query(`KILL ${Number(id)}`).catch(() => undefined);
      for (const database of scratch.databases) {
        await admin.query(`DROP DATABASE IF EXISTS ${q(database)}`).catch((error: unknown) => log(`could not drop ${database}: ${String(error)}`));
      }
      await admin.end().catch(() => undefined);
    }
    scratch.databases.clear();
  }
  if (keepDirs) return;
  for (const dir of scratch.dirs) await rm(dir, { recursive: true, force: true });
  scratch.dirs.clear();
}

// ---------------------------------------------------------------------------------------------
// (a) innobench's loader

async function runLoader(options: Options, scale: Scale, withFeatures: boolean, database: string, features: FeatureSource | undefined): Promise<Round['loader']> {
  const connection = { ...options.connection, database };
  scratch.databases.add(database);
  await ensureDatabase(connection);
  const control = await connectControl(connection);
  try {
    const spec: LibrarySpec = { flag: 'bench', design: options.design, scale, versions: options.versions, seed: options.seed };
    if (withFeatures) spec.withFeatures = options.featureBytes;
    const started = performance.now();
    const outcome = await prepareLibrary(control, {
      connection,
      spec,
      concurrency: options.loadConnections,
      log,
      ...(withFeatures && features ? { features } : {}),
    });
    const seconds = (performance.now() - started) / 1000;
    if (outcome.state !== 'loaded') throw new Error('the loader found its library already complete in a fresh database');
    return { seconds, rows: outcome.load.rows, rowsPerSec: outcome.load.rows / seconds, connections: options.loadConnections };
  } finally {
    await control.end();
  }
}

// ---------------------------------------------------------------------------------------------
// (b) LOAD DATA LOCAL INFILE of pre-written files

interface DataFile {
  table: string;
  path: string;
  columns: string[];
  rows: number;
  bytes: number;
}

/**
 * A table's TSV file, or with `chunkRows` a series of files of about that many rows each (one
 * LOAD DATA, hence one transaction, per file). Respects the streams' back-pressure.
 */
class TsvFile {
  private stream: WriteStream;
  private path: string;
  private rows = 0;
  private readonly done: DataFile[] = [];
  private pending: Array<string | Buffer> = [];
  private pendingBytes = 0;

  constructor(
    readonly table: string,
    private readonly base: string,
    readonly columns: string[],
    private readonly chunkRows: number,
  ) {
    this.path = this.nextPath();
    this.stream = createWriteStream(this.path);
  }

  private nextPath(): string {
    return this.chunkRows > 0 ? `${this.base}.${String(this.done.length).padStart(5, '0')}.tsv` : `${this.base}.tsv`;
  }

  /** `text` holds `rows` complete lines. */
  async add(text: string | Buffer, rows = 1): Promise<void> {
    if (this.chunkRows > 0 && this.rows >= this.chunkRows) {
      await this.finishFile();
      this.path = this.nextPath();
      this.stream = createWriteStream(this.path);
    }
    this.pending.push(text);
    this.pendingBytes += text.length;
    this.rows += rows;
    if (this.pendingBytes >= 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = Buffer.concat(this.pending.map((part) => (typeof part === 'string' ? Buffer.from(part) : part)));
    this.pending = [];
    this.pendingBytes = 0;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  private async finishFile(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
    this.done.push({ table: this.table, path: this.path, columns: this.columns, rows: this.rows, bytes: (await stat(this.path)).size });
    this.rows = 0;
  }

  async close(): Promise<DataFile[]> {
    await this.finishFile();
    return this.done;
  }
}

/** Bytes as LOAD DATA reads them with ESCAPED BY '\\': tab, newline, NUL and backslash escaped. */
function escapeBinary(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(bytes.length * 2);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x5c || b === 0x09 || b === 0x0a || b === 0x00) {
      out[n++] = 0x5c;
      out[n++] = b === 0x09 ? 0x74 : b === 0x0a ? 0x6e : b === 0x00 ? 0x30 : 0x5c;
    } else out[n++] = b;
  }
  return out.subarray(0, n);
}

/**
 * The loader's rows, as files. Ids are what a lone loader would get: groups, members and images
 * numbered 1, 2, ... in generation order. Features: the loader starts group g at slice
 * g × members × images, gives image p of the group (in the order its pending-keys query returns
 * them) the next slices, then continues the numbering in the next version's table; the natural
 * design's query orders a group's images by (member name, file id).
 */
async function writeFiles(
  dir: string,
  design: Design,
  tables: LibraryTables,
  scale: Scale,
  seed: number,
  features: FeatureSource | undefined,
  chunkRows: number,
): Promise<DataFile[]> {
  const natural = design.name === 'natural';
  const groupFile = new TsvFile(tables.group, join(dir, 'group'), natural ? ['name', 'description'] : ['id', 'name', 'description'], chunkRows);
  const memberFile = new TsvFile(tables.member, join(dir, 'member'), natural ? ['group_name', 'name', 'description'] : ['id', 'group_id', 'name', 'description'], chunkRows);
  const imageFile = new TsvFile(
    tables.image,
    join(dir, 'image'),
    natural ? ['group_name', 'member_name', 'file_id', 'description'] : ['id', 'member_id', 'file_id', 'description'],
    chunkRows,
  );
  const featureFiles = features
    ? [...tables.features.values()].map((table, v) => new TsvFile(table, join(dir, `feature-${v}`), [...design.featureKeyColumns, 'feature'], chunkRows))
    : [];
  let memberId = 0;
  let imageId = 0;
  for (let g = 0; g < scale.groups; g++) {
    const group: GroupRows = generateGroup(seed, g, scale);
    const groupId = g + 1;
    await groupFile.add(natural ? `${group.name}\t${group.description}\n` : `${groupId}\t${group.name}\t${group.description}\n`);
    const keys: Array<{ memberId: number; imageId: number; memberName: string; fileId: string }> = [];
    let memberLines = '';
    let imageLines = '';
    for (const member of group.members) {
      memberId++;
      memberLines += natural ? `${group.name}\t${member.name}\t${member.description}\n` : `${memberId}\t${groupId}\t${member.name}\t${member.description}\n`;
      for (const image of member.images) {
        imageId++;
        imageLines += natural
          ? `${group.name}\t${member.name}\t${image.fileId}\t${image.description}\n`
          : `${imageId}\t${memberId}\t${image.fileId}\t${image.description}\n`;
        if (features) keys.push({ memberId, imageId, memberName: member.name, fileId: image.fileId });
      }
    }
    await memberFile.add(memberLines, group.members.length);
    await imageFile.add(imageLines, group.members.length * scale.images);
    if (features) {
      // As src/data/loader.ts numbers them (loadGroupFeatures); the fingerprints catch a divergence.
      const firstSlice = firstFeatureSlice(g, scale, tables.features.size);
      if (natural) keys.sort((a, b) => (a.memberName < b.memberName ? -1 : a.memberName > b.memberName ? 1 : a.fileId < b.fileId ? -1 : a.fileId > b.fileId ? 1 : 0));
      for (const [v, file] of featureFiles.entries()) {
        for (const [p, key] of keys.entries()) {
          const keyText =
            design.name === 'surrogate' ? `${key.imageId}` : design.name === 'clustered' ? `${key.memberId}\t${key.imageId}` : `${group.name}\t${key.memberName}\t${key.fileId}`;
          await file.add(Buffer.concat([Buffer.from(`${keyText}\t`), escapeBinary(featureSlice(features, firstSlice + v * keys.length + p)), Buffer.from('\n')]));
        }
      }
    }
  }
  // Parents first: the foreign keys are checked as the rows arrive.
  const files: DataFile[] = [];
  for (const file of [groupFile, memberFile, imageFile, ...featureFiles]) files.push(...(await file.close()));
  return files;
}

async function runLoadData(
  options: Options,
  database: string,
  design: Design,
  tables: LibraryTables,
  files: DataFile[],
  settle: Round['settle'],
): Promise<Round['loadData']> {
  const connection = { ...options.connection, database };
  scratch.databases.add(database);
  await ensureDatabase(connection);
  const { connection: c } = options;
  const session = await mysql.createConnection({
    user: c.user,
    password: c.password ?? '',
    database,
    ...(c.socket ? { socketPath: c.socket } : { host: c.host, port: c.port }),
    flags: ['LOCAL_FILES'],
    infileStreamFactory: (path: string) => createReadStream(path),
  });
  try {
    for (const { sql } of design.createTables(tables, {})) await session.query(sql);
    settle.push({ before: 'LOAD DATA', ...(await settleServer(session)) });
    const loads: TableLoad[] = [];
    for (const file of files) {
      const started = performance.now();
      const [result] = await session.query<mysql.ResultSetHeader>(
        `LOAD DATA LOCAL INFILE ? INTO TABLE ${q(file.table)} CHARACTER SET binary
         FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${file.columns.join(', ')})`,
        [file.path],
      );
      const seconds = (performance.now() - started) / 1000;
      if (result.affectedRows !== file.rows) throw new Error(`LOAD DATA into ${file.table}: ${result.affectedRows} rows loaded, the file holds ${file.rows}`);
      if (result.warningStatus > 0) {
        const [warnings] = await session.query<mysql.RowDataPacket[]>('SHOW WARNINGS LIMIT 5');
        throw new Error(`LOAD DATA into ${file.table}: ${result.warningStatus} warnings, e.g. ${JSON.stringify(warnings)}`);
      }
      const load = loads.find((l) => l.table === file.table);
      if (load) {
        load.rows += file.rows;
        load.seconds += seconds;
        load.rowsPerSec = load.rows / load.seconds;
        load.fileBytes += file.bytes;
        load.statements++;
      } else loads.push({ table: file.table, rows: file.rows, seconds, rowsPerSec: file.rows / seconds, fileBytes: file.bytes, statements: 1 });
    }
    const seconds = loads.reduce((sum, l) => sum + l.seconds, 0);
    const rows = loads.reduce((sum, l) => sum + l.rows, 0);
    return { seconds, rows, rowsPerSec: rows / seconds, tables: loads };
  } finally {
    await session.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Fairness and checks

/** Waits until the buffer pool's dirty pages are few, so that one phase's flushing does not bill the next. */
async function settleServer(session: mysql.Connection): Promise<Settle> {
  const started = Date.now();
  for (;;) {
    const [rows] = await session.query<mysql.RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'");
    const dirtyPages = Number(rows[0]?.Value ?? 0);
    const waitedMs = Date.now() - started;
    if (dirtyPages <= SETTLE_DIRTY_PAGES || waitedMs >= SETTLE_MAX_MS) {
      // Other clients of the same server (or CPU hogs on this machine) skew both sides unevenly.
      const [others] = await session.query<mysql.RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND COMMAND NOT IN ('Sleep', 'Daemon') AND USER <> 'system user'",
      );
      const otherActiveSessions = Number(others[0]?.n ?? 0);
      const loadAverage = Number(loadavg()[0]!.toFixed(2));
      if (otherActiveSessions > 0 || loadAverage > cpus().length) {
        log(`  warning: ${otherActiveSessions} other active sessions on the server, load average ${loadAverage} on ${cpus().length} CPUs: the figures are disturbed`);
      }
      return { waitedMs, dirtyPages, otherActiveSessions, loadAverage };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Per table: count and the CRC32 sum of its rows with the parents' names in place of ids. */
function fingerprintSql(design: Design, tables: LibraryTables): Array<{ table: string; sql: string }> {
  const [g, m, i] = [q(tables.group), q(tables.member), q(tables.image)];
  const natural = design.name === 'natural';
  const list = [
    { table: tables.group, sql: `SELECT COUNT(*) AS n, SUM(CRC32(CONCAT_WS('|', name, description))) AS h FROM ${g}` },
    {
      table: tables.member,
      sql: natural
        ? `SELECT COUNT(*) AS n, SUM(CRC32(CONCAT_WS('|', group_name, name, description))) AS h FROM ${m}`
        : `SELECT COUNT(*) AS n, SUM(CRC32(CONCAT_WS('|', g.name, m.name, m.description))) AS h FROM ${m} m JOIN ${g} g ON g.id = m.group_id`,
    },
    {
      table: tables.image,
      sql: natural
        ? `SELECT COUNT(*) AS n, SUM(CRC32(CONCAT_WS('|', group_name, member_name, file_id, description))) AS h FROM ${i}`
        : `SELECT COUNT(*) AS n, SUM(CRC32(CONCAT_WS('|', m.name, i.file_id, i.description))) AS h FROM ${i} i JOIN ${m} m ON m.id = i.member_id`,
    },
  ];
  for (const feature of tables.features.values()) {
    const f = q(feature);
    list.push({
      table: feature,
      sql:
        design.name === 'natural'
          ? `SELECT COUNT(*) AS n, SUM(CRC32(CONCAT(group_name, member_name, file_id, feature))) AS h FROM ${f}`
          : design.name === 'clustered'
            ? `SELECT COUNT(*) AS n, SUM(CRC32(CONCAT(i.file_id, f.feature))) AS h FROM ${f} f JOIN ${i} i ON i.id = f.image_id AND i.member_id = f.member_id`
            : `SELECT COUNT(*) AS n, SUM(CRC32(CONCAT(i.file_id, f.feature))) AS h FROM ${f} f JOIN ${i} i ON i.id = f.image_id`,
    });
  }
  return list;
}

async function fingerprints(options: Options, database: string, design: Design, tables: LibraryTables, withFeatures: boolean): Promise<Map<string, string>> {
  const control = await connectControl({ ...options.connection, database });
  try {
    const result = new Map<string, string>();
    for (const { table, sql } of fingerprintSql(design, tables)) {
      if (!withFeatures && table.startsWith('feature_')) continue;
      const [rows] = await control.query(sql);
      const row = (rows as Array<{ n: number | string; h: number | string | null }>)[0];
      result.set(table, `${row?.n ?? 0} rows, crc ${row?.h ?? 0}`);
    }
    return result;
  } finally {
    await control.end();
  }
}

// ---------------------------------------------------------------------------------------------
// One comparison

async function compare(options: Options, label: string, scale: Scale, withFeatures: boolean): Promise<Comparison> {
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
        log(`(a) innobench loader, ${options.loadConnections} connections, into ${loaderDb} ...`);
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// ---------------------------------------------------------------------------------------------

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function summary(comparisons: Comparison[]): string {
  const lines = ['', 'run                  rows     loader rows/s   LOAD DATA rows/s   loader/LOAD DATA   target        same rows'];
  for (const c of comparisons) {
    lines.push(
      `${c.label.padEnd(12)} ${String(c.rows).padStart(12)} ${String(Math.round(c.loaderRowsPerSec)).padStart(16)} ${String(Math.round(c.loadDataRowsPerSec)).padStart(18)}` +
        ` ${`${c.ratio.toFixed(2)}×`.padStart(18)} ${`≥ ${c.target}`.padStart(8)} ${(c.meetsTarget ? 'met' : 'MISSED').padEnd(7)} ${c.sameRows === null ? 'not checked' : c.sameRows ? 'yes' : 'NO'}`,
    );
    for (const [i, r] of c.rounds.entries()) {
      lines.push(
        `  round ${i + 1}${r.loadDataFirst ? ' (LOAD DATA first)' : ''}: loader ${r.loader.seconds.toFixed(1)}s = ${Math.round(r.loader.rowsPerSec)} rows/s ` +
          `(${r.loader.connections} connections, prepare incl. CREATE TABLEs), LOAD DATA ${r.loadData.seconds.toFixed(1)}s = ${Math.round(r.loadData.rowsPerSec)} rows/s, ratio ${r.ratio.toFixed(2)}×`,
      );
    }
    lines.push(`  LOAD DATA files: ${c.chunkRows > 0 ? `~${c.chunkRows} rows each` : 'one per table'}; written untimed in ${c.fileWriteSeconds.toFixed(1)}s (${Math.round(c.rows / c.fileWriteSeconds)} rows/s generated and written, ${(c.fileBytes / 1048576).toFixed(0)} MiB)`);
    lines.push(`  counting the file writing in (generate + write + LOAD DATA, as the loader generates while it loads): loader/LOAD DATA ${c.ratioWithFileWriting.toFixed(2)}×`);
    if (c.disturbed) lines.push('  DISTURBED: other sessions were active on the server or the machine was loaded; see "settle" in the JSON');
  }
  return lines.join('\n') + '\n';
}

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
  const resultsDir = join(PROJECT_ROOT, 'results');
  await mkdir(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const file = join(resultsDir, `bench-loader-${stamp}.json`);
  const body = {
    bench: 'loader-vs-load-data',
    startedAt,
    server: { ...server, cpus: cpus().length },
    options: { ...options, connection: { host: options.connection.host, port: options.connection.port, user: options.connection.user } },
    comparisons,
  };
  await writeFile(file, JSON.stringify(body, null, 2) + '\n');
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
