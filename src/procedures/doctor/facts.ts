/** Reading the doctor's facts from the server (I/O; the checks that judge them are pure, checks.ts). */
import { statfsSync } from 'node:fs';
import type { PromiseConnection } from '../../db/connect.js';
import { libraryTables } from '../../schema/tables.js';
import type { DoctorFacts } from './checks.js';
import { describeLeftovers, leftoverEntries } from '../../serverState/journalTable.js';

/** Variables the checks read. */
const DOCTOR_VARIABLES = [
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
    const featurePrefix = `feature_${flag}_`;
    const isFeature = (name: string): boolean => name.startsWith(featurePrefix) && /^\d+$/.test(name.slice(featurePrefix.length));
    for (const row of sizeRows as Array<{ name: string; bytes: number }>) if (names.includes(row.name) || isFeature(row.name)) libraryBytes += Number(row.bytes);
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

  // Read on the doctor's connection, which has no database selected (it also runs before it exists).
  const leftovers = databaseExists ? describeLeftovers(await leftoverEntries(control, options.database).catch(() => [])) : [];

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
    leftovers,
  };
  if (grantsError !== undefined) facts.grantsError = grantsError;
  return facts;
}

/** Whether a connection reaches a server on this machine (so its datadir path means something here). */
export function isLocalServer(connection: { host: string; socket?: string }): boolean {
  return Boolean(connection.socket) || ['127.0.0.1', 'localhost', '::1', '0.0.0.0'].includes(connection.host.toLowerCase());
}

