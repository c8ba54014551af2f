/** How a matrix's runs get its connection: the same server, TLS and option file, no password in argv. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { childConnection } from './childRun.js';

const SECRET = 'S3cret-child-4e1f';

test('everything but the password as flags or MYSQL_* variables; the password only in MYSQL_PWD', () => {
  const { args, env } = childConnection(
    { host: 'db.example', port: 3307, user: 'bench', password: SECRET, database: 'ib', ssl: { mode: 'VERIFY_CA', ca: '/ca.pem', cert: '/c.pem', key: '/k.pem' } },
    '/etc/ib.cnf',
    { PATH: '/bin', MYSQL_PWD: 'from-the-parent', MYSQL_HOST: 'elsewhere', MYSQL_UNIX_PORT: '/tmp/other.sock' },
  );
  assert.deepEqual(args, ['--database', 'ib', '--ssl-mode', 'VERIFY_CA', '--ssl-ca', '/ca.pem', '--ssl-cert', '/c.pem', '--ssl-key', '/k.pem', '--defaults-file', '/etc/ib.cnf']);
  assert.ok(!args.join(' ').includes(SECRET));
  assert.deepEqual(env, { PATH: '/bin', MYSQL_HOST: 'db.example', MYSQL_TCP_PORT: '3307', MYSQL_USER: 'bench', MYSQL_PWD: SECRET }, "the parent's MYSQL_* variables are replaced, its socket dropped");
});

test('no TLS: DISABLED said explicitly; no password: an empty MYSQL_PWD; a socket in MYSQL_UNIX_PORT', () => {
  const { args, env } = childConnection({ host: 'localhost', port: 3306, socket: '/run/mysqld.sock', user: 'root', database: 'ib' }, undefined, {});
  assert.deepEqual(args, ['--database', 'ib', '--ssl-mode', 'DISABLED']);
  assert.equal(env.MYSQL_PWD, '');
  assert.equal(env.MYSQL_UNIX_PORT, '/run/mysqld.sock');
});
