/**
 * The doctor's checks: pure functions of facts read once from the server (procedures/doctor/facts.ts),
 * table-tested. Each says ok, warning or error with one line of detail, naming what to change (the
 * GRANT to run, the variable to set).
 */
import type { Scale } from '../../data/hierarchy.js';
import type { Scenario } from '../../engine/scenario.js';
import { formatBytes } from '../../format/bytes.js';
import { accountName, holdsGlobally, missingOnDatabase, parseGrants, type ParsedGrants } from '../../analysis/server/grants.js';

export type Level = 'ok' | 'warning' | 'error';

export interface Check {
  name: string;
  level: Level;
  detail: string;
}

// ---------------------------------------------------------------------------------------------
// What each scenario needs

export interface ScenarioNeeds {
  /** Privileges on the database that every run of the scenario uses. */
  run: string[];
  /** Its tables hold (or its runs write) one feature per image. */
  features: boolean;
  /** A read benchmark meant to run warm: its data should fit the buffer pool. */
  warmReads: boolean;
  /** Runs capture deadlocks by default (SHOW ENGINE INNODB STATUS, SET GLOBAL innodb_print_all_deadlocks). */
  capturesDeadlocks: boolean;
}

/** prepare: CREATE the tables (and the database), load rows, upsert the registry (UPDATE), reset (DELETE). */
const PREPARE_PRIVILEGES = ['CREATE', 'SELECT', 'INSERT', 'UPDATE', 'DELETE'];
/** cleanup: DROP the library's tables, DELETE its registry rows. */
const CLEANUP_PRIVILEGES = ['DROP', 'DELETE'];

/** What the doctor reads of a scenario. */
export type ScenarioProfile = Pick<Scenario, 'name' | 'serverNeeds' | 'needsFeatures' | 'captureDeadlocks'>;

/** A scenario's needs, from what the scenario itself declares. */
export function needsOf(scenario: ScenarioProfile): ScenarioNeeds {
  return {
    run: scenario.serverNeeds.privileges,
    features: scenario.serverNeeds.holdsFeatures || scenario.needsFeatures === true,
    warmReads: scenario.serverNeeds.warmReads,
    capturesDeadlocks: scenario.captureDeadlocks === true,
  };
}

// ---------------------------------------------------------------------------------------------
// Facts and plan

export interface DoctorFacts {
  /** How the connection is described (never with its password). */
  where: string;
  /** Ssl_cipher of the doctor's own session; '' when not encrypted. */
  tlsCipher: string;
  /** CURRENT_USER(): the account the server matched. */
  currentUser: string;
  version: string;
  versionComment: string;
  /** Global variables, lower-case names. */
  variables: Record<string, string>;
  /** SHOW GRANTS lines; null when they could not be read (grantsError says why). */
  grants: string[] | null;
  grantsError?: string;
  databaseExists: boolean;
  /** Connections open besides the doctor's own. */
  otherConnections: number;
  /** Free space where the server keeps its data, when the server is on this machine. */
  disk: { path: string; freeBytes: number } | { unknown: string };
  /** Data + index bytes the library's tables already hold (0 when not prepared). */
  libraryBytes: number;
  /** Server changes a killed innobench left (from the journal), one line each; [] when none. */
  leftovers?: string[];
}

export interface DoctorPlan {
  scenario: ScenarioProfile;
  database: string;
  workers: number;
  /** Connections the run opens besides its workers (control, status sampler, diagnostics). */
  harnessConnections: number;
  scale: Scale;
  versions: number;
  /** prepare --with-features (scenarios that read features load them anyway). */
  withFeatures: boolean;
  featureBytes: number;
}

/** Bytes a prepared library takes beyond its features: ~150 B per image row, group and member rows alike. */
const ROW_BYTES = 150;
/** Row, key and page overhead of a feature row beyond the feature's bytes (~2.2 KB for 2000-byte features). */
const FEATURE_OVERHEAD_BYTES = 200;

export interface DataEstimate {
  bytes: number;
  imageRows: number;
  featureRows: number;
}

export function estimateData(plan: Pick<DoctorPlan, 'scenario' | 'scale' | 'versions' | 'withFeatures' | 'featureBytes'>): DataEstimate {
  const { groups, members, images } = plan.scale;
  const imageRows = groups * members * images;
  const withFeatures = plan.withFeatures || needsOf(plan.scenario).features;
  const featureRows = withFeatures ? imageRows * Math.max(1, plan.versions) : 0;
  const bytes = (groups + groups * members + imageRows) * ROW_BYTES + featureRows * (plan.featureBytes + FEATURE_OVERHEAD_BYTES);
  return { bytes, imageRows, featureRows };
}

function numberVariable(facts: DoctorFacts, name: string): number | undefined {
  const text = facts.variables[name];
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function isOn(value: string | undefined): boolean {
  return value !== undefined && /^(1|ON|YES|TRUE)$/i.test(value.trim());
}

// ---------------------------------------------------------------------------------------------
// The checks

function connectionCheck(facts: DoctorFacts): Check {
  const offered = /^YES$/i.test(facts.variables.have_ssl ?? '');
  const tls = facts.tlsCipher ? `TLS (${facts.tlsCipher})` : `not encrypted${offered ? ' (the server offers TLS: --ssl-mode REQUIRED or VERIFY_CA)' : ''}`;
  return { name: 'connection', level: 'ok', detail: `${facts.where} as ${facts.currentUser}; ${tls}` };
}

function serverCheck(facts: DoctorFacts): Check {
  const mariadb = /mariadb/i.test(`${facts.version} ${facts.versionComment}`);
  const flavour = mariadb ? 'MariaDB' : 'MySQL';
  const [major = 0, minor = 0] = facts.version.split(/[.-]/).map(Number);
  const old = mariadb ? major < 10 || (major === 10 && minor < 3) : major < 5 || (major === 5 && minor < 7);
  return {
    name: 'server',
    level: old ? 'warning' : 'ok',
    detail: `${flavour} ${facts.version}${old ? `: older than innobench was tested with (MariaDB 10.3+, MySQL 5.7+)` : ''}`,
  };
}

function databaseCheck(facts: DoctorFacts, plan: DoctorPlan): Check {
  return facts.databaseExists
    ? { name: 'database', level: 'ok', detail: `${plan.database} exists` }
    : { name: 'database', level: 'warning', detail: `${plan.database} does not exist yet: prepare creates it (needs CREATE), run does not` };
}

function privilegeChecks(facts: DoctorFacts, plan: DoctorPlan, grants: ParsedGrants | null): Check[] {
  if (!grants) return [{ name: 'privileges', level: 'warning', detail: `SHOW GRANTS failed (${facts.grantsError ?? 'unknown'}): privileges not checked` }];
  const account = accountName(facts.currentUser);
  const on = `\`${plan.database.replace(/`/g, '``')}\`.*`;
  const needs = needsOf(plan.scenario);
  const rolesNote = grants.roles.length ? ` (the account also has role(s) ${grants.roles.join(', ')}, whose privileges SHOW GRANTS may not list)` : '';
  const checks: Check[] = [];

  const missingRun = missingOnDatabase(grants, needs.run, plan.database);
  checks.push(
    missingRun.length
      ? {
          name: 'privileges: run',
          level: grants.roles.length ? 'warning' : 'error',
          detail: `${plan.scenario.name} needs ${needs.run.join(', ')} on ${on}; ${account} lacks ${missingRun.join(', ')}: GRANT ${missingRun.join(', ')} ON ${on} TO ${account}${rolesNote}`,
        }
      : { name: 'privileges: run', level: 'ok', detail: `${needs.run.join(', ')} on ${on}` },
  );

  const missingPrepare = missingOnDatabase(grants, PREPARE_PRIVILEGES, plan.database);
  const missingCleanup = missingOnDatabase(grants, CLEANUP_PRIVILEGES, plan.database);
  const missingData = [...new Set([...missingPrepare, ...missingCleanup])];
  checks.push(
    missingData.length
      ? {
          name: 'privileges: prepare/cleanup',
          level: 'warning',
          detail:
            `${missingPrepare.length ? `prepare needs ${missingPrepare.join(', ')}` : ''}${missingPrepare.length && missingCleanup.length ? ', ' : ''}` +
            `${missingCleanup.length ? `cleanup needs ${missingCleanup.join(', ')}` : ''} on ${on}: GRANT ${missingData.join(', ')} ON ${on} TO ${account} (or let an administrator prepare)${rolesNote}`,
        }
      : { name: 'privileges: prepare/cleanup', level: 'ok', detail: `${[...new Set([...PREPARE_PRIVILEGES, ...CLEANUP_PRIVILEGES])].join(', ')} on ${on}` },
  );

  const hasProcess = holdsGlobally(grants, 'PROCESS');
  checks.push(
    hasProcess
      ? { name: 'privileges: PROCESS', level: 'ok', detail: 'SHOW ENGINE INNODB STATUS (deadlock capture, --status-capture) works' }
      : {
          name: 'privileges: PROCESS',
          level: needs.capturesDeadlocks ? 'warning' : 'ok',
          detail: `no PROCESS: SHOW ENGINE INNODB STATUS fails, so deadlock capture and --status-capture see nothing${needs.capturesDeadlocks ? ` (${plan.scenario.name} captures deadlocks)` : ''}: GRANT PROCESS ON *.* TO ${account}`,
        },
  );

  const setGlobal = holdsGlobally(grants, 'SUPER') || holdsGlobally(grants, 'SYSTEM_VARIABLES_ADMIN');
  checks.push(
    setGlobal
      ? { name: 'privileges: SET GLOBAL', level: 'ok', detail: 'SUPER or SYSTEM_VARIABLES_ADMIN: innodb_print_all_deadlocks, --slow-log and matrix settings can be set' }
      : {
          name: 'privileges: SET GLOBAL',
          level: needs.capturesDeadlocks ? 'warning' : 'ok',
          detail: `neither SUPER nor SYSTEM_VARIABLES_ADMIN: SET GLOBAL is refused (innodb_print_all_deadlocks for deadlock capture, --slow-log, matrix settings): GRANT SUPER ON *.* TO ${account} (MySQL 8: SYSTEM_VARIABLES_ADMIN)`,
        },
  );
  return checks;
}

function performanceSchemaCheck(facts: DoctorFacts): Check {
  const value = facts.variables.performance_schema;
  if (value === undefined) return { name: 'performance_schema', level: 'ok', detail: 'not available on this server: --stage-profile uses the SET profiling fallback' };
  return isOn(value)
    ? { name: 'performance_schema', level: 'ok', detail: 'ON: --stage-profile reads stage timings from it' }
    : { name: 'performance_schema', level: 'ok', detail: 'OFF: --stage-profile uses the SET profiling fallback (performance_schema=ON in the server config and a restart to change)' };
}

function connectionsCheck(facts: DoctorFacts, plan: DoctorPlan, grants: ParsedGrants | null): Check {
  const max = numberVariable(facts, 'max_connections');
  const needed = plan.workers + plan.harnessConnections;
  // The same words as the run's preflight (src/engine/preflight.ts), whichever refuses first.
  const head = `${plan.workers} workers + ${plan.harnessConnections} harness connections need ${needed} connections`;
  if (max === undefined) return { name: 'connections', level: 'warning', detail: `${head}; max_connections unknown` };
  const userLimits = [numberVariable(facts, 'max_user_connections') ?? 0, grants?.maxUserConnections ?? 0].filter((n) => n > 0);
  const userLimit = userLimits.length ? Math.min(...userLimits) : 0;
  if (userLimit && needed > userLimit) {
    return { name: 'connections', level: 'error', detail: `${head}; this account may open at most ${userLimit} (max_user_connections): fewer --workers, or raise the limit` };
  }
  if (needed + facts.otherConnections > max) {
    return {
      name: 'connections',
      level: 'error',
      detail: `${head}; the server allows ${max} (max_connections) and ${facts.otherConnections} are in use by others: SET GLOBAL max_connections = ${needed + facts.otherConnections + 10}, or fewer --workers`,
    };
  }
  if (needed + facts.otherConnections > 0.9 * max) {
    return { name: 'connections', level: 'warning', detail: `${head}; with ${facts.otherConnections} in use by others that is over 90 % of max_connections ${max}: another client may be refused` };
  }
  return { name: 'connections', level: 'ok', detail: `${head}; max_connections is ${max} (${facts.otherConnections} in use by others)` };
}

function diskCheck(facts: DoctorFacts, plan: DoctorPlan): Check {
  const estimate = estimateData(plan);
  const what = `${estimate.imageRows} images${estimate.featureRows ? ` + ${estimate.featureRows} features` : ''} ≈ ${formatBytes(estimate.bytes)}`;
  const needed = Math.max(0, estimate.bytes - facts.libraryBytes);
  const already = facts.libraryBytes > 0 ? `, ${formatBytes(facts.libraryBytes)} already there` : '';
  if ('unknown' in facts.disk) return { name: 'disk', level: 'warning', detail: `free space unknown (${facts.disk.unknown}); the plan needs ${what}${already}` };
  const free = facts.disk.freeBytes;
  const head = `${formatBytes(free)} free at ${facts.disk.path}; the plan needs ${what}${already}`;
  if (free < needed) return { name: 'disk', level: 'error', detail: `${head}: not enough space (a smaller --scale, or free some space)` };
  if (free < 2 * needed) return { name: 'disk', level: 'warning', detail: `${head}: little room left for redo, undo, temporary files and secondary indexes` };
  return { name: 'disk', level: 'ok', detail: head };
}

function durabilityCheck(facts: DoctorFacts): Check {
  const value = facts.variables.innodb_flush_log_at_trx_commit;
  if (value === '0') {
    return {
      name: 'innodb_flush_log_at_trx_commit',
      level: 'warning',
      detail: '0: commits are neither written nor flushed at commit, so commit-bound insert rates look far better than on a durable server (and a crash loses up to a second of commits): SET GLOBAL innodb_flush_log_at_trx_commit = 1 to measure the real thing',
    };
  }
  if (value === '2') return { name: 'innodb_flush_log_at_trx_commit', level: 'ok', detail: '2: written at commit, flushed about once a second (an OS crash can lose a second of commits); 1 is the durable setting' };
  return { name: 'innodb_flush_log_at_trx_commit', level: 'ok', detail: `${value ?? 'unknown'}${value === '1' ? ': every commit is flushed (durable)' : ''}` };
}

function queryCacheCheck(facts: DoctorFacts): Check {
  const type = facts.variables.query_cache_type;
  const size = numberVariable(facts, 'query_cache_size') ?? 0;
  if (type === undefined) return { name: 'query cache', level: 'ok', detail: 'none on this server' };
  if (isOn(type) && size > 0) {
    return {
      name: 'query cache',
      level: 'warning',
      detail: `query_cache_type=${type} with query_cache_size=${formatBytes(size)}: repeated reads are answered from the cache, not InnoDB, and every write invalidates it: SET GLOBAL query_cache_type = OFF (or query_cache_size = 0)`,
    };
  }
  return { name: 'query cache', level: 'ok', detail: `off (query_cache_type=${type}, query_cache_size=${formatBytes(size)})` };
}

function bufferPoolCheck(facts: DoctorFacts, plan: DoctorPlan, dataBytes = estimateData(plan).bytes): Check {
  const pool = numberVariable(facts, 'innodb_buffer_pool_size');
  if (pool === undefined) return { name: 'buffer pool', level: 'ok', detail: 'innodb_buffer_pool_size unknown' };
  const needs = needsOf(plan.scenario);
  if (needs.warmReads && dataBytes > pool) {
    return {
      name: 'buffer pool',
      level: 'warning',
      detail: `${formatBytes(pool)} holds less than the ${formatBytes(dataBytes)} of data ${plan.scenario.name} reads: a warm read benchmark will measure disk reads (a larger innodb_buffer_pool_size, or a smaller --scale)`,
    };
  }
  return { name: 'buffer pool', level: 'ok', detail: `${formatBytes(pool)}${needs.warmReads ? ` for ${formatBytes(dataBytes)} of data` : ''}` };
}

function leftoversCheck(facts: DoctorFacts): Check {
  const lines = facts.leftovers ?? [];
  if (lines.length === 0) return { name: 'server changes', level: 'ok', detail: 'no innobench left this server changed' };
  return {
    name: 'server changes',
    level: 'error',
    detail: `an innobench that did not end cleanly left this server changed, which skews every later run: ${lines.map((line) => line.trim()).join(' ')}; \`innobench restore\` puts it back`,
  };
}

/** Every check of `innobench doctor`, in the order they are shown. */
export function doctorChecks(facts: DoctorFacts, plan: DoctorPlan): Check[] {
  const grants = facts.grants ? parseGrants(facts.grants) : null;
  return [
    connectionCheck(facts),
    serverCheck(facts),
    databaseCheck(facts, plan),
    leftoversCheck(facts),
    ...privilegeChecks(facts, plan, grants),
    performanceSchemaCheck(facts),
    connectionsCheck(facts, plan, grants),
    diskCheck(facts, plan),
    durabilityCheck(facts),
    queryCacheCheck(facts),
    bufferPoolCheck(facts, plan),
  ];
}

/**
 * The checks that matter when a run starts on prepared data: the run's privileges, connections and
 * the settings that make figures misleading (the buffer pool against the data actually there).
 */
export function preRunChecks(facts: DoctorFacts, plan: DoctorPlan): Check[] {
  const grants = facts.grants ? parseGrants(facts.grants) : null;
  const privileges = privilegeChecks(facts, plan, grants).filter((check) => check.name !== 'privileges: prepare/cleanup');
  return [...privileges, connectionsCheck(facts, plan, grants), durabilityCheck(facts), queryCacheCheck(facts), bufferPoolCheck(facts, plan, facts.libraryBytes)];
}

export function formatChecks(checks: readonly Check[]): string {
  const width = Math.max(...checks.map((check) => check.name.length));
  return checks.map((check) => `${check.level.padEnd(7)}  ${check.name.padEnd(width)}  ${check.detail}`).join('\n');
}

export function verdict(checks: readonly Check[]): string {
  const errors = checks.filter((check) => check.level === 'error').length;
  const warnings = checks.filter((check) => check.level === 'warning').length;
  if (!errors && !warnings) return 'doctor: every check ok';
  return `doctor: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
}

