/**
 * One place decides what an error means for a run, the same for every scenario (sysbench's
 * ignorable / reconnect / fatal split): a deadlock or lock-wait timeout rolls back and retries the
 * whole transaction; a lost connection is re-established; anything else is counted by code.
 */

const ER_LOCK_DEADLOCK = 1213;
const ER_LOCK_WAIT_TIMEOUT = 1205;
/**
 * MariaDB reports a deadlock victim that was waiting for a table's AUTO-INC lock as "failed to
 * read auto-increment value" instead of 1213 (seen live on 10.11), so it is a deadlock too.
 */
const ER_AUTOINC_READ_FAILED = 1467;

export const ER_CON_COUNT_ERROR = 1040;
/** The code of the harness's own pool timeout (mysql2's getConnection has none; pool-check adds one). */
export const POOL_TIMEOUT = 'POOL_TIMEOUT';

export type ErrorClass = 'deadlock' | 'lock-wait-timeout' | 'connection-lost' | 'too-many-connections' | 'pool-timeout' | 'other';

const CONNECTION_LOST_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_QUERY_INTERRUPTED',
  // The mariadb connector's own codes (errno 45xxx) for a socket that closed under a command or before it.
  'ER_SOCKET_UNEXPECTED_CLOSE',
  'ER_CMD_CONNECTION_CLOSED',
  'ER_CONNECTION_ALREADY_CLOSED',
  'ER_SOCKET_TIMEOUT',
]);
// 2006 "server has gone away", 2013 "lost connection during query", 1927 "connection killed" (MariaDB),
// 1053 "server shutdown in progress".
const CONNECTION_LOST_ERRNOS = new Set([2006, 2013, 1927, 1053]);

interface DriverError {
  errno?: number;
  code?: string;
  fatal?: boolean;
}

export function classifyError(error: unknown): ErrorClass {
  const e = error as DriverError;
  if (e.errno === ER_LOCK_DEADLOCK || e.errno === ER_AUTOINC_READ_FAILED) return 'deadlock';
  if (e.errno === ER_LOCK_WAIT_TIMEOUT) return 'lock-wait-timeout';
  // Both only ever come from opening a connection (a handshake error, which both drivers mark fatal),
  // never from a query on an open one: checked before `fatal` so that they keep their own names.
  if (e.errno === ER_CON_COUNT_ERROR || e.code === 'ER_CON_COUNT_ERROR') return 'too-many-connections';
  if (e.code === POOL_TIMEOUT) return 'pool-timeout';
  if (e.fatal || (e.code && CONNECTION_LOST_CODES.has(e.code)) || (e.errno && CONNECTION_LOST_ERRNOS.has(e.errno))) {
    return 'connection-lost';
  }
  return 'other';
}

/**
 * A Galera conflict the client can tell for certain: errno 1213 returned by COMMIT. InnoDB reports
 * its own deadlocks on the statement that waits, never at COMMIT; on a Galera node a COMMIT fails
 * with the same errno and text ("Deadlock found …") when the transaction failed certification or
 * was brute-force aborted by a replicated write. A 1213 on a statement may be either kind: the
 * nodes' Innodb_deadlocks and wsrep_local_cert_failures / wsrep_local_bf_aborts split those.
 */
export function isCommitConflict(error: unknown): boolean {
  const e = error as DriverError & { sql?: string };
  return e.errno === ER_LOCK_DEADLOCK && typeof e.sql === 'string' && /^\s*COMMIT\b/i.test(e.sql);
}

/** The key an error is counted under: the server's errno where there is one, else the driver's code. */
export function errorKey(error: unknown): string {
  const e = error as DriverError;
  if (e.errno && e.errno > 0 && e.errno < 2000 && e.code) return `${e.errno} ${e.code}`;
  return e.code ?? (e.errno ? String(e.errno) : 'unknown');
}

/**
 * One line for a person, naming the cause and what to do, for the errors people meet before a run
 * starts (unreachable server, bad credentials, missing privilege).
 */
export function explainConnectError(error: unknown, where: string): string {
  const e = error as DriverError & { message?: string };
  switch (e.code) {
    case 'ECONNREFUSED':
      return `cannot connect to ${where}: connection refused (is the server running? scripts/setup-mariadb.sh starts a local one)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot connect to ${where}: host not found`;
    case 'ETIMEDOUT':
      return `cannot connect to ${where}: timed out`;
    case 'ENOENT':
      return `cannot connect to ${where}: no such socket file`;
    case 'ER_ACCESS_DENIED_ERROR':
      return `cannot connect to ${where}: access denied (wrong user or password)`;
    case 'ER_DBACCESS_DENIED_ERROR':
      return `cannot use the database at ${where}: access denied (GRANT ALL ON <database>.* TO the user)`;
    case 'ER_SPECIFIC_ACCESS_DENIED_ERROR':
    case 'ER_TABLEACCESS_DENIED_ERROR':
      return `not enough privileges at ${where}: ${firstLine(e.message)}`;
    default:
      return `cannot connect to ${where}: ${firstLine(e.message) || e.code || 'unknown error'}`;
  }
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0] ?? '';
}

/** An error's message, for a line of output (a thrown non-Error as text). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
