/**
 * Real errors from both drivers land in the same classes, under the same keys: the worker loop's
 * retry policy must not depend on which driver runs. Each error is provoked on a real server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DRIVERS, type ConnectionOptions } from '../../src/config/connection.js';
import { connectControl } from '../../src/db/connect.js';
import { connectWorker } from '../../src/db/drivers/index.js';
import { classifyError, errorKey } from '../../src/db/errors.js';
import { queryRows, readRows, writeRow, type WorkerConnection } from '../../src/db/workerConnection.js';
import { SERVER, adminQuery, createTestDatabase, type TestDatabase } from '../helpers.js';

let db: TestDatabase;
let options: ConnectionOptions;

before(async () => {
  db = await createTestDatabase();
  options = { host: SERVER.host, port: SERVER.port, user: SERVER.user, password: SERVER.password, database: db.name };
  await adminQuery('CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB', [], db.name);
  await adminQuery('INSERT INTO t VALUES (1, 0)', [], db.name);
});

after(async () => {
  await db?.drop();
});

async function failure(attempt: Promise<unknown>): Promise<unknown> {
  return attempt.then(
    () => assert.fail('the statement should have failed'),
    (error: unknown) => error,
  );
}

for (const driver of DRIVERS) {
  describe(`errors on ${driver}`, () => {
    let worker: WorkerConnection;
    before(async () => {
      worker = await connectWorker({ ...options, driver });
    });
    after(async () => {
      await worker.end();
    });

    test('a lock wait timeout (1205) is lock-wait-timeout', async () => {
      const holder = await connectControl(options);
      try {
        await holder.query('START TRANSACTION');
        await holder.query('UPDATE t SET v = v + 1 WHERE id = 1');
        await queryRows(worker, 'SET SESSION innodb_lock_wait_timeout = 1');
        const error = await failure(writeRow(worker, 'UPDATE t SET v = v + 1 WHERE id = ?', [1]));
        assert.equal(classifyError(error), 'lock-wait-timeout');
        assert.equal(errorKey(error), '1205 ER_LOCK_WAIT_TIMEOUT');
      } finally {
        await holder.query('ROLLBACK');
        await holder.end();
      }
    });

    test('a duplicate key (1062) and a syntax error (1064) are other, keyed by errno and name', async () => {
      const duplicate = await failure(writeRow(worker, 'INSERT INTO t VALUES (?, ?)', [1, 0]));
      assert.equal(classifyError(duplicate), 'other');
      assert.equal(errorKey(duplicate), '1062 ER_DUP_ENTRY');
      const syntax = await failure(queryRows(worker, 'SELEC 1'));
      assert.equal(classifyError(syntax), 'other');
      assert.equal(errorKey(syntax), '1064 ER_PARSE_ERROR');
    });

    test('a connection killed by the server, and one destroyed here, are connection-lost', async () => {
      const victim = await connectWorker({ ...options, driver });
      await adminQuery(`KILL CONNECTION ${victim.threadId}`);
      const killed = await failure(readRows(victim, 'SELECT v FROM t WHERE id = ?', [1]));
      assert.equal(classifyError(killed), 'connection-lost', `${errorKey(killed)}: ${String(killed)}`);
      victim.destroy();
      const destroyed = await connectWorker({ ...options, driver });
      destroyed.destroy();
      const afterDestroy = await failure(readRows(destroyed, 'SELECT v FROM t WHERE id = ?', [1]));
      assert.equal(classifyError(afterDestroy), 'connection-lost', `${errorKey(afterDestroy)}: ${String(afterDestroy)}`);
    });
  });
}
