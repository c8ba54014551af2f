import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONNECTION_DEFAULTS, describeConnection, readOptionFile, resolveConnection } from './connection.js';
import { driverOptions } from '../db/connect.js';

let dir: string;
/** A home folder without a .my.cnf, so the user's real ~/.my.cnf never leaks into a test. */
let emptyHome: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ib-connection-'));
  emptyHome = mkdtempSync(join(tmpdir(), 'ib-home-'));
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(emptyHome, { recursive: true, force: true });
});

let fileCount = 0;
function optionFile(text: string): string {
  const path = join(dir, `my-${++fileCount}.cnf`);
  writeFileSync(path, text);
  return path;
}

function makeHome(text: string): string {
  const home = mkdtempSync(join(dir, 'home-'));
  writeFileSync(join(home, '.my.cnf'), text);
  return home;
}

const FILE = `[client]
host = file-host
port = 3307
user = file-user
password = file-pass
database = file_db
socket = /tmp/file.sock
`;

const ENV = { MYSQL_HOST: 'env-host', MYSQL_TCP_PORT: '3308', MYSQL_PWD: 'env-pass', MYSQL_USER: 'env-user', MYSQL_UNIX_PORT: '/tmp/env.sock' };

describe('resolveConnection precedence', () => {
  test('defaults when nothing is given', () => {
    const resolved = resolveConnection({}, {}, emptyHome);
    assert.equal(resolved.password, undefined);
    assert.equal(resolved.socket, undefined);
    assert.deepEqual(resolved, { ...CONNECTION_DEFAULTS });
  });

  test('option file over defaults', () => {
    const resolved = resolveConnection({ defaultsFile: optionFile(FILE) }, {}, emptyHome);
    assert.deepEqual(resolved, { host: 'file-host', port: 3307, user: 'file-user', password: 'file-pass', database: 'file_db', socket: '/tmp/file.sock' });
  });

  test('environment over option file', () => {
    const resolved = resolveConnection({ defaultsFile: optionFile(FILE) }, ENV, emptyHome);
    assert.equal(resolved.host, 'env-host');
    assert.equal(resolved.port, 3308);
    assert.equal(resolved.user, 'env-user');
    assert.equal(resolved.password, 'env-pass');
    assert.equal(resolved.socket, '/tmp/env.sock');
    // There is no environment variable for the database: the file's value stays.
    assert.equal(resolved.database, 'file_db');
  });

  test('flags over environment and option file', () => {
    const flags = { host: 'flag-host', port: 3309, user: 'flag-user', password: 'flag-pass', database: 'flag_db', socket: '/tmp/flag.sock' };
    const resolved = resolveConnection({ ...flags, defaultsFile: optionFile(FILE) }, ENV, emptyHome);
    assert.deepEqual(resolved, flags);
  });

  test('each setting falls through independently', () => {
    const resolved = resolveConnection({ defaultsFile: optionFile('[client]\nuser = file-user\n') }, { MYSQL_HOST: 'env-host' }, emptyHome);
    assert.deepEqual(resolved, { host: 'env-host', port: 3306, user: 'file-user', database: 'innobench' });
  });

  test('an empty password flag is a password (empty), not absent', () => {
    const resolved = resolveConnection({ password: '', defaultsFile: optionFile(FILE) }, ENV, emptyHome);
    assert.equal(resolved.password, '');
  });

  test('an unusable MYSQL_TCP_PORT is ignored, not used', () => {
    for (const bad of ['', 'abc', '0', '70000', '-1']) {
      assert.equal(resolveConnection({}, { MYSQL_TCP_PORT: bad }, emptyHome).port, 3306, `MYSQL_TCP_PORT=${bad}`);
    }
  });

  test('~/.my.cnf in the home folder is read when no --defaults-file is given', () => {
    const home = makeHome('[client]\nuser = home-user\nport = 3310\n');
    const resolved = resolveConnection({}, {}, home);
    assert.equal(resolved.user, 'home-user');
    assert.equal(resolved.port, 3310);
  });

  test('--defaults-file replaces ~/.my.cnf (as in MySQL), it does not add to it', () => {
    const home = makeHome('[client]\nuser = home-user\nhost = home-host\n');
    const resolved = resolveConnection({ defaultsFile: optionFile('[client]\nuser = file-user\n') }, {}, home);
    assert.equal(resolved.user, 'file-user');
    assert.equal(resolved.host, CONNECTION_DEFAULTS.host);
  });

  test('a missing --defaults-file is a clear error naming the option and the path', () => {
    const missing = join(dir, 'does-not-exist.cnf');
    assert.throws(() => resolveConnection({ defaultsFile: missing }, {}, emptyHome), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.match(error.message, /--defaults-file/);
      assert.ok(error.message.includes(missing));
      assert.match(error.message, /no such file/);
      return true;
    });
  });
});

describe('the load threads\' driver', () => {
  test('absent unless named: the default then applies', () => {
    assert.equal(resolveConnection({}, {}, emptyHome).driver, undefined);
  });

  test('--driver over the option file\'s [innobench] driver; case and spaces do not matter', () => {
    const file = optionFile('[client]\nuser = u\n[innobench]\ndriver = MySQL2\n');
    assert.equal(resolveConnection({ defaultsFile: file }, {}, emptyHome).driver, 'mysql2');
    assert.equal(resolveConnection({ defaultsFile: file, driver: ' mariadb ' }, {}, emptyHome).driver, 'mariadb');
  });

  test('an unknown driver is an error naming where it was given and the choices', () => {
    assert.throws(() => resolveConnection({ driver: 'odbc' }, {}, emptyHome), /^Error: --driver "odbc": expected one of mysql2, mariadb$/);
    const file = optionFile('[innobench]\ndriver = jdbc\n');
    assert.throws(() => resolveConnection({ defaultsFile: file }, {}, emptyHome), /^Error: driver in the option file "jdbc": expected one of mysql2, mariadb$/);
  });
});

describe('where the connection goes', () => {
  // MySQL uses the socket only for host `localhost`: an explicit TCP host is never replaced by a
  // socket that came from a lower-precedence source (a ~/.my.cnf or MYSQL_UNIX_PORT).
  test('--host/--port on the command line are not overridden by a socket from the option file', () => {
    const resolved = resolveConnection({ host: 'db.example.com', port: 3307, defaultsFile: optionFile('[client]\nsocket = /run/mysqld/mysqld.sock\n') }, {}, emptyHome);
    const driver = driverOptions(resolved);
    assert.equal(driver.socketPath, undefined, `connects to ${describeConnection(resolved)}`);
    assert.equal(driver.host, 'db.example.com');
    assert.equal(driver.port, 3307);
  });

  test('--host/--port on the command line are not overridden by MYSQL_UNIX_PORT', () => {
    const resolved = resolveConnection({ host: 'db.example.com', port: 3307 }, { MYSQL_UNIX_PORT: '/run/mysqld/mysqld.sock' }, emptyHome);
    const driver = driverOptions(resolved);
    assert.equal(driver.socketPath, undefined, `connects to ${describeConnection(resolved)}`);
    assert.equal(driver.host, 'db.example.com');
  });

  test('a --socket flag is used', () => {
    const driver = driverOptions(resolveConnection({ socket: '/tmp/flag.sock' }, {}, emptyHome));
    assert.equal(driver.socketPath, '/tmp/flag.sock');
  });

  test('the driver gets the password, the database, and no LOCAL INFILE or multiple statements', () => {
    const driver = driverOptions({ host: 'h', port: 3306, user: 'u', password: 'pw', database: 'd' });
    assert.equal(driver.password, 'pw');
    assert.equal(driver.database, 'd');
    assert.equal(driver.multipleStatements, false);
    assert.equal(driverOptions({ host: 'h', port: 3306, user: 'u', database: 'd' }, false).database, undefined);
  });
});

describe('readOptionFile', () => {
  test('[innobench] overrides [client]; other groups are ignored', () => {
    const path = optionFile(`[mysql]
user = mysql-user
[client]
user = client-user
host = client-host
[innobench]
user = ib-user
[mysqld]
port = 9999
`);
    assert.deepEqual(readOptionFile(path), { user: 'ib-user', host: 'client-host' });
  });

  test('[innobench] wins even when it comes first in the file', () => {
    const path = optionFile('[innobench]\nuser = ib-user\n[client]\nuser = client-user\n');
    assert.equal(readOptionFile(path).user, 'ib-user');
  });

  test('quoted values lose their quotes; quotes keep # and spaces', () => {
    const path = optionFile(`[client]
password = "p#ss word"
user = 'quoted-user'
host = "quoted-host"
socket = '/tmp/with space.sock'
`);
    assert.deepEqual(readOptionFile(path), { password: 'p#ss word', user: 'quoted-user', host: 'quoted-host', socket: '/tmp/with space.sock' });
  });

  test('spaces around = and values are trimmed; # starts a comment', () => {
    const path = optionFile('[client]\n  user   =   spaced-user   \n# user = commented\n; host = commented\nhost = h1 # trailing comment\n');
    assert.deepEqual(readOptionFile(path), { user: 'spaced-user', host: 'h1' });
  });

  test('- and _ spell the same option name; unknown options (either spelling) and bare flags are ignored', () => {
    const path = optionFile(`[client]
default-character-set = utf8mb4
default_character_set = utf8mb4
skip-ssl
ssl_ca = /x
user = u
`);
    // Unknown options in either spelling stay out; the TLS options innobench reads come in under
    // the _ spelling (a bare skip-ssl means it is set).
    assert.deepEqual(readOptionFile(path), { user: 'u', skip_ssl: '1', ssl_ca: '/x' });
  });

  test('!include and !includedir lines are ignored, not followed or mis-parsed', () => {
    const path = optionFile(`!include /etc/mysql/does-not-exist.cnf
!includedir /etc/mysql/conf.d/
[client]
!include /nowhere.cnf
user = after-include
`);
    assert.deepEqual(readOptionFile(path), { user: 'after-include' });
  });

  test('values are kept as written: `;` inside an unquoted value is not a comment (MySQL only treats # mid-line as one)', () => {
    // MySQL: "Comment lines start with # or ;. A # comment can start in the middle of a line as well."
    const path = optionFile('[client]\npassword = ab;cd\n');
    assert.equal(readOptionFile(path).password, 'ab;cd');
  });

  test('values are strings as written: a password "true" or "null" is not dropped', () => {
    const path = optionFile('[client]\npassword = true\nuser = null\n');
    assert.deepEqual(readOptionFile(path), { password: 'true', user: 'null' });
  });
});

describe('describeConnection', () => {
  test('never shows the password, says that one is set', () => {
    const password = 'S3cret-describe-xyz';
    const text = describeConnection({ host: 'h', port: 3306, user: 'u', database: 'd', password });
    assert.ok(!text.includes(password), text);
    assert.equal(text, 'u@h:3306/d (password set)');
  });

  test('without a password, and with a socket', () => {
    assert.equal(describeConnection({ host: 'h', port: 3306, user: 'u', database: 'd' }), 'u@h:3306/d');
    const text = describeConnection({ host: 'h', port: 3306, user: 'u', database: 'd', socket: '/tmp/s.sock', password: 'pw-sock-123' });
    assert.equal(text, 'u@socket /tmp/s.sock/d (password set)');
  });

  test('a resolved connection from env and file never shows its password', () => {
    const resolved = resolveConnection({ defaultsFile: optionFile('[client]\npassword = "file-S3cret"\n') }, {}, emptyHome);
    assert.equal(resolved.password, 'file-S3cret');
    assert.ok(!describeConnection(resolved).includes('file-S3cret'));
  });
});
