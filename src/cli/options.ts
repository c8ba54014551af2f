/**
 * Options shared by the commands, declared with description and default together, and the
 * validation that turns raw flags into settings, collecting every error at once.
 */
import type { Options } from 'yargs';
import { accessSync, constants, statSync } from 'node:fs';
import { DEFAULT_DRIVER, DRIVERS, resolveConnection, type ConnectionOptions, type TlsOptions } from '../config/connection.js';
import { DEFAULT_INTERVAL_MS, defaultIntervalMs, shortenedIntervalNote } from '../config/interval.js';
import { parseDurationMs, parseInteger, parseRatePerSec, parseSizeBytes, type Parsed } from '../config/units.js';
import { databaseNameError, flagError } from '../db/identifiers.js';
import { SCALES, type Scale } from '../data/hierarchy.js';
import { parseListen, type ListenAddress } from '../outputs/live/liveServer.js';
import { OUTPUTS, parseOutputSpec, type OutputSpec } from '../outputs/registry.js';
import { parseSetOption } from '../experiment/settingSpec.js';
import { BLOCKING_SETTINGS, type SwitchbackSettings } from '../engine/settingSwitcher.js';

export const CONNECTION_OPTIONS: Record<string, Options> = {
  host: { describe: 'server host (MYSQL_HOST)', type: 'string', group: 'Connection:' },
  port: { describe: 'TCP port (MYSQL_TCP_PORT)', type: 'string', group: 'Connection:' },
  socket: { describe: 'unix socket file (MYSQL_UNIX_PORT)', type: 'string', group: 'Connection:' },
  user: { describe: 'user (MYSQL_USER)', type: 'string', group: 'Connection:' },
  password: { describe: 'password; prefer MYSQL_PWD or an option file: argv is visible to other users', type: 'string', group: 'Connection:' },
  database: { describe: "the harness's database, created if missing", type: 'string', group: 'Connection:' },
  'defaults-file': { describe: 'option file whose [client] and [innobench] groups are read (default ~/.my.cnf)', type: 'string', group: 'Connection:' },
  'ssl-mode': {
    describe: 'TLS: DISABLED, PREFERRED, REQUIRED (encrypt, no certificate check), VERIFY_CA, VERIFY_IDENTITY. Default: DISABLED unless a TLS option is given (--ssl-ca alone: VERIFY_CA)',
    type: 'string',
    group: 'Connection:',
  },
  'ssl-ca': { describe: "PEM file of the CA the server's certificate must chain to", type: 'string', group: 'Connection:' },
  'ssl-cert': { describe: 'PEM client certificate (accounts that REQUIRE X509)', type: 'string', group: 'Connection:' },
  'ssl-key': { describe: 'PEM key of --ssl-cert', type: 'string', group: 'Connection:' },
  driver: { describe: `the load threads' driver: ${DRIVERS.join(' or ')} (default ${DEFAULT_DRIVER}; also \`driver\` in the option file's [innobench] group)`, type: 'string', group: 'Connection:' },
};

export const LIBRARY_OPTIONS: Record<string, Options> = {
  flag: { describe: 'clientFlag: names the library, one table set per flag', default: 'demo', type: 'string', requiresArg: true, group: 'Data:' },
  flags: { describe: 'several libraries at once (the seed\'s per-customer split): a list, 101,102,103 (overrides --flag)', type: 'string', requiresArg: true, group: 'Data:' },
  libraries: { describe: 'several libraries at once by count: <flag>1 … <flag>N', type: 'string', requiresArg: true, group: 'Data:' },
  seed: { describe: 'seed of the generated names and features', default: 1, type: 'string', requiresArg: true, group: 'Data:' },
  'feature-bytes': { describe: 'bytes per feature', default: 2000, type: 'string', requiresArg: true, group: 'Data:' },
  'feature-file': { describe: 'binary file features are sliced from (default: a generated 64 MiB file)', type: 'string', requiresArg: true, group: 'Data:' },
};

export const SCALE_OPTIONS: Record<string, Options> = {
  scale: { describe: 'tiny (4×10×10), small (100×1000×10), seed (1000×1000×10)', choices: ['tiny', 'small', 'seed'], default: 'tiny', requiresArg: true, group: 'Data:' },
  groups: { describe: 'groups (overrides --scale)', type: 'string', requiresArg: true, group: 'Data:' },
  members: { describe: 'members per group (overrides --scale)', type: 'string', requiresArg: true, group: 'Data:' },
  images: { describe: 'images per member (overrides --scale)', type: 'string', requiresArg: true, group: 'Data:' },
  versions: { describe: 'model versions, one feature table each (e.g. 1,2)', default: '1', type: 'string', requiresArg: true, group: 'Data:' },
  'row-format': { describe: 'InnoDB ROW_FORMAT of the tables (e.g. COMPRESSED)', choices: ['DYNAMIC', 'COMPACT', 'REDUNDANT', 'COMPRESSED'], type: 'string', requiresArg: true, group: 'Data:' },
  'load-connections': { describe: 'connections loading groups in parallel', default: 4, type: 'string', requiresArg: true, group: 'Data:' },
};

export const RUN_OPTIONS: Record<string, Options> = {
  hosts: {
    describe: 'the nodes of a cluster, host:port,host:port,… (or hosts= in the option file; other commands use the first node): worker w starts on node w mod N (round-robin) and moves to the next node when its connection is lost; each node has its own status sampler',
    type: 'string',
    requiresArg: true,
    group: 'Connection:',
  },
  workers: { describe: 'concurrent workers, each with its own connection', default: 100, type: 'string', requiresArg: true, group: 'Load:' },
  threads: { describe: 'worker threads the workers are spread over', default: 1, type: 'string', requiresArg: true, group: 'Load:' },
  duration: { describe: 'how long to run (30s, 5m, 1h)', default: '60s', type: 'string', requiresArg: true, group: 'Load:' },
  rate: { describe: 'open loop: operations per second over all workers (2000/s); ops that find no idle worker are dropped and counted. Default: closed loop', type: 'string', requiresArg: true, group: 'Load:' },
  interval: { describe: 'report interval. Default: 5s, or a tenth of a --duration under 50s (at least 1s)', type: 'string', requiresArg: true, group: 'Load:' },
  shard: {
    describe: 'i/N: do the i-th (1-based) of N disjoint shares of the work, for several client machines (see `innobench merge`); auto/N: the index (0-based) from $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) or --shard-index-env, and the shards start together (--rendezvous)',
    type: 'string',
    requiresArg: true,
    group: 'Load:',
  },
  'shard-index-env': { describe: 'with --shard auto/N: the environment variable holding the 0-based shard index', default: 'JOB_COMPLETION_INDEX', type: 'string', requiresArg: true, group: 'Load:' },
  rendezvous: { describe: 'the shards meet at a table on the target server and start together; the id names the set (default with auto/N: <scenario>-<flag>-<N>)', type: 'string', requiresArg: true, group: 'Load:' },
  'rendezvous-timeout': { describe: 'how long a shard waits for the others before giving up (no run)', default: '120s', type: 'string', requiresArg: true, group: 'Load:' },
  retries: { describe: 'retries of a transaction after a deadlock or lock-wait timeout', default: 10, type: 'string', requiresArg: true, group: 'Load:' },
  'retry-backoff': { describe: 'base backoff before a retry, doubled each time, jittered', default: '2ms', type: 'string', requiresArg: true, group: 'Load:' },
  'capture-deadlocks': { describe: 'capture deadlocks (SHOW ENGINE INNODB STATUS polling + error log); default: on for the deadlock lab', type: 'boolean', group: 'Load:' },
  'deadlock-poll': { describe: 'how often SHOW ENGINE INNODB STATUS is read while capturing', default: '100ms', type: 'string', requiresArg: true, group: 'Load:' },
  'slow-log': { describe: 'log statements slower than this to mysql.slow_log for the run (GLOBAL log_output=TABLE, slow_query_log=ON, long_query_time; all restored): 0 = every statement, 500ms, 1s', type: 'string', requiresArg: true, group: 'Diagnostics:' },
  'stage-profile': { describe: 'stage breakdown per statement (performance_schema when ON; otherwise SET profiling on --stage-profile-sql)', type: 'boolean', group: 'Diagnostics:' },
  'stage-profile-sql': { describe: 'statement the SET profiling fallback replays (performance_schema OFF)', type: 'string', requiresArg: true, group: 'Diagnostics:' },
  'stage-profile-rollback': { describe: 'replay the fallback statement inside a rolled-back transaction', type: 'boolean', default: false, group: 'Diagnostics:' },
  switchback: { describe: 'switchback: flip this global between two values every --slot during the run, in randomised A B B A blocks, and report B against A (e.g. innodb_flush_log_at_trx_commit=1,2)', type: 'string', requiresArg: true, group: 'Switchback:' },
  slot: { describe: 'switchback: how long each value holds (a whole number of --interval)', default: '4s', type: 'string', requiresArg: true, group: 'Switchback:' },
  'slot-drop': { describe: 'switchback: the settling left out at the start of every slot (whole intervals)', default: '1s', type: 'string', requiresArg: true, group: 'Switchback:' },
  'slot-seed': { describe: 'switchback: seed of the A B B A / B A A B block order', default: 1, type: 'number', requiresArg: true, group: 'Switchback:' },
  'status-capture': { describe: 'every <interval>: SHOW GLOBAL STATUS, SHOW ENGINE INNODB STATUS, SHOW FULL PROCESSLIST into status-capture/ (see innobench status-report)', type: 'string', requiresArg: true, group: 'Diagnostics:' },
  results: { describe: 'folder that receives results/<run-id>/', default: 'results', type: 'string', requiresArg: true, group: 'Output:' },
  json: { describe: 'print the final run.json on stdout (interval lines go to stderr)', default: false, type: 'boolean', group: 'Output:' },
  listen: { describe: 'while running, serve a live page (/), Prometheus /metrics and /run.json on [host:]port (host 127.0.0.1 unless given; port 0: any free one)', type: 'string', requiresArg: true, group: 'Output:' },
  out: { describe: `also send every interval and the summary to name=target (repeatable): ${outputHelp()}`, type: 'string', array: true, nargs: 1, requiresArg: true, group: 'Output:' },
  'prometheus-remote-write': { describe: 'the same as --out prometheus-rw=URL: push the /metrics series to this Prometheus remote-write URL every interval and at the end, e.g. http://127.0.0.1:9090/api/v1/write', type: 'string', requiresArg: true, group: 'Output:' },
  tag: { describe: 'key=value label on every output, run.json and the report (repeatable), e.g. --tag commit=abc123 --tag host=db1', type: 'string', array: true, nargs: 1, requiresArg: true, group: 'Output:' },
};

function outputHelp(): string {
  return Object.entries(OUTPUTS).map(([name, kind]) => `${name}=${kind.target === 'file' ? 'FILE' : 'URL'}`).join(', ');
}

export interface LibrarySettings {
  /** The first library; commands that take one library use it. */
  flag: string;
  /** Every library of a --flags / --libraries run. */
  flags: string[];
  seed: number;
  featureBytes: number;
  featureFile?: string;
}

export interface RunSettings {
  workers: number;
  threads: number;
  durationMs: number;
  intervalMs: number;
  /** Set when the interval was shortened for a short run: the run's first line says so. */
  intervalNote?: string;
  retries: number;
  retryBackoffMs: number;
  results: string;
  json: boolean;
  /** undefined: closed loop. */
  ratePerSec: number | undefined;
  /** 0-based share of N; undefined: all the work. */
  shard: { index: number; of: number } | undefined;
  /** The shards start together at a rendezvous with this id (auto/N, or --rendezvous). */
  rendezvous?: { id: string | null; timeoutMs: number };
  /** undefined: the scenario's default. */
  captureDeadlocks: boolean | undefined;
  deadlockPollMs: number;
  slowLogSec?: number;
  stageProfile: boolean;
  stageProfileSql?: string;
  stageProfileRollback: boolean;
  statusCaptureMs?: number;
  listen?: ListenAddress;
  /** --out (and --prometheus-remote-write) in the order given. */
  outputs: OutputSpec[];
  /** --tag key=value. */
  tags: Record<string, string>;
  switchback?: SwitchbackSettings;
}

type Argv = Record<string, unknown>;

/** Collects parse results, keeping the values and every error message. */
export class Validator {
  readonly errors: string[] = [];

  take<T>(parsed: Parsed<T>, fallback: T): T {
    if (parsed.ok) return parsed.value;
    this.errors.push(parsed.error);
    return fallback;
  }

  check(error: string | null): void {
    if (error) this.errors.push(error);
  }
}

export function connectionFrom(argv: Argv, v: Validator): ConnectionOptions {
  const port = argv.port === undefined ? undefined : v.take(parseInteger('port', argv.port, 1, 65535), 3306);
  const flags: Parameters<typeof resolveConnection>[0] = {};
  if (typeof argv.host === 'string') flags.host = argv.host;
  if (port !== undefined) flags.port = port;
  if (typeof argv.socket === 'string') flags.socket = argv.socket;
  if (typeof argv.user === 'string') flags.user = argv.user;
  if (typeof argv.password === 'string') flags.password = argv.password;
  if (typeof argv.database === 'string') flags.database = argv.database;
  if (typeof argv['defaults-file'] === 'string') flags.defaultsFile = argv['defaults-file'];
  if (argv.hosts !== undefined) flags.hosts = String(argv.hosts);
  for (const [option, key] of [
    ['ssl-mode', 'sslMode'],
    ['ssl-ca', 'sslCa'],
    ['ssl-cert', 'sslCert'],
    ['ssl-key', 'sslKey'],
    ['driver', 'driver'],
  ] as const) {
    const value = argv[option];
    if (value === undefined) continue;
    // Given twice, or as a bare flag: yargs hands over an array or a boolean.
    if (typeof value !== 'string' || value.trim() === '') v.errors.push(`--${option}: expected ${option === 'ssl-mode' ? 'a mode' : option === 'driver' ? 'a driver' : 'a file'}, given ${JSON.stringify(String(value).slice(0, 40))}`);
    else flags[key] = value;
  }
  try {
    const connection = resolveConnection(flags);
    v.check(databaseNameError(connection.database) && `--database: ${databaseNameError(connection.database)}`);
    if (connection.ssl) checkTlsFiles(connection.ssl, v);
    return connection;
  } catch (error) {
    v.errors.push(error instanceof Error ? error.message : String(error));
    return { host: '', port: 0, user: '', database: '' };
  }
}

/** Every TLS file given must be a readable file, checked before anything connects. */
function checkTlsFiles(tls: TlsOptions, v: Validator): void {
  for (const [option, path] of [
    ['ssl-ca', tls.ca],
    ['ssl-cert', tls.cert],
    ['ssl-key', tls.key],
  ] as const) {
    if (path === undefined) continue;
    try {
      accessSync(path, constants.R_OK);
      if (!statSync(path).isFile()) v.errors.push(`--${option} ${path}: not a file`);
    } catch (error) {
      v.errors.push(`--${option} ${path}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
  }
  if (Boolean(tls.cert) !== Boolean(tls.key)) v.errors.push(`--ssl-cert and --ssl-key go together: ${tls.cert ? '--ssl-key' : '--ssl-cert'} is missing`);
}

export function librarySettings(argv: Argv, v: Validator): LibrarySettings {
  const flags = flagsFrom(argv, v);
  const settings: LibrarySettings = {
    flag: flags[0] ?? 'demo',
    flags,
    seed: v.take(parseInteger('seed', argv.seed, 0, 2 ** 31 - 1), 1),
    featureBytes: v.take(parseSizeBytes('feature-bytes', argv['feature-bytes'], 1, 65535), 2000),
  };
  if (typeof argv['feature-file'] === 'string') settings.featureFile = argv['feature-file'];
  return settings;
}

function flagsFrom(argv: Argv, v: Validator): string[] {
  if (argv.flags !== undefined && argv.libraries !== undefined) v.errors.push('--flags and --libraries exclude each other');
  let flags: string[];
  if (argv.libraries !== undefined) {
    const count = v.take(parseInteger('libraries', argv.libraries, 1, 1000), 1);
    flags = Array.from({ length: count }, (_, i) => `${String(argv.flag)}${i + 1}`);
  } else flags = argv.flags !== undefined ? String(argv.flags).split(',').map((f) => f.trim()) : [String(argv.flag)];
  for (const flag of flags) {
    const error = flagError(flag);
    if (error) v.errors.push(`--${argv.flags !== undefined ? 'flags' : 'flag'}: ${error}`);
  }
  if (new Set(flags).size !== flags.length) v.errors.push(`--flags ${JSON.stringify(argv.flags)}: a library is listed twice`);
  return flags;
}

export function scaleFrom(argv: Argv, v: Validator): Scale {
  const preset = SCALES[(argv.scale as keyof typeof SCALES) ?? 'tiny'];
  const count = (name: 'groups' | 'members' | 'images', max: number): number =>
    argv[name] === undefined ? preset[name] : v.take(parseInteger(name, argv[name], 1, max), preset[name]);
  // Group ids are MEDIUMINT UNSIGNED (the seed's type), image ids INT UNSIGNED.
  const scale = { groups: count('groups', 16_777_215), members: count('members', 10_000_000), images: count('images', 10_000) };
  if (scale.groups * scale.members * scale.images > 4_294_967_295) v.errors.push('--groups × --members × --images exceeds the 2^32 image ids of INT UNSIGNED');
  return scale;
}

export function versionsFrom(argv: Argv, v: Validator): number[] {
  const parts = String(argv.versions).split(',');
  const versions = parts.map((part) => v.take(parseInteger('versions', part, 1, 65535), 1));
  if (new Set(versions).size !== versions.length) v.errors.push(`--versions ${JSON.stringify(argv.versions)}: a version is listed twice`);
  return versions;
}

/** --interval as given, or the default for the run's duration (config/interval.ts). */
function intervalSettings(argv: Argv, v: Validator): Pick<RunSettings, 'intervalMs' | 'intervalNote'> {
  if (argv.interval !== undefined) return { intervalMs: v.take(parseDurationMs('interval', argv.interval, 3_600_000, 100), DEFAULT_INTERVAL_MS) };
  // A switchback's slots are whole intervals, and its verdict drops a slot's first part: 1 s does both.
  if (argv.switchback !== undefined) return { intervalMs: 1000, intervalNote: 'interval 1 s (a switchback slot is a whole number of intervals; --interval sets it)' };
  const duration = parseDurationMs('duration', argv.duration, undefined, 1000);
  const durationMs = duration.ok ? duration.value : 60_000;
  const intervalMs = defaultIntervalMs(durationMs);
  const note = shortenedIntervalNote(durationMs, intervalMs);
  return note === null ? { intervalMs } : { intervalMs, intervalNote: note };
}

export function runSettings(argv: Argv, v: Validator): RunSettings {
  const durationMs = v.take(parseDurationMs('duration', argv.duration, undefined, 1000), 60_000);
  const interval = intervalSettings(argv, v);
  return {
    workers: v.take(parseInteger('workers', argv.workers, 1, 10_000), 1),
    threads: v.take(parseInteger('threads', argv.threads, 1, 256), 1),
    durationMs,
    ...interval,
    retries: v.take(parseInteger('retries', argv.retries, 0, 1000), 10),
    retryBackoffMs: v.take(parseDurationMs('retry-backoff', argv['retry-backoff'], 60_000), 2),
    results: String(argv.results),
    json: argv.json === true,
    shard: argv.shard === undefined ? undefined : parseShard(String(argv.shard), String(argv['shard-index-env'] ?? 'JOB_COMPLETION_INDEX'), v),
    ...rendezvousFrom(argv, v),
    ratePerSec: argv.rate === undefined ? undefined : v.take(parseRatePerSec('rate', argv.rate), 1),
    captureDeadlocks: typeof argv['capture-deadlocks'] === 'boolean' ? argv['capture-deadlocks'] : undefined,
    deadlockPollMs: v.take(parseDurationMs('deadlock-poll', argv['deadlock-poll'], 60_000, 10), 100),
    // parseDurationMs refuses 0, but `--slow-log 0` (log every statement) is the main use.
    ...(argv['slow-log'] === undefined
      ? {}
      : { slowLogSec: /^0+(\.0+)?(s|ms)?$/.test(String(argv['slow-log']).trim()) ? 0 : v.take(parseDurationMs('slow-log', argv['slow-log'], 3_600_000), 1000) / 1000 }),
    stageProfile: argv['stage-profile'] === true,
    ...(typeof argv['stage-profile-sql'] === 'string' ? { stageProfileSql: argv['stage-profile-sql'] } : {}),
    stageProfileRollback: argv['stage-profile-rollback'] === true,
    ...(argv['status-capture'] === undefined ? {} : { statusCaptureMs: v.take(parseDurationMs('status-capture', argv['status-capture'], 3_600_000, 100), 1000) }),
    ...(argv.listen === undefined ? {} : { listen: v.take(parseListen(String(argv.listen)), { host: '127.0.0.1', port: 0 }) }),
    outputs: outputSpecs(argv, v),
    tags: tagsFrom(argv.tag, v),
    ...switchbackFrom(argv, v, interval.intervalMs, durationMs),
  };
}

/** --switchback name=A,B with its slot (a whole number of intervals, at least two more than the drop) and at least 4 slots in the run. */
function switchbackFrom(argv: Argv, v: Validator, intervalMs: number, durationMs: number): { switchback?: SwitchbackSettings } {
  if (argv.switchback === undefined) return {};
  const parsed = parseSetOption(String(argv.switchback));
  if (!parsed.ok) v.errors.push(parsed.error.replace(/^--set/, '--switchback'));
  else if (parsed.value.values.length !== 2) v.errors.push(`--switchback ${parsed.value.name}: give exactly two values, A and B (e.g. ${parsed.value.name}=1,2)`);
  else if (BLOCKING_SETTINGS[parsed.value.name]) v.errors.push(`--switchback ${parsed.value.name}: ${BLOCKING_SETTINGS[parsed.value.name]}; compare it in separate runs (innobench matrix --order blocks)`);
  const slotMs = v.take(parseDurationMs('slot', argv.slot, 600_000, 1000), 4000);
  // parseDurationMs refuses 0, but keeping every interval of a slot is a choice a user may make.
  const dropMs = /^0+(\.0+)?(s|ms)?$/.test(String(argv['slot-drop']).trim()) ? 0 : v.take(parseDurationMs('slot-drop', argv['slot-drop'], 600_000), 1000);
  if (slotMs % intervalMs !== 0 || dropMs % intervalMs !== 0) v.errors.push(`--slot ${String(argv.slot)} and --slot-drop ${String(argv['slot-drop'])} must be whole numbers of --interval ${intervalMs / 1000}s: give --interval 1s`);
  else if (slotMs - dropMs < 2 * intervalMs) v.errors.push(`--slot ${String(argv.slot)}: keep at least two intervals after --slot-drop ${String(argv['slot-drop'])} (the carry-over check compares a slot's halves)`);
  if (durationMs < 4 * slotMs) v.errors.push(`--duration ${String(argv.duration)}: a switchback needs at least 4 slots of ${String(argv.slot)} (one A B B A block); minutes give an interval worth having`);
  const seed = v.take(parseInteger('slot-seed', argv['slot-seed'], 0, 2 ** 31 - 1), 1);
  if (!parsed.ok || parsed.value.values.length !== 2) return {};
  return { switchback: { name: parsed.value.name, values: [parsed.value.values[0]!, parsed.value.values[1]!], slotMs, dropMs, seed } };
}

/** A repeatable string option as a list (yargs gives one value as a string, several as an array). */
function repeated(value: unknown): string[] {
  return value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);
}

function outputSpecs(argv: Argv, v: Validator): OutputSpec[] {
  const texts = [...repeated(argv.out), ...repeated(argv['prometheus-remote-write']).map((url) => `prometheus-rw=${url}`)];
  return texts.flatMap((text) => {
    const parsed = parseOutputSpec(text);
    if ('error' in parsed) v.errors.push(parsed.error);
    return 'spec' in parsed ? [parsed.spec] : [];
  });
}

/** Names every output already uses, or that name the columns of the CSV and NDJSON outputs. */
const RESERVED_TAGS = new Set(['run_id', 'scenario', 'driver', 'shard', 'op', 'type', 'time', 'seq', 'labels']);

/** `key=value` labels: the key a Prometheus/InfluxDB label name, each key once. */
function tagsFrom(value: unknown, v: Validator): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const text of repeated(value)) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(text);
    if (!match) v.errors.push(`--tag ${JSON.stringify(text)}: expected key=value with a key of letters, digits and '_' (not starting with a digit), e.g. commit=abc123`);
    else if (RESERVED_TAGS.has(match[1]!)) v.errors.push(`--tag ${JSON.stringify(text)}: ${match[1]} is a label innobench sets itself; choose another key`);
    else if (match[1]! in tags) v.errors.push(`--tag ${JSON.stringify(text)}: ${match[1]} is given twice`);
    else tags[match[1]!] = match[2]!;
  }
  return tags;
}

/**
 * `auto/N`: the index comes from the environment, 0-based as a Kubernetes Indexed Job's
 * JOB_COMPLETION_INDEX is (a CI matrix sets a variable of its own, named with --shard-index-env).
 */
function parseShard(text: string, indexVariable: string, v: Validator): { index: number; of: number } | undefined {
  const auto = /^auto\/(\d+)$/.exec(text.trim());
  if (auto) {
    const of = Number(auto[1]);
    const raw = process.env[indexVariable];
    const index = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
    if (of < 1 || of > 1000) v.errors.push(`--shard ${JSON.stringify(text)}: N must be 1 to 1000`);
    else if (!Number.isInteger(index) || index < 0 || index >= of) {
      v.errors.push(`--shard auto/${of}: $${indexVariable} ${raw === undefined ? 'is not set' : `is ${JSON.stringify(raw.slice(0, 20))}`}; expected a 0-based index below ${of} (--shard-index-env names another variable)`);
    } else return { index, of };
    return undefined;
  }
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const of = Number(match?.[2]);
  if (!match || of < 1 || of > 1000 || index < 1 || index > of) {
    v.errors.push(`--shard ${JSON.stringify(text)}: expected i/N with 1 ≤ i ≤ N ≤ 1000, e.g. 1/2`);
    return undefined;
  }
  return { index: index - 1, of };
}

/** A rendezvous for `--shard auto/N`, or for any `--shard i/N` given `--rendezvous ID`. */
function rendezvousFrom(argv: Argv, v: Validator): { rendezvous?: { id: string | null; timeoutMs: number } } {
  const auto = typeof argv.shard === 'string' && argv.shard.trim().startsWith('auto/');
  if (!auto && argv.rendezvous === undefined) return {};
  if (argv.shard === undefined) v.errors.push('--rendezvous goes with --shard i/N or auto/N');
  const id = argv.rendezvous === undefined ? null : String(argv.rendezvous);
  if (id !== null && !/^[A-Za-z0-9_.:-]{1,128}$/.test(id)) v.errors.push(`--rendezvous ${JSON.stringify(id.slice(0, 40))}: letters, digits and _ . : - only (at most 128)`);
  return { rendezvous: { id, timeoutMs: v.take(parseDurationMs('rendezvous-timeout', argv['rendezvous-timeout'], 3_600_000, 1000), 120_000) } };
}
