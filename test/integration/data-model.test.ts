/**
 * The data model as `prepare`, `cleanup` and `status` leave it on a live server: exact row counts
 * per design, features per version, the memberships variant's triggers (and their cascade
 * pitfall), idempotent and refused re-prepares, resuming after SIGKILL, and never touching a
 * table the harness did not create.
 *
 * Server: 127.0.0.1:3306, root, empty password (IB_TEST_HOST / IB_TEST_PORT / IB_TEST_USER /
 * IB_TEST_PASSWORD override). Every test uses its own `ib_t4_<random>` database and drops it.
 * The helpers are kept in this file on purpose.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { groupName } from '../../src/data/hierarchy.js';
import { adminConnection, adminQuery } from '../helpers.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

const SERVER = {
  host: process.env.IB_TEST_HOST ?? '127.0.0.1',
  port: Number(process.env.IB_TEST_PORT ?? 3306),
  user: process.env.IB_TEST_USER ?? 'root',
  password: process.env.IB_TEST_PASSWORD ?? '',
};

// ---------------------------------------------------------------------------------------------
// Helpers

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function connectionArgs(database: string): string[] {
  return ['--host', SERVER.host, '--port', String(SERVER.port), '--user', SERVER.user, '--database', database];
}

/** The CLI's environment: the password through MYSQL_PWD, nothing from the caller's MYSQL_* or ~/.my.cnf. */
function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('MYSQL_')) env[key] = value;
  env.MYSQL_PWD = SERVER.password;
  env.HOME = '/nonexistent-ib-t4';
  return env;
}

function runCli(args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function show(result: CliResult): string {
  return `exit ${result.code} ${result.signal ?? ''}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

function prepareArgs(database: string, flag: string, extra: string[]): string[] {
  return ['prepare', 'insert-features', '--flag', flag, ...connectionArgs(database), ...extra];
}

async function prepareOk(database: string, flag: string, extra: string[]): Promise<CliResult> {
  const result = await runCli(prepareArgs(database, flag, extra));
  assert.equal(result.code, 0, show(result));
  return result;
}

const databases = new Set<string>();

/** A fresh `ib_t4_<random>` name (created by the CLI, or by `createDatabase`), dropped after the file. */
function newDatabase(): string {
  const name = `ib_t4_${randomBytes(5).toString('hex')}`;
  databases.add(name);
  return name;
}

async function createDatabase(): Promise<string> {
  const name = newDatabase();
  await adminQuery(`CREATE DATABASE \`${name}\``);
  return name;
}

async function dropDatabase(name: string): Promise<void> {
  if (!/^ib_t4_[0-9a-f]+$/.test(name)) throw new Error(`refusing to drop ${name}`);
  await adminQuery(`DROP DATABASE IF EXISTS \`${name}\``);
  databases.delete(name);
}

after(async () => {
  for (const name of [...databases]) await dropDatabase(name);
});

/** Runs `body` with a connection to `database`, closed afterwards. */
async function withDb<T>(database: string, body: (db: Db) => Promise<T>): Promise<T> {
  const connection = await adminConnection(database);
  try {
    return await body(new Db(connection));
  } finally {
    await connection.end();
  }
}

class Db {
  constructor(readonly connection: mysql.Connection) {}

  async rows<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const [rows] = await this.connection.query(sql, params);
    return rows as T[];
  }

  async value(sql: string, params: unknown[] = []): Promise<number> {
    const [rows] = await this.connection.query({ sql, rowsAsArray: true }, params);
    return Number((rows as unknown[][])[0]?.[0]);
  }

  count(table: string, where = ''): Promise<number> {
    return this.value(`SELECT COUNT(*) FROM \`${table}\` ${where}`);
  }

  async tables(): Promise<string[]> {
    const rows = await this.rows<{ name: string }>('SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME');
    return rows.map((row) => row.name);
  }

  /** Exact row count of each of `tables`. */
  async counts(tables: string[]): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const table of tables) counts[table] = await this.count(table);
    return counts;
  }

  async library(flag: string): Promise<{ state: string; spec: Record<string, unknown> } | null> {
    const rows = await this.rows<{ state: string; spec: string }>('SELECT state, spec FROM innobench_libraries WHERE flag = ?', [flag]);
    const row = rows[0];
    return row ? { state: row.state, spec: JSON.parse(row.spec) as Record<string, unknown> } : null;
  }

  async createTableSql(table: string): Promise<string> {
    const rows = await this.rows<Record<string, string>>(`SHOW CREATE TABLE \`${table}\``);
    return rows[0]!['Create Table']!;
  }
}

const REGISTRY = ['innobench_libraries', 'innobench_objects'];

/** The tables of a flag's library with versions 1,2, and their exact counts at 3 × 5 × 4. */
function tinyExpectation(flag: string, features: boolean): Record<string, number> {
  return {
    [`group_${flag}`]: 3,
    [`member_${flag}`]: 15,
    [`image_${flag}`]: 60,
    [`feature_${flag}_1`]: features ? 60 : 0,
    [`feature_${flag}_2`]: features ? 60 : 0,
  };
}

const TINY = ['--groups', '3', '--members', '5', '--images', '4', '--versions', '1,2'];

const server = await adminQuery('SELECT 1').then(
  () => null,
  (error: unknown) => `no MariaDB/MySQL at ${SERVER.host}:${SERVER.port} (${error instanceof Error ? error.message : String(error)})`,
);

// ---------------------------------------------------------------------------------------------

describe('data model', { skip: server ?? false }, () => {
  for (const design of ['surrogate', 'natural', 'clustered'] as const) {
    test(`${design}: tiny prepare has exact counts in every table; --with-features one feature per image per version`, async () => {
      const database = newDatabase();
      await prepareOk(database, 'p', ['--design', design, ...TINY]);
      await prepareOk(database, 'f', ['--design', design, ...TINY, '--with-features']);
      await withDb(database, async (db) => {
        const plain = tinyExpectation('p', false);
        const withFeatures = tinyExpectation('f', true);
        assert.deepEqual(await db.tables(), [...Object.keys(plain), ...Object.keys(withFeatures), ...REGISTRY].sort());
        assert.deepEqual(await db.counts(Object.keys(plain)), plain);
        assert.deepEqual(await db.counts(Object.keys(withFeatures)), withFeatures);
        for (const flag of ['p', 'f']) {
          const library = await db.library(flag);
          assert.equal(library?.state, 'complete');
          assert.equal(library?.spec.design, design);
        }
        // Every member has its images, every group its members.
        const perParent =
          design === 'natural'
            ? [
                'SELECT COUNT(*) FROM (SELECT group_name, COUNT(*) AS n FROM member_f GROUP BY group_name HAVING n <> 5) x',
                'SELECT COUNT(*) FROM (SELECT group_name, member_name, COUNT(*) AS n FROM image_f GROUP BY group_name, member_name HAVING n <> 4) x',
              ]
            : [
                'SELECT COUNT(*) FROM (SELECT group_id, COUNT(*) AS n FROM member_f GROUP BY group_id HAVING n <> 5) x',
                'SELECT COUNT(*) FROM (SELECT member_id, COUNT(*) AS n FROM image_f GROUP BY member_id HAVING n <> 4) x',
              ];
        for (const sql of perParent) assert.equal(await db.value(sql), 0, sql);
        // Exactly one feature per image in each version: no image without, none twice, 2000 bytes each.
        const join =
          design === 'natural'
            ? 'f.group_name = i.group_name AND f.member_name = i.member_name AND f.file_id = i.file_id'
            : design === 'clustered'
              ? 'f.image_id = i.id AND f.member_id = i.member_id'
              : 'f.image_id = i.id';
        for (const version of [1, 2]) {
          const feature = `feature_f_${version}`;
          assert.equal(await db.value(`SELECT COUNT(*) FROM image_f i LEFT JOIN ${feature} f ON ${join} WHERE f.feature IS NULL`), 0, `images without a feature in ${feature}`);
          assert.equal(await db.value(`SELECT COUNT(*) FROM image_f i JOIN ${feature} f ON ${join}`), 60, `features matching an image in ${feature}`);
          assert.equal(await db.value(`SELECT COUNT(*) FROM ${feature} WHERE LENGTH(feature) <> 2000`), 0);
        }
      });
      await dropDatabase(database);
    });
  }

  test('a second prepare with the same spec is skipped; a different spec is refused and changes nothing', async () => {
    const database = newDatabase();
    await prepareOk(database, 's', TINY);
    const before = await withDb(database, (db) => db.counts(Object.keys(tinyExpectation('s', false))));

    const again = await prepareOk(database, 's', TINY);
    assert.match(again.stderr, /already prepared with this spec: nothing to do/);

    const different = await runCli(prepareArgs(database, 's', ['--groups', '3', '--members', '6', '--images', '4', '--versions', '1,2']));
    assert.notEqual(different.code, 0, show(different));
    assert.match(different.stderr, /clientFlag s was prepared with .*"members":5/);
    assert.match(different.stderr, /cleanup --flag s --yes/);
    await withDb(database, async (db) => {
      assert.deepEqual(await db.counts(Object.keys(before)), before);
      assert.equal((await db.library('s'))?.state, 'complete');
      assert.deepEqual((await db.library('s'))?.spec.scale, { groups: 3, members: 5, images: 4 });
    });
    await dropDatabase(database);
  });

  test('--memberships: triggers keep group_count on INSERT and DELETE; a person deleted by cascade makes it drift', async () => {
    const database = newDatabase();
    const refused = await runCli(prepareArgs(database, 'n', ['--design', 'natural', '--memberships', ...TINY]));
    assert.equal(refused.code, 2, show(refused));
    assert.match(refused.stderr, /--memberships needs a surrogate or clustered design/);

    await prepareOk(database, 'm', ['--memberships', ...TINY]);
    await withDb(database, async (db) => {
      assert.deepEqual(await db.tables(), [...Object.keys(tinyExpectation('m', false)), 'group_count_m', 'group_member_m', 'person_m', ...REGISTRY].sort());
      assert.deepEqual(await db.counts(Object.keys(tinyExpectation('m', false))), tinyExpectation('m', false));
      assert.equal(await db.count('person_m'), 15, 'one person per member');
      const memberships = await db.count('group_member_m');
      assert.ok(memberships >= 15 && memberships <= 30, `${memberships} memberships: each person in its own group and at most one other`);
      assert.equal(await db.value('SELECT COUNT(*) FROM person_m p JOIN member_m m ON m.name = p.name JOIN group_member_m gm ON gm.person_id = p.id AND gm.group_id = m.group_id'), 15);
      const triggers = await db.rows<{ name: string }>('SELECT TRIGGER_NAME AS name FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY TRIGGER_NAME');
      assert.deepEqual(triggers.map((t) => t.name), ['group_member_m_ad', 'group_member_m_ai']);

      /** group id → [stored count, actual memberships], for every group that has either. */
      const counts = async (): Promise<Map<number, [number, number]>> => {
        const rows = await db.rows<{ groupId: number; stored: number | null; actual: number }>(
          `SELECT g.id AS groupId, gc.count AS stored, (SELECT COUNT(*) FROM group_member_m gm WHERE gm.group_id = g.id) AS actual
           FROM group_m g LEFT JOIN group_count_m gc ON gc.group_id = g.id ORDER BY g.id`,
        );
        return new Map(rows.map((r) => [r.groupId, [Number(r.stored ?? 0), Number(r.actual)]]));
      };
      const assertRight = async (when: string): Promise<void> => {
        for (const [group, [stored, actual]] of await counts()) assert.equal(stored, actual, `group ${group} ${when}: group_count ${stored}, COUNT(*) ${actual}`);
        // And group_count holds no row for a group that does not exist.
        assert.equal(await db.value('SELECT COUNT(*) FROM group_count_m gc LEFT JOIN group_m g ON g.id = gc.group_id WHERE g.id IS NULL'), 0);
      };
      await assertRight('after prepare');

      // INSERT: a person joins a group it is not in yet.
      const [candidate] = await db.rows<{ personId: number; groupId: number }>(
        `SELECT p.id AS personId, g.id AS groupId FROM person_m p CROSS JOIN group_m g
         WHERE NOT EXISTS (SELECT 1 FROM group_member_m gm WHERE gm.person_id = p.id AND gm.group_id = g.id) ORDER BY p.id, g.id LIMIT 1`,
      );
      assert.ok(candidate, 'some person is not in every group');
      const storedBefore = (await counts()).get(candidate.groupId)![0];
      await db.rows('INSERT INTO group_member_m (group_id, person_id) VALUES (?, ?)', [candidate.groupId, candidate.personId]);
      assert.equal((await counts()).get(candidate.groupId)![0], storedBefore + 1);
      await assertRight('after INSERT');

      // DELETE of membership rows, one and several at once.
      await db.rows('DELETE FROM group_member_m WHERE group_id = ? AND person_id = ?', [candidate.groupId, candidate.personId]);
      await assertRight('after DELETE of one row');
      const [someGroup] = await db.rows<{ id: number }>('SELECT MIN(id) AS id FROM group_m');
      await db.rows('DELETE FROM group_member_m WHERE group_id = ? ORDER BY person_id LIMIT 2', [someGroup!.id]);
      await assertRight('after DELETE of two rows');

      // The seed's pitfall: deleting a person cascades to group_member, and no trigger fires.
      const [victim] = await db.rows<{ personId: number; n: number }>(
        'SELECT person_id AS personId, COUNT(*) AS n FROM group_member_m GROUP BY person_id ORDER BY n DESC, person_id LIMIT 1',
      );
      assert.ok(victim);
      const groups = (await db.rows<{ groupId: number }>('SELECT group_id AS groupId FROM group_member_m WHERE person_id = ?', [victim.personId])).map((r) => r.groupId);
      const totalBefore = await db.value('SELECT SUM(count) FROM group_count_m');
      await db.rows('DELETE FROM person_m WHERE id = ?', [victim.personId]);
      assert.equal(await db.count('group_member_m', `WHERE person_id = ${Number(victim.personId)}`), 0, 'ON DELETE CASCADE removed the memberships');
      const after = await counts();
      for (const group of groups) {
        const [stored, actual] = after.get(group)!;
        assert.equal(stored - actual, 1, `group ${group}: group_count should have drifted by the cascaded row (stored ${stored}, actual ${actual})`);
      }
      assert.equal(await db.value('SELECT SUM(count) FROM group_count_m'), totalBefore, 'no trigger fired on the cascade');
      assert.equal(totalBefore - (await db.count('group_member_m')), groups.length);
    });
    await dropDatabase(database);
  });

  test('resume: a prepare killed mid-load (SIGKILL) is completed by the next one, exactly, without duplicates', async () => {
    const database = newDatabase();
    const scale = ['--groups', '40', '--members', '200', '--images', '10', '--load-connections', '4'];
    const child = spawn(process.execPath, [CLI, ...prepareArgs(database, 'r', scale)], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    const killed = new Promise<void>((resolve, reject) => {
      // The first progress line is written when the first group has committed.
      const timer = setTimeout(() => reject(new Error(`no progress line within 60 s:\n${stderr}`)), 60_000);
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        if (/prepare r \d+\/40 groups/.test(stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('close', () => {
        clearTimeout(timer);
        reject(new Error(`prepare ended before it could be killed:\n${stderr}`));
      });
    });
    try {
      await killed;
    } finally {
      child.kill('SIGKILL');
    }
    const end = await exited;
    assert.equal(end.signal, 'SIGKILL', `the prepare was not killed mid-load:\n${stderr}`);

    // Wait until the server has seen the killed connections go (their transactions rolled back).
    const deadline = Date.now() + 30_000;
    while ((await adminQuery<Array<{ n: number }>>('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()', [database]))[0]!.n > 0) {
      assert.ok(Date.now() < deadline, 'the killed prepare’s connections are still open after 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }

    const partial = await withDb(database, async (db) => {
      const groups = await db.count('group_r');
      assert.ok(groups > 0 && groups < 40, `${groups} groups after the kill: expected some but not all`);
      // Whole groups only: one transaction per group.
      assert.equal(await db.count('member_r'), groups * 200);
      assert.equal(await db.count('image_r'), groups * 2000);
      assert.equal((await db.library('r'))?.state, 'loading');
      return groups;
    });

    const resumed = await prepareOk(database, 'r', scale);
    assert.match(resumed.stderr, /resuming an interrupted prepare/);
    assert.match(resumed.stderr, new RegExp(`: ${40 - partial} groups loaded \\(${(40 - partial) * 2201} rows\\), ${partial} already there`));

    await withDb(database, async (db) => {
      assert.deepEqual(await db.counts(['group_r', 'member_r', 'image_r', 'feature_r_1']), { group_r: 40, member_r: 8000, image_r: 80000, feature_r_1: 0 });
      assert.equal(await db.value('SELECT COUNT(DISTINCT name) FROM group_r'), 40);
      assert.equal(await db.value('SELECT COUNT(DISTINCT group_id, name) FROM member_r'), 8000);
      assert.equal(await db.value('SELECT COUNT(DISTINCT member_id, file_id) FROM image_r'), 80000);
      assert.equal(await db.value('SELECT COUNT(*) FROM (SELECT group_id FROM member_r GROUP BY group_id HAVING COUNT(*) <> 200) x'), 0);
      assert.equal(await db.value('SELECT COUNT(*) FROM (SELECT member_id FROM image_r GROUP BY member_id HAVING COUNT(*) <> 10) x'), 0);
      // Exactly the generated groups, the ones loaded before the kill included.
      const names = (await db.rows<{ name: string }>('SELECT name FROM group_r ORDER BY name')).map((r) => r.name);
      assert.deepEqual(names, Array.from({ length: 40 }, (_, g) => groupName(1, g)).sort());
      assert.equal((await db.library('r'))?.state, 'complete');
    });
    await dropDatabase(database);
  });

  test('ownership: a hand-made table with a name prepare would use makes it refuse, naming the table, and stay untouched', async () => {
    const database = await createDatabase();
    await adminQuery('CREATE TABLE `image_o` (id INT PRIMARY KEY, note VARCHAR(20)) ENGINE=InnoDB', [], database);
    await adminQuery("INSERT INTO `image_o` VALUES (1, 'mine')", [], database);
    const createBefore = await withDb(database, (db) => db.createTableSql('image_o'));

    const refused = await runCli(prepareArgs(database, 'o', TINY));
    assert.notEqual(refused.code, 0, show(refused));
    assert.match(refused.stderr, /refusing to touch `image_o`: not created by innobench/);
    await withDb(database, async (db) => {
      assert.equal(await db.createTableSql('image_o'), createBefore);
      assert.deepEqual(await db.rows('SELECT id, note FROM image_o'), [{ id: 1, note: 'mine' }]);
      // Nothing else was created or recorded for the flag.
      assert.deepEqual((await db.tables()).filter((t) => !REGISTRY.includes(t)), ['image_o']);
      assert.equal(await db.library('o'), null);
      assert.equal(await db.count('innobench_objects'), 0);
    });
    // Refused again, the same way, once the registry exists.
    const again = await runCli(prepareArgs(database, 'o', TINY));
    assert.notEqual(again.code, 0, show(again));
    assert.match(again.stderr, /`image_o`/);
    await dropDatabase(database);
  });

  test('ownership across flags: `--flag x --memberships` does not take over group_member_x, the group table of --flag member_x', async () => {
    const database = newDatabase();
    const small = ['--groups', '2', '--members', '3', '--images', '2'];
    await prepareOk(database, 'member_x', small);
    const before = await withDb(database, (db) => db.counts(['group_member_x', 'member_member_x', 'image_member_x']));
    const taking = await runCli(prepareArgs(database, 'x', ['--memberships', ...small]));
    assert.notEqual(taking.code, 0, show(taking));
    assert.match(taking.stderr, /`group_member_x` \(clientFlag member_x\)/);
    await withDb(database, async (db) => {
      assert.deepEqual(await db.counts(Object.keys(before)), before, 'the other library lost rows');
      assert.equal((await db.library('member_x'))?.state, 'complete');
      assert.equal(await db.value('SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()'), 0);
    });
    // The other way round too: member_x's group table would be x's membership table.
    const other = newDatabase();
    await prepareOk(other, 'x', ['--memberships', ...small]);
    const refused = await runCli(prepareArgs(other, 'member_x', small));
    assert.notEqual(refused.code, 0, show(refused));
    assert.match(refused.stderr, /`group_member_x` \(clientFlag x\)/);
    assert.equal(await withDb(other, (db) => db.library('member_x')), null);
    await dropDatabase(database);
    await dropDatabase(other);
  });

  test(
    '--with-features: features are spread over the feature file, not the same slices in every group',
    async () => {
      const database = newDatabase();
      await prepareOk(database, 'd', [...TINY, '--with-features']);
      try {
        await withDb(database, async (db) => {
          // 120 features, far fewer than the default file's ~33 000 slices: all can differ.
          assert.equal(await db.value('SELECT COUNT(DISTINCT feature) FROM (SELECT feature FROM feature_d_1 UNION ALL SELECT feature FROM feature_d_2) x'), 120);
        });
      } finally {
        await dropDatabase(database);
      }
    },
  );

  test('status --json lists the library with exact counts; cleanup needs --yes, --dry-run lists, --yes drops only its own tables', async () => {
    const database = newDatabase();
    await prepareOk(database, 'c', [...TINY, '--with-features', '--memberships']);
    const owned = [...Object.keys(tinyExpectation('c', true)), 'group_count_c', 'group_member_c', 'person_c'].sort();
    // Hand-made tables in the same database, one of them named like a table of the flag.
    await adminQuery('CREATE TABLE handmade (id INT PRIMARY KEY) ENGINE=InnoDB', [], database);
    await adminQuery('CREATE TABLE feature_c_9 (id INT PRIMARY KEY) ENGINE=InnoDB', [], database);
    await adminQuery('INSERT INTO handmade VALUES (1), (2)', [], database);
    const everything = [...owned, 'feature_c_9', 'handmade', ...REGISTRY].sort();

    const status = await runCli(['status', '--json', ...connectionArgs(database)]);
    assert.equal(status.code, 0, show(status));
    const report = JSON.parse(status.stdout) as Array<{ flag: string; design: string; state: string; spec: Record<string, unknown>; tables: Array<{ name: string; rows: number }> }>;
    assert.equal(report.length, 1);
    const library = report[0]!;
    assert.equal(library.flag, 'c');
    assert.equal(library.design, 'surrogate');
    assert.equal(library.state, 'complete');
    assert.deepEqual(library.spec.scale, { groups: 3, members: 5, images: 4 });
    assert.deepEqual(library.spec.versions, [1, 2]);
    const exact = await withDb(database, (db) => db.counts(owned));
    assert.deepEqual(Object.fromEntries(library.tables.map((t) => [t.name, t.rows])), exact);
    const { group_member_c: memberships, ...fixed } = exact;
    assert.deepEqual(fixed, { ...tinyExpectation('c', true), group_count_c: 3, person_c: 15 });
    assert.ok(memberships! >= 15 && memberships! <= 30, `${memberships} memberships`);

    const refused = await runCli(['cleanup', '--flag', 'c', ...connectionArgs(database)]);
    assert.equal(refused.code, 2, show(refused));
    assert.match(refused.stderr, /would drop clientFlag c/);
    assert.match(refused.stderr, /nothing dropped: add --yes/);
    assert.deepEqual(await withDb(database, (db) => db.tables()), everything);

    const dryRun = await runCli(['cleanup', '--flag', 'c', '--dry-run', ...connectionArgs(database)]);
    assert.equal(dryRun.code, 0, show(dryRun));
    const listed = /would drop clientFlag c: (.*)/.exec(dryRun.stderr)?.[1]?.split(', ');
    assert.deepEqual([...(listed ?? [])].sort(), owned, dryRun.stderr);
    assert.ok(!/handmade|feature_c_9/.test(dryRun.stderr), 'a hand-made table is listed');
    assert.deepEqual(await withDb(database, (db) => db.tables()), everything);

    const dropped = await runCli(['cleanup', '--flag', 'c', '--yes', ...connectionArgs(database)]);
    assert.equal(dropped.code, 0, show(dropped));
    await withDb(database, async (db) => {
      assert.deepEqual(await db.tables(), ['feature_c_9', 'handmade', ...REGISTRY].sort());
      assert.deepEqual(await db.rows('SELECT id FROM handmade ORDER BY id'), [{ id: 1 }, { id: 2 }]);
      assert.equal(await db.library('c'), null);
      assert.equal(await db.count('innobench_objects'), 0);
      assert.equal(await db.value('SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()'), 0);
    });

    const after = await runCli(['status', '--json', ...connectionArgs(database)]);
    assert.equal(after.code, 0, show(after));
    assert.deepEqual(JSON.parse(after.stdout), []);
    await dropDatabase(database);
  });
});
