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
  const variables = await doctorVariables(control);
  const [threadRows] = await control.query("SHOW GLOBAL STATUS LIKE 'Threads_connected'");
  const connected = Number((threadRows as Array<{ Value: string }>)[0]?.Value ?? 1);
  const [cipherRows] = await control.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
  const tlsCipher = String((cipherRows as Array<{ Value?: string }>)[0]?.Value ?? '');
  const { grants, grantsError } = await readGrants(control);
  const [schemaRows] = await control.query('SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [options.database]);
  const databaseExists = Number((schemaRows as Array<{ n: number }>)[0]?.n ?? 0) > 0;
  const libraryBytes = databaseExists ? await librarySize(control, options) : 0;
  const disk = freeDisk(options.local, variables.datadir);
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

async function doctorVariables(control: PromiseConnection): Promise<Record<string, string>> {
  const [variableRows] = await control.query(`SHOW GLOBAL VARIABLES WHERE Variable_name IN (${DOCTOR_VARIABLES.map(() => '?').join(',')})`, DOCTOR_VARIABLES);
  const variables: Record<string, string> = {};
  for (const row of variableRows as Array<{ Variable_name: string; Value: string }>) variables[row.Variable_name.toLowerCase()] = String(row.Value);
  return variables;
}

/** SHOW GRANTS, or why it could not be read (the checks then say they could not judge). */
async function readGrants(control: PromiseConnection): Promise<{ grants: string[] | null; grantsError?: string }> {
  try {
    const [rows] = await control.query('SHOW GRANTS');
    return { grants: (rows as Array<Record<string, string>>).map((row) => String(Object.values(row)[0] ?? '')) };
  } catch (error) {
    return { grants: null, grantsError: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  }
}

/** Bytes of the library's tables, feature tables included. One flag, or several (`--flags a,b,c` runs one library per worker group). */
async function librarySize(control: PromiseConnection, options: GatherOptions): Promise<number> {
  let libraryBytes = 0;
  for (const flag of (options.flag ?? '').split(',').filter(Boolean)) {
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
  return libraryBytes;
}

/** Free space under the datadir, when the server's paths mean something on this machine. */
function freeDisk(local: boolean, datadir: string | undefined): DoctorFacts['disk'] {
  if (!local) return { unknown: 'the server is not on this machine' };
  if (!datadir) return { unknown: 'the server does not say where its datadir is' };
  try {
    const stats = statfsSync(datadir);
    return { path: datadir, freeBytes: Number(stats.bavail) * Number(stats.bsize) };
  } catch (error) {
    return { unknown: `cannot read ${datadir} here (${(error as NodeJS.ErrnoException).code ?? 'error'}): a server in a container or on another host` };
  }
}

/** Whether a connection reaches a server on this machine (so its datadir path means something here). */
export function isLocalServer(connection: { host: string; socket?: string }): boolean {
  return Boolean(connection.socket) || ['127.0.0.1', 'localhost', '::1', '0.0.0.0'].includes(connection.host.toLowerCase());
}

