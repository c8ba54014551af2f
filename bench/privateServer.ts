/**
 * The benches' private MariaDBs (scripts/private-mariadb.sh), prepared with the small library:
 * never the shared server.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, PROJECT_ROOT, runChild, sh } from './common.js';

const CLI = join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js');
export const SCRIPT = join(PROJECT_ROOT, 'scripts', 'private-mariadb.sh');

export const SERVER_KINDS = ['memory', 'disk'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

/**
 * A private MariaDB for one part of the bench, prepared with the small library. `disk`: its data on
 * a loop device of its own (4 GiB, ext4, on this machine's disk), buffer pool 256M, redo 48M, the
 * positive control's server, which a blkio throttle can make disk-bound. `memory`: its data in
 * /dev/shm, buffer pool and redo 2G: what is left is CPU, so the A/A measures the harness's and
 * the method's noise rather than the shared disk's under this VM.
 */
export async function startServer(parent: string, kind: ServerKind, library: readonly string[] = ['--scale', 'small']): Promise<{ dir: string; connection: string[]; description: string }> {
  const dir = kind === 'memory' ? mkdtempSync(join('/dev/shm', 'ib-bench-settings-')) : join(parent, 'server-disk');
  const port = await freePort();
  const env = kind === 'memory' ? { ...process.env, IB_PRIVATE_BUFFER_POOL: '2G', IB_PRIVATE_REDO: '2G' } : { ...process.env, IB_PRIVATE_DISK: '4G', IB_PRIVATE_BUFFER_POOL: '256M', IB_PRIVATE_REDO: '48M' };
  const started = sh(SCRIPT, ['start', dir, String(port)], env);
  if (started.status !== 0) throw new Error(`the private server (${kind}) did not start: ${started.stderr}`);
  const connection = ['--host', '127.0.0.1', '--port', String(port), '--user', 'root', '--database', 'ib_bench'];
  const prepared = await runChild(process.execPath, [CLI, 'prepare', 'insert-features', ...library, ...connection], { env: { ...process.env, MYSQL_PWD: '' } });
  if (prepared.code !== 0) {
    sh(SCRIPT, ['remove', dir]);
    throw new Error(`prepare on the private server (${kind}) failed`);
  }
  const description = kind === 'memory' ? 'private server, data in memory (CPU-bound)' : 'private server, data on a loop disk (48M redo)';
  return { dir, connection, description };
}

