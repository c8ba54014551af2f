/**
 * scripts/setup-mariadb.sh pointed at a server it did not set up: on a private MariaDB that accepts
 * root with an empty password it changes nothing and says so; once root has a password (a
 * developer's own server) it stops with a non-zero exit, says how to give innobench credentials, and
 * leaves every root account exactly as it was; given the password (MYSQL_PWD) it is satisfied. MYSQL_UNIX_PORT points the script's socket at the
 * private server too, so nothing it might run could reach the shared one.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomSuffix, ROOT, tempDir } from '../helpers.js';
import { disposableServerSkipReason, startDisposableServer, type DisposableServer } from '../support/disposableServer.js';

const skip = disposableServerSkipReason();
const SCRIPT = join(ROOT, 'scripts', 'setup-mariadb.sh');

let server: DisposableServer;
let confDir: ReturnType<typeof tempDir>;

interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runSetup(extraEnv: Record<string, string> = {}): ScriptResult {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!/^(MYSQL_|IB_TEST_)/.test(name)) env[name] = value;
  Object.assign(env, {
    MYSQL_HOST: '127.0.0.1',
    MYSQL_TCP_PORT: String(server.port),
    MYSQL_UNIX_PORT: server.socket,
    INNOBENCH_MARIADB_CONF_DIR: confDir.path,
    // No ~/.my.cnf of whoever runs the tests.
    HOME: confDir.path,
    ...extraEnv,
  });
  const result = spawnSync('bash', [SCRIPT], { env, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function shown(result: ScriptResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

/** root's accounts as the server stores them: host, authentication plugin and password hash included. */
async function rootAccounts(password: string): Promise<Array<{ Host: string; Priv: string }>> {
  const connection = await server.connect(undefined, { password });
  try {
    const [rows] = await connection.query("SELECT Host, Priv FROM mysql.global_priv WHERE User = 'root' ORDER BY Host");
    return rows as Array<{ Host: string; Priv: string }>;
  } finally {
    await connection.end();
  }
}

describe('setup-mariadb.sh on a server it did not set up (private MariaDB)', { skip, timeout: 180_000 }, () => {
  before(async () => {
    server = await startDisposableServer();
    confDir = tempDir('ib-setup-conf-');
  });
  after(async () => {
    confDir?.remove();
    await server?.remove();
  });

  test('a server that already accepts root with an empty password: said so, nothing changed', async () => {
    const before = await rootAccounts('');
    const result = runSetup();
    assert.equal(result.code, 0, shown(result));
    assert.match(result.stdout, new RegExp(`already running: root@127\\.0\\.0\\.1:${server.port} answers`));
    assert.deepEqual(await rootAccounts(''), before);
    assert.deepEqual(readdirSync(confDir.path), [], 'no config written');
  });

  test('root with a password: stops, says how to give innobench credentials, changes no login', async () => {
    const password = `pw_${randomSuffix()}`;
    const hosts = (await rootAccounts('')).map((account) => account.Host);
    const admin = await server.connect();
    try {
      for (const host of hosts) await admin.query('ALTER USER ?@? IDENTIFIED BY ?', ['root', host, password]);
    } finally {
      await admin.end();
    }
    const before = await rootAccounts(password);

    const result = runSetup();
    assert.notEqual(result.code, 0, shown(result));
    assert.match(result.stderr, new RegExp(`a server already listens on 127\\.0\\.0\\.1:${server.port}, and root with an empty password is refused`), shown(result));
    for (const way of ['MYSQL_PWD', '--defaults-file', '~/.my.cnf']) assert.ok(result.stderr.includes(way), `names ${way}:\n${shown(result)}`);
    assert.doesNotMatch(result.stdout, /letting root log in|installing|starting/, shown(result));

    assert.deepEqual(await rootAccounts(password), before, 'mysql.global_priv of root unchanged');
    await assert.rejects(server.connect(), /Access denied/, 'root with an empty password is still refused');
    assert.deepEqual(readdirSync(confDir.path), [], 'no config written');

    // Given the password as the message says, the script is satisfied and still changes nothing.
    const withPassword = runSetup({ MYSQL_PWD: password });
    assert.equal(withPassword.code, 0, shown(withPassword));
    assert.match(withPassword.stdout, /answers on 127\.0\.0\.1:\d+ as root@\S+ with your own settings.*nothing changed/, shown(withPassword));
    assert.ok(!withPassword.stdout.includes(password) && !withPassword.stderr.includes(password), 'the password is not printed');
    assert.deepEqual(await rootAccounts(password), before, 'mysql.global_priv of root unchanged');
  });
});
