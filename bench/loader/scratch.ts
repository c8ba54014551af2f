/** Scratch databases and folders of the loader bench, removed at the end whatever happens. */
import { rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import type { ConnectionOptions } from '../../src/config/connection.js';
import { connectControl } from '../../src/db/connect.js';
import { q } from '../../src/schema/tables.js';
import { log } from './log.js';

export const scratch = { databases: new Set<string>(), dirs: new Set<string>() };

export function scratchName(label: string, side: string): string {
  return `ib_bench_loader_${randomBytes(3).toString('hex')}_${label}_${side}`.slice(0, 64);
}

export async function dropScratch(connection: ConnectionOptions, { keepDirs = false } = {}): Promise<void> {
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
