/**
 * The 3-node Galera cluster of scripts/galera-cluster.sh, for the cluster tests (`npm run
 * test:cluster`): brought up when it is not (idempotent), queried per node as root over TCP.
 * The tests share it and leave it running; `bash scripts/galera-cluster.sh down` stops it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import mysqlPromise, { type Connection } from 'mysql2/promise';
import { ROOT } from '../helpers.js';

export const GALERA_SCRIPT = join(ROOT, 'scripts', 'galera-cluster.sh');
export const NODE_PORTS = [3311, 3312, 3313] as const;

/** Why the cluster tests cannot run here, or false when they can. */
export function galeraSkipReason(): string | false {
  if (process.env.IB_SKIP_CLUSTER) return 'IB_SKIP_CLUSTER is set';
  if (!existsSync('/usr/lib/galera/libgalera_smm.so') && !existsSync('/usr/lib/libgalera_smm.so')) {
    return 'the Galera provider (galera-4) is not installed';
  }
  return false;
}

export interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function galeraScript(command: 'up' | 'down' | 'status'): ScriptResult {
  const result = spawnSync('bash', [GALERA_SCRIPT, command], { encoding: 'utf8', timeout: 300_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function describeScript(result: ScriptResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

/** Brings the cluster up (a no-op when it is) and fails loudly when it cannot. */
export function ensureCluster(): void {
  const result = galeraScript('up');
  if (result.code !== 0) throw new Error(`galera-cluster.sh up failed\n${describeScript(result)}`);
}

export function nodeConnection(port: number, database?: string): Promise<Connection> {
  return mysqlPromise.createConnection({ host: '127.0.0.1', port, user: 'root', password: '', ...(database ? { database } : {}), connectTimeout: 5000 });
}

export async function nodeQuery<T = unknown>(port: number, sql: string, params: unknown[] = [], database?: string): Promise<T> {
  const connection = await nodeConnection(port, database);
  try {
    const [rows] = await connection.query(sql, params);
    return rows as T;
  } finally {
    await connection.end();
  }
}

export async function nodeStatus(port: number, name: string): Promise<string> {
  const rows = await nodeQuery<Array<{ Value: string }>>(port, 'SHOW GLOBAL STATUS LIKE ?', [name]);
  return String(rows[0]?.Value ?? '');
}

/** The pid of node N (1-based) from its pid file, or null. */
export function nodePid(node: number): number | null {
  const dir = process.env.GALERA_DIR ?? '/tmp/innobench-galera';
  const result = spawnSync('cat', [join(dir, `node${node}`, 'mariadbd.pid')], { encoding: 'utf8' });
  const pid = Number(result.stdout.trim());
  return result.status === 0 && pid > 0 ? pid : null;
}
