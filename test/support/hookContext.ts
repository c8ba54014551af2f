/**
 * A run hook's context on a throw-away database of a given server, for the hook tests: the
 * database and a run folder are made for the body and removed after it, whatever it does.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysqlPromise, { type Connection } from 'mysql2/promise';
import { RunFolder } from '../../src/results/runFolder.js';
import type { HookContext } from '../../src/engine/runHooks.js';

export interface ServerLogin {
  host: string;
  port: number;
  user: string;
  password: string;
}

export async function withHookDatabase(server: ServerLogin, body: (ctx: HookContext, admin: Connection) => Promise<void>): Promise<void> {
  const database = `ib_test_${randomBytes(5).toString('hex')}`;
  const admin = await mysqlPromise.createConnection(server);
  await admin.query(`CREATE DATABASE \`${database}\``);
  await admin.query(`USE \`${database}\``);
  const dir = mkdtempSync(join(tmpdir(), 'ib-stages-'));
  try {
    await body({ connection: { ...server, database }, folder: RunFolder.create(dir, 'run'), options: {}, scenario: 'test', log: () => undefined }, admin);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}
