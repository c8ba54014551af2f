/** What the server is and how it is set, recorded at the start of every run. */
import type { PromiseConnection } from './connect.js';

export interface ServerSnapshot {
  version: string;
  flavour: 'MariaDB' | 'MySQL';
  variables: Record<string, string>;
}

export const SNAPSHOT_VARIABLES = [
  'version',
  'version_comment',
  'innodb_log_file_size',
  'innodb_redo_log_capacity',
  'innodb_log_files_in_group',
  'innodb_buffer_pool_size',
  'innodb_flush_log_at_trx_commit',
  'innodb_flush_method',
  'innodb_doublewrite',
  'innodb_io_capacity',
  'innodb_autoinc_lock_mode',
  'sync_binlog',
  'log_bin',
  'max_connections',
  'performance_schema',
  'transaction_isolation',
  'tx_isolation',
];

export async function serverSnapshot(connection: PromiseConnection): Promise<ServerSnapshot> {
  const placeholders = SNAPSHOT_VARIABLES.map(() => '?').join(',');
  const [rows] = await connection.query(
    // SHOW works on MariaDB and MySQL alike; information_schema.GLOBAL_VARIABLES is gone in MySQL 8.
    `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${placeholders})`,
    SNAPSHOT_VARIABLES,
  );
  const variables: Record<string, string> = {};
  for (const row of rows as Array<{ Variable_name: string; Value: string }>) variables[row.Variable_name.toLowerCase()] = row.Value;
  const version = variables.version ?? 'unknown';
  const flavour = /mariadb/i.test(`${version} ${variables.version_comment ?? ''}`) ? 'MariaDB' : 'MySQL';
  return { version, flavour, variables };
}
