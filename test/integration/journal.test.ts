/**
 * The journal's API on the shared server, in a database of its own: option files kept beside
 * themselves and put back, one holder of the server-state lock at a time, and an index added by a
 * process that died, found and dropped by restoreLeftovers. Nothing here changes a global.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminQuery, createTestDatabase, SERVER, tempDir, type TestDatabase } from '../helpers.js';
import type { ConnectionOptions } from '../../src/config/connection.js';
import { JournalBusy, LeftoverChanges, ORIGINAL_SUFFIX, ServerJournal } from '../../src/serverState/journal.js';
import { restoreLeftovers } from '../../src/serverState/leftovers.js';
import { JOURNAL_TABLE } from '../../src/serverState/journalTable.js';

let db: TestDatabase;
let options: ConnectionOptions;
let dir: ReturnType<typeof tempDir>;

async function journalRows(): Promise<Array<{ kind: string; owner_connection: number }>> {
  return adminQuery(`SELECT kind, owner_connection FROM ${JOURNAL_TABLE} ORDER BY id`, [], db.name);
}

before(async () => {
  db = await createTestDatabase();
  options = { ...SERVER, database: db.name };
  dir = tempDir('ib-test-journal-');
});

after(async () => {
  await db?.drop();
  dir?.remove();
});

test('an option file: the original kept beside it and put back; a new one removed', async () => {
  const journal = new ServerJournal(options);
  const existing = join(dir.path, '99-existing.cnf');
  writeFileSync(existing, '[mysqld]\nmax_connections = 99\n');
  const created = join(dir.path, '99-created.cnf');
  const replaced = await journal.replaceFile(existing, '[mysqld]\nmax_connections = 500\n', 'max_connections = 500');
  const made = await journal.replaceFile(created, '[mysqld]\ninnodb_log_file_size = 1G\n', 'innodb_log_file_size = 1G');
  assert.equal(readFileSync(existing, 'utf8'), '[mysqld]\nmax_connections = 500\n');
  assert.equal(readFileSync(existing + ORIGINAL_SUFFIX, 'utf8'), '[mysqld]\nmax_connections = 99\n');
  assert.deepEqual((await journalRows()).map((row) => row.kind), ['option-file', 'option-file']);
  assert.match(replaced.description, /original kept as .*99-existing\.cnf\.innobench-orig/);
  assert.match(made.description, /created by innobench/);

  await journal.restoreAll(() => undefined);
  assert.equal(readFileSync(existing, 'utf8'), '[mysqld]\nmax_connections = 99\n');
  assert.equal(existsSync(existing + ORIGINAL_SUFFIX), false);
  assert.equal(existsSync(created), false);
  assert.deepEqual(await journalRows(), []);
});

test('one holder at a time: a second journal is refused, naming the first and its change, until the first is done', async () => {
  const first = new ServerJournal(options);
  const second = new ServerJournal(options);
  await adminQuery('CREATE TABLE t (id INT PRIMARY KEY, v INT)', [], db.name);
  const entry = await first.record({ kind: 'index', description: `ix_v on ${db.name}.t`, undoSql: [`DROP INDEX ix_v ON \`${db.name}\`.t`] });
  await adminQuery('CREATE INDEX ix_v ON t (v)', [], db.name);
  await assert.rejects(second.acquire(), (error: unknown) => {
    assert.ok(error instanceof JournalBusy);
    assert.match(error.message, /another innobench, `innobench[^`]*` \(pid \d+ on \S+\), holds changes on this server: ix_v on ib_test_\w+\.t/);
    return true;
  });
  await first.restore(entry);
  const indexes = await adminQuery<unknown[]>("SHOW INDEX FROM t WHERE Key_name = 'ix_v'", [], db.name);
  assert.equal(indexes.length, 0, 'the undo dropped the index');
  await second.acquire();
  await second.restoreAll(() => undefined);
});

test('a dead owner\'s entries: a new holder is refused; restoreLeftovers applies and clears them', async () => {
  await adminQuery('CREATE INDEX ix_dead ON t (v)', [], db.name);
  // As a killed process leaves it: its connection (id 0 never exists) holds no lock.
  await adminQuery(
    `INSERT INTO ${JOURNAL_TABLE} (owner_host, owner_pid, owner_connection, command, kind, description, undo_sql) VALUES ('h', 1, 0, 'innobench index-check', 'index', 'ix_dead', ?)`,
    [JSON.stringify([`DROP INDEX ix_dead ON \`${db.name}\`.t`])],
    db.name,
  );
  await assert.rejects(new ServerJournal(options).acquire(), (error: unknown) => error instanceof LeftoverChanges && /`innobench index-check` \(pid 1 on h.*\n\s+index: ix_dead/.test(error.message));
  const dry = await restoreLeftovers(options, 'dry-run');
  assert.deepEqual(dry.map((outcome) => outcome.detail), [`DROP INDEX ix_dead ON \`${db.name}\`.t`]);
  assert.equal((await journalRows()).length, 1, 'a dry run changes nothing');
  const outcomes = await restoreLeftovers(options, 'restore');
  assert.deepEqual(outcomes.map((outcome) => [outcome.ok, outcome.detail]), [[true, 'restored']]);
  assert.deepEqual(await adminQuery<unknown[]>("SHOW INDEX FROM t WHERE Key_name = 'ix_dead'", [], db.name), []);
  assert.deepEqual(await journalRows(), []);
});

test("'forget' takes a dead owner's entries out without applying them", async () => {
  await adminQuery('CREATE INDEX ix_kept ON t (v)', [], db.name);
  await adminQuery(
    `INSERT INTO ${JOURNAL_TABLE} (owner_host, owner_pid, owner_connection, command, kind, description, undo_sql) VALUES ('h', 1, 0, 'innobench index-check', 'index', 'ix_kept', ?)`,
    [JSON.stringify([`DROP INDEX ix_kept ON \`${db.name}\`.t`])],
    db.name,
  );
  const outcomes = await restoreLeftovers(options, 'forget');
  assert.deepEqual(outcomes.map((outcome) => [outcome.ok, outcome.detail]), [[true, 'forgotten']]);
  assert.equal((await adminQuery<unknown[]>("SHOW INDEX FROM t WHERE Key_name = 'ix_kept'", [], db.name)).length, 1, 'not applied');
  assert.deepEqual(await journalRows(), []);
});
