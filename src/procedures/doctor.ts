/**
 * `innobench doctor`: can this server run the planned benchmark, and will the figures mean what
 * they seem to? Each check says ok, warning or error with one line of detail, naming what to change
 * (the GRANT to run, the variable to set).
 *
 * The checks are pure functions of facts read once from the server (`doctorChecks`, table-tested);
 * `gatherFacts` reads them; `preRunDoctor` runs the subset that matters at the start of every run
 * and prints only what is wrong.
 */
import { statfsSync } from 'node:fs';
import type { PromiseConnection } from '../db/connect.js';
import type { Scale } from '../data/hierarchy.js';
import { libraryTables } from '../schema/tables.js';
import type { Scenario } from '../engine/scenario.js';
import { formatBytes } from '../format/bytes.js';

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
export const PREPARE_PRIVILEGES = ['CREATE', 'SELECT', 'INSERT', 'UPDATE', 'DELETE'];
/** cleanup: DROP the library's tables, DELETE its registry rows. */
export const CLEANUP_PRIVILEGES = ['DROP', 'DELETE'];

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
// SHOW GRANTS

export interface GrantEntry {
  /** Upper case; 'ALL' for ALL [PRIVILEGES]. Column privileges are left out (not table-wide). */
  privileges: string[];
  /** '*' for every database; otherwise the name or LIKE pattern as granted (backslash escapes kept). */
  database: string;
  /** '*' for every table of the database. */
  table: string;
}

export interface ParsedGrants {
  entries: GrantEntry[];
  /** Roles granted to the account (their privileges are not in these lines unless the role is active). */
  roles: string[];
  /** WITH MAX_USER_CONNECTIONS n (MariaDB shows it in SHOW GRANTS); null when none is set. */
  maxUserConnections: number | null;
  /** GRANT lines that could not be read. */
  unparsed: string[];
}

/** Splits at commas outside parentheses and quotes. */
function splitTopLevel(text: string, separator = ','): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let current = '';
  for (const char of text) {
    if (quote) {
      if (char === quote) quote = null;
    } else if (char === '`' || char === '"' || char === "'") quote = char;
    else if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === separator && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part.length > 0);
}

/** The index of ` ON ` outside parentheses and quotes, or -1. */
function topLevelOn(text: string): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote) {
      if (char === quote) quote = null;
      continue;
    }
    if (char === '`' || char === '"' || char === "'") quote = char;
    else if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (depth === 0 && /\s/.test(char) && /^\s+ON\s/i.test(text.slice(i))) return i;
  }
  return -1;
}

/** Reads one identifier (`quoted`, "quoted", * or bare) at `from`; returns it and where it ended. */
function readIdentifier(text: string, from: number): { name: string; end: number } | null {
  const first = text[from];
  if (first === undefined) return null;
  if (first === '*') return { name: '*', end: from + 1 };
  if (first === '`' || first === '"') {
    let name = '';
    let i = from + 1;
    while (i < text.length) {
      if (text[i] === first) {
        if (text[i + 1] === first) {
          name += first;
          i += 2;
          continue;
        }
        return { name, end: i + 1 };
      }
      name += text[i];
      i++;
    }
    return null;
  }
  const match = /^[^.\s`"]+/.exec(text.slice(from));
  return match ? { name: match[0], end: from + match[0].length } : null;
}

export function parseGrants(lines: readonly string[]): ParsedGrants {
  const parsed: ParsedGrants = { entries: [], roles: [], maxUserConnections: null, unparsed: [] };
  for (const raw of lines) {
    const line = raw.trim();
    const limit = /\bMAX_USER_CONNECTIONS\s+(\d+)/i.exec(line);
    if (limit && Number(limit[1]) > 0) parsed.maxUserConnections = Number(limit[1]);
    const grant = /^GRANT\s+/i.exec(line);
    if (!grant) continue; // SET DEFAULT ROLE, REVOKE (partial revokes), CREATE USER ...
    const rest = line.slice(grant[0].length);
    const on = topLevelOn(rest);
    if (on < 0) {
      // GRANT `role` TO `user`@`host`
      const to = /\s+TO\s+/i.exec(rest);
      if (to) parsed.roles.push(...splitTopLevel(rest.slice(0, to.index)).map((role) => role.replace(/[`'"]/g, '')));
      else parsed.unparsed.push(raw);
      continue;
    }
    const privilegeText = rest.slice(0, on);
    let objectText = rest.slice(on).replace(/^\s+ON\s+/i, '');
    const kind = /^(TABLE|FUNCTION|PROCEDURE|PACKAGE\s+BODY|PACKAGE)\s+/i.exec(objectText);
    if (kind) {
      if (!/^TABLE/i.test(kind[1]!)) continue; // routine privileges
      objectText = objectText.slice(kind[0].length);
    }
    if (/^PROXY\b/i.test(privilegeText.trim())) continue;
    const database = readIdentifier(objectText, 0);
    let table: { name: string; end: number } | null = null;
    if (database && objectText[database.end] === '.') table = readIdentifier(objectText, database.end + 1);
    else if (database && database.name === '*') table = { name: '*', end: database.end }; // GRANT … ON * (current database)
    if (!database || !table) {
      parsed.unparsed.push(raw);
      continue;
    }
    const privileges = splitTopLevel(privilegeText)
      .filter((privilege) => !privilege.includes('(')) // column privileges
      .map((privilege) => privilege.toUpperCase().replace(/\s+/g, ' '))
      .map((privilege) => (privilege === 'ALL PRIVILEGES' ? 'ALL' : privilege));
    parsed.entries.push({ privileges, database: database.name, table: table.name });
  }
  return parsed;
}

/** Whether a granted database name (a LIKE pattern: % and _ wild, \% and \_ literal) covers `database`. */
export function databaseMatches(pattern: string, database: string): boolean {
  if (pattern === '*') return true;
  let regex = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\' && i + 1 < pattern.length) {
      regex += escapeRegex(pattern[++i]!);
    } else if (char === '%') regex += '.*';
    else if (char === '_') regex += '.';
    else regex += escapeRegex(char);
  }
  return new RegExp(`^${regex}$`, 's').test(database);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether the account holds `privilege` on every table of `database` (globally or on the database). */
export function holdsOnDatabase(grants: ParsedGrants, privilege: string, database: string): boolean {
  return grants.entries.some(
    (entry) => entry.table === '*' && databaseMatches(entry.database, database) && (entry.privileges.includes(privilege) || entry.privileges.includes('ALL')),
  );
}

/** Whether the account holds a global privilege (ON *.*). */
export function holdsGlobally(grants: ParsedGrants, privilege: string): boolean {
  return grants.entries.some((entry) => entry.database === '*' && entry.table === '*' && (entry.privileges.includes(privilege) || entry.privileges.includes('ALL')));
}

export function missingOnDatabase(grants: ParsedGrants, privileges: readonly string[], database: string): string[] {
  return privileges.filter((privilege) => !holdsOnDatabase(grants, privilege, database));
}

/** 'user'@'host' from CURRENT_USER()'s user@host. */
export function accountName(currentUser: string): string {
  const at = currentUser.lastIndexOf('@');
  const user = at < 0 ? currentUser : currentUser.slice(0, at);
  const host = at < 0 ? '%' : currentUser.slice(at + 1);
  return `'${user.replace(/'/g, "''")}'@'${host.replace(/'/g, "''")}'`;
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
export const ROW_BYTES = 150;
/** Row, key and page overhead of a feature row beyond the feature's bytes (~2.2 KB for 2000-byte features). */
export const FEATURE_OVERHEAD_BYTES = 200;

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

export function connectionCheck(facts: DoctorFacts): Check {
  const offered = /^YES$/i.test(facts.variables.have_ssl ?? '');
  const tls = facts.tlsCipher ? `TLS (${facts.tlsCipher})` : `not encrypted${offered ? ' (the server offers TLS: --ssl-mode REQUIRED or VERIFY_CA)' : ''}`;
  return { name: 'connection', level: 'ok', detail: `${facts.where} as ${facts.currentUser}; ${tls}` };
}

export function serverCheck(facts: DoctorFacts): Check {
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

export function databaseCheck(facts: DoctorFacts, plan: DoctorPlan): Check {
  return facts.databaseExists
    ? { name: 'database', level: 'ok', detail: `${plan.database} exists` }
    : { name: 'database', level: 'warning', detail: `${plan.database} does not exist yet: prepare creates it (needs CREATE), run does not` };
}

export function privilegeChecks(facts: DoctorFacts, plan: DoctorPlan, grants: ParsedGrants | null): Check[] {
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

export function performanceSchemaCheck(facts: DoctorFacts): Check {
  const value = facts.variables.performance_schema;
  if (value === undefined) return { name: 'performance_schema', level: 'ok', detail: 'not available on this server: --stage-profile uses the SET profiling fallback' };
  return isOn(value)
    ? { name: 'performance_schema', level: 'ok', detail: 'ON: --stage-profile reads stage timings from it' }
    : { name: 'performance_schema', level: 'ok', detail: 'OFF: --stage-profile uses the SET profiling fallback (performance_schema=ON in the server config and a restart to change)' };
}

export function connectionsCheck(facts: DoctorFacts, plan: DoctorPlan, grants: ParsedGrants | null): Check {
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

export function diskCheck(facts: DoctorFacts, plan: DoctorPlan): Check {
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

export function durabilityCheck(facts: DoctorFacts): Check {
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

export function queryCacheCheck(facts: DoctorFacts): Check {
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

export function bufferPoolCheck(facts: DoctorFacts, plan: DoctorPlan, dataBytes = estimateData(plan).bytes): Check {
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

/** Every check of `innobench doctor`, in the order they are shown. */
export function doctorChecks(facts: DoctorFacts, plan: DoctorPlan): Check[] {
  const grants = facts.grants ? parseGrants(facts.grants) : null;
  return [
    connectionCheck(facts),
    serverCheck(facts),
    databaseCheck(facts, plan),
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

// ---------------------------------------------------------------------------------------------
// Reading the facts (I/O)

/** Variables the checks read. */
export const DOCTOR_VARIABLES = [
  'version',
  'version_comment',
  'performance_schema',
  'max_connections',
  'max_user_connections',
  'innodb_flush_log_at_trx_commit',
  'query_cache_type',
  'query_cache_size',
  'innodb_buffer_pool_size',
  'datadir',
  'have_ssl',
];

export interface GatherOptions {
  database: string;
  /** The library (or comma-separated libraries) whose tables' size counts as already there. */
  flag?: string;
  /** How the connection is shown. */
  where: string;
  /** The server runs on this machine (local host or socket): its datadir's free space can be read. */
  local: boolean;
}

export async function gatherFacts(control: PromiseConnection, options: GatherOptions): Promise<DoctorFacts> {
  const [whoRows] = await control.query('SELECT CURRENT_USER() AS account');
  const currentUser = String((whoRows as Array<{ account: string }>)[0]?.account ?? 'unknown');
  const [variableRows] = await control.query(`SHOW GLOBAL VARIABLES WHERE Variable_name IN (${DOCTOR_VARIABLES.map(() => '?').join(',')})`, DOCTOR_VARIABLES);
  const variables: Record<string, string> = {};
  for (const row of variableRows as Array<{ Variable_name: string; Value: string }>) variables[row.Variable_name.toLowerCase()] = String(row.Value);
  const [threadRows] = await control.query("SHOW GLOBAL STATUS LIKE 'Threads_connected'");
  const connected = Number((threadRows as Array<{ Value: string }>)[0]?.Value ?? 1);
  const [cipherRows] = await control.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
  const tlsCipher = String((cipherRows as Array<{ Value?: string }>)[0]?.Value ?? '');

  let grants: string[] | null = null;
  let grantsError: string | undefined;
  try {
    const [rows] = await control.query('SHOW GRANTS');
    grants = (rows as Array<Record<string, string>>).map((row) => String(Object.values(row)[0] ?? ''));
  } catch (error) {
    grantsError = error instanceof Error ? error.message.split('\n')[0] : String(error);
  }

  const [schemaRows] = await control.query('SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [options.database]);
  const databaseExists = Number((schemaRows as Array<{ n: number }>)[0]?.n ?? 0) > 0;

  let libraryBytes = 0;
  // One flag, or several (`--flags a,b,c` runs one library per worker group).
  for (const flag of databaseExists ? (options.flag ?? '').split(',').filter(Boolean) : []) {
    const tables = libraryTables(flag, []);
    const names = [tables.group, tables.member, tables.image, tables.person, tables.groupMember, tables.groupCount];
    const [sizeRows] = await control.query(
      `SELECT TABLE_NAME AS name, COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0) AS bytes FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND (TABLE_NAME IN (?) OR TABLE_NAME LIKE ?)`,
      [options.database, names, `feature\\_${flag.replace(/_/g, '\\_')}\\_%`],
    );
    const feature = new RegExp(`^feature_${escapeRegex(flag)}_\\d+$`);
    for (const row of sizeRows as Array<{ name: string; bytes: number }>) if (names.includes(row.name) || feature.test(row.name)) libraryBytes += Number(row.bytes);
  }

  let disk: DoctorFacts['disk'];
  const datadir = variables.datadir;
  if (!options.local) disk = { unknown: 'the server is not on this machine' };
  else if (!datadir) disk = { unknown: 'the server does not say where its datadir is' };
  else {
    try {
      const stats = statfsSync(datadir);
      disk = { path: datadir, freeBytes: Number(stats.bavail) * Number(stats.bsize) };
    } catch (error) {
      disk = { unknown: `cannot read ${datadir} here (${(error as NodeJS.ErrnoException).code ?? 'error'}): a server in a container or on another host` };
    }
  }

  const facts: DoctorFacts = {
    where: options.where,
    tlsCipher,
    currentUser,
    version: variables.version ?? 'unknown',
    versionComment: variables.version_comment ?? '',
    variables,
    grants,
    databaseExists,
    otherConnections: Math.max(0, connected - 1),
    disk,
    libraryBytes,
  };
  if (grantsError !== undefined) facts.grantsError = grantsError;
  return facts;
}

/** Whether a connection reaches a server on this machine (so its datadir path means something here). */
export function isLocalServer(connection: { host: string; socket?: string }): boolean {
  return Boolean(connection.socket) || ['127.0.0.1', 'localhost', '::1', '0.0.0.0'].includes(connection.host.toLowerCase());
}

export interface PreRunPlan {
  scenario: ScenarioProfile;
  workers: number;
  /** Connections besides the workers: HARNESS_CONNECTIONS plus every hook's. */
  harnessConnections: number;
  /** The library the run uses, or several comma-separated (their size is compared with the buffer pool for warm reads). */
  flag?: string;
}

export class DoctorRefusal extends Error {}

/** Side-effect-free statements whose privilege check is the privilege's: EXPLAIN checks, never runs. */
const PRIVILEGE_PROBES: Record<string, (table: string) => string> = {
  SELECT: (table) => `EXPLAIN SELECT 1 FROM ${table} LIMIT 0`,
  INSERT: (table) => `EXPLAIN INSERT INTO ${table} SELECT * FROM ${table} LIMIT 0`,
  DELETE: (table) => `EXPLAIN DELETE FROM ${table} WHERE 1 = 0`,
};
const ACCESS_DENIED_ERRNOS = new Set([1044, 1142, 1143]);

/**
 * SHOW GRANTS can miss privileges (MySQL 8 roles, which it lists without their privileges): each
 * privilege it does not show is tried with an EXPLAIN on one of the library's tables. 'held' when
 * every one is, 'denied' when one is refused, 'unknown' when the probe cannot tell (no such table).
 */
export async function probeRunPrivileges(control: PromiseConnection, missing: readonly string[], tables: readonly string[]): Promise<'held' | 'denied' | 'unknown'> {
  let unknown = false;
  let tried = 0;
  for (const table of tables) {
    const quoted = '`' + table.replace(/`/g, '``') + '`';
    for (const privilege of missing) {
      const probe = PRIVILEGE_PROBES[privilege];
      if (!probe) {
        unknown = true;
        continue;
      }
      try {
        await control.query(probe(quoted));
        tried++;
      } catch (error) {
        const errno = Number((error as { errno?: number }).errno);
        if (ACCESS_DENIED_ERRNOS.has(errno)) return 'denied';
        // 1146: no such table (this design or version does not have it): it tells nothing.
        if (errno !== 1146) unknown = true;
      }
    }
  }
  return unknown || tried === 0 ? 'unknown' : 'held';
}

/**
 * At the start of every run, on the run's control connection: prints each warning (one line each)
 * and throws a DoctorRefusal, one line naming every error, when the run cannot go right (missing
 * privileges, too few connections). Prints nothing when all is well.
 */
export async function preRunDoctor(control: PromiseConnection, plan: PreRunPlan, log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<Check[]> {
  const [dbRows] = await control.query('SELECT DATABASE() AS db');
  const database = String((dbRows as Array<{ db: string | null }>)[0]?.db ?? '');
  const facts = await gatherFacts(control, { database, ...(plan.flag ? { flag: plan.flag } : {}), where: '', local: false });
  const checks = preRunChecks(facts, {
    scenario: plan.scenario,
    database,
    workers: plan.workers,
    harnessConnections: plan.harnessConnections,
    scale: { groups: 0, members: 0, images: 0 },
    versions: 1,
    withFeatures: false,
    featureBytes: 2000,
  });
  // A refusal must be certain: what SHOW GRANTS does not show is tried on the library's own table.
  const run = checks.find((check) => check.name === 'privileges: run');
  if (run && run.level !== 'ok' && facts.grants && plan.flag) {
    const missing = missingOnDatabase(parseGrants(facts.grants), needsOf(plan.scenario).run, database);
    const tables = plan.flag.split(',').filter(Boolean).flatMap((flag) => {
      const library = libraryTables(flag, [1]);
      return [library.member, library.image, library.features.get(1)!];
    });
    const verdict = await probeRunPrivileges(control, missing, tables);
    if (verdict === 'held') {
      run.level = 'ok';
      run.detail = `${needsOf(plan.scenario).run.join(', ')}: ${missing.join(', ')} held on the library's tables (per-table grants, a role or PUBLIC), though not on the whole database`;
    } else if (verdict === 'denied') run.level = 'error';
  }
  for (const check of checks) if (check.level === 'warning') log(`doctor: warning: ${check.name}: ${check.detail}`);
  const errors = checks.filter((check) => check.level === 'error');
  if (errors.length) throw new DoctorRefusal(errors.map((check) => `${check.name}: ${check.detail}`).join('; '));
  return checks;
}
