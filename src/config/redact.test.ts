import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskCommand, redactConfig, scrubSecret } from './redact.js';

const SECRET = 'S3cret-redact-7f3a';

test('password-like keys are removed (not masked) at every depth', () => {
  const config = {
    flag: 'demo',
    workers: 10,
    password: SECRET,
    connection: { host: 'h', port: 3306, user: 'u', password: SECRET, database: 'd' },
    nested: { deeper: { MYSQL_PWD: SECRET, apiToken: SECRET, clientSecret: SECRET, Passwd: SECRET, pass: SECRET, keep: 'yes' } },
    retry: { retries: 10, backoffMs: 2 },
  };
  const redacted = redactConfig(config);
  assert.deepEqual(redacted, {
    flag: 'demo',
    workers: 10,
    connection: { host: 'h', port: 3306, user: 'u', database: 'd' },
    nested: { deeper: { keep: 'yes' } },
    retry: { retries: 10, backoffMs: 2 },
  });
  assert.ok(!JSON.stringify(redacted).includes(SECRET));
  assert.ok(!JSON.stringify(redacted).includes('***'), 'removed, not masked');
});

test('the input is not changed', () => {
  const config = { connection: { user: 'u', password: SECRET } };
  const before = JSON.stringify(config);
  redactConfig(config);
  assert.equal(JSON.stringify(config), before);
});

test('null, arrays and primitives are kept as they are', () => {
  const config = { a: null, b: [1, 2, 3], c: 'text', d: 0, e: false, f: undefined };
  assert.deepEqual(redactConfig(config), config);
});

test('secrets inside arrays of objects are removed too', () => {
  const config = { servers: [{ host: 'a', password: SECRET }, { host: 'b', token: SECRET }] };
  const redacted = redactConfig(config);
  assert.ok(!JSON.stringify(redacted).includes(SECRET), JSON.stringify(redacted));
  assert.deepEqual(redacted, { servers: [{ host: 'a' }, { host: 'b' }] });
});

test('scrubSecret replaces every occurrence', () => {
  const message = `Access denied for '${SECRET}' (again: ${SECRET})`;
  const scrubbed = scrubSecret(message, SECRET);
  assert.equal(scrubbed, "Access denied for '***' (again: ***)");
  assert.ok(!scrubbed.includes(SECRET));
});

test('scrubSecret leaves the message alone without a secret', () => {
  assert.equal(scrubSecret('nothing to hide', undefined), 'nothing to hide');
  assert.equal(scrubSecret('nothing to hide', ''), 'nothing to hide');
  assert.equal(scrubSecret('nothing to hide', SECRET), 'nothing to hide');
});

test('scrubSecret treats the secret literally (regex characters)', () => {
  const secret = 'a.b*c+(d)[e]$^|\\';
  assert.equal(scrubSecret(`x ${secret} y aXb`, secret), 'x *** y aXb');
});

test('maskCommand: password-like options, environment assignments, -p, sshpass and URL credentials', () => {
  const cases: Array<[string, string]> = [
    ['systemctl restart mariadb', 'systemctl restart mariadb'],
    ['mysqladmin -uroot -pS3cret shutdown && systemctl start mariadb', 'mysqladmin -uroot -p*** shutdown && systemctl start mariadb'],
    ['mysqladmin --password=S3cret shutdown', 'mysqladmin --password=*** shutdown'],
    ['restart.sh --db-password S3cret --host h', 'restart.sh --db-password *** --host h'],
    ['MYSQL_PWD=S3cret mysqladmin shutdown; API_TOKEN=abc curl -X POST x', 'MYSQL_PWD=*** mysqladmin shutdown; API_TOKEN=*** curl -X POST x'],
    ['sshpass -p S3cret ssh db sudo systemctl restart mariadb', 'sshpass -p *** ssh db sudo systemctl restart mariadb'],
    ['ssh -p 2222 db sudo systemctl restart mariadb', 'ssh -p 2222 db sudo systemctl restart mariadb'],
    ['curl https://admin:S3cret@ctl.example/restart', 'curl https://admin:***@ctl.example/restart'],
    ['  two  spaces\tkept ', '  two  spaces\tkept '],
  ];
  for (const [command, masked] of cases) assert.equal(maskCommand(command), masked, command);
});

test('maskCommand: the known secrets wherever they stand', () => {
  assert.equal(maskCommand(`echo ${SECRET} | restart-db`, [SECRET, undefined]), 'echo *** | restart-db');
  assert.equal(maskCommand(`restart --password='${SECRET} x'`, [SECRET]), "restart --password=*** x'", 'a quoted value with spaces: its known secret is scrubbed');
});
