import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeLabel, parseHosts } from './hosts.js';
import { nodeConnections } from './connection.js';
import { describeConnection, resolveConnection } from './connection.js';

test('parseHosts: host:port lists, a bare host takes the default port, IPv6 in brackets', () => {
  assert.deepEqual(parseHosts('a:3306, b:3307,c'), [
    { host: 'a', port: 3306 },
    { host: 'b', port: 3307 },
    { host: 'c', port: 3306 },
  ]);
  assert.deepEqual(parseHosts('[::1]:3311', 1), [{ host: '::1', port: 3311 }]);
  assert.equal(nodeLabel({ host: '::1', port: 3311 }), '[::1]:3311');
});

test('parseHosts refuses an empty list, a bad port and a node listed twice', () => {
  assert.throws(() => parseHosts(' , '), /expected host:port/);
  assert.throws(() => parseHosts('a:0'), /"a:0" is not host:port/);
  assert.throws(() => parseHosts('a:70000'), /is not host:port/);
  assert.throws(() => parseHosts('a:1,a:1'), /a:1 is listed twice/);
});

test('--hosts: host and port are the first node, no socket; each node keeps the credentials', () => {
  const home = mkdtempSync(join(tmpdir(), 'ib-hosts-'));
  try {
    const c = resolveConnection({ hosts: '127.0.0.1:3311,127.0.0.1:3312', user: 'bench', password: 'pw', socket: '/tmp/x.sock' }, {}, home);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 3311);
    assert.equal(c.socket, undefined);
    const nodes = nodeConnections(c);
    assert.deepEqual(nodes.map((n) => [n.host, n.port, n.user, n.password, n.hosts, n.socket]), [
      ['127.0.0.1', 3311, 'bench', 'pw', undefined, undefined],
      ['127.0.0.1', 3312, 'bench', 'pw', undefined, undefined],
    ]);
    assert.equal(describeConnection(c), 'bench@127.0.0.1:3311,127.0.0.1:3312/innobench (password set)');
    // Without --hosts: the run's one connection.
    const single = resolveConnection({ port: 3306 }, {}, home);
    assert.deepEqual(nodeConnections(single), [single]);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('hosts = … in the option file, [innobench] group; the flag wins over the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ib-hosts-file-'));
  try {
    const file = join(dir, 'my.cnf');
    writeFileSync(file, '[client]\nuser=bench\n[innobench]\nhosts = n1:3311,n2:3312,n3:3313\n');
    const fromFile = resolveConnection({ defaultsFile: file }, {}, dir);
    assert.deepEqual(fromFile.hosts?.map(nodeLabel), ['n1:3311', 'n2:3312', 'n3:3313']);
    assert.equal(fromFile.host, 'n1');
    const fromFlag = resolveConnection({ defaultsFile: file, hosts: 'm:1' }, {}, dir);
    assert.deepEqual(fromFlag.hosts?.map(nodeLabel), ['m:1']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
