import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { needsOf, doctorChecks, estimateData, formatChecks, preRunChecks, verdict, type Check, type DoctorFacts, type DoctorPlan } from './checks.js';
import { SCENARIOS } from '../../../scenarios/index.js';

const GiB = 1024 ** 3;

function facts(overrides: Partial<DoctorFacts> = {}, variables: Record<string, string> = {}): DoctorFacts {
  return {
    where: 'u@127.0.0.1:3306/bench',
    tlsCipher: '',
    currentUser: 'u@%',
    version: '10.11.19-MariaDB-0+deb12u1',
    versionComment: 'Debian 12',
    variables: {
      performance_schema: 'OFF',
      max_connections: '151',
      max_user_connections: '0',
      innodb_flush_log_at_trx_commit: '1',
      query_cache_type: 'OFF',
      query_cache_size: '1048576',
      innodb_buffer_pool_size: String(128 * 1024 ** 2),
      datadir: '/var/lib/mysql/',
      have_ssl: 'DISABLED',
      ...variables,
    },
    grants: ['GRANT ALL PRIVILEGES ON *.* TO `u`@`%` WITH GRANT OPTION'],
    databaseExists: true,
    otherConnections: 3,
    disk: { path: '/var/lib/mysql/', freeBytes: 100 * GiB },
    libraryBytes: 0,
    ...overrides,
  };
}

/** A scenario by name, as the CLI finds it. */
function scenario(name: string): (typeof SCENARIOS)[string] {
  return SCENARIOS[name]!;
}

function plan(overrides: Partial<DoctorPlan> = {}): DoctorPlan {
  return {
    scenario: scenario('insert-features'),
    database: 'bench',
    workers: 100,
    harnessConnections: 2,
    scale: { groups: 4, members: 10, images: 10 },
    versions: 1,
    withFeatures: false,
    featureBytes: 2000,
    ...overrides,
  };
}

function check(checks: Check[], name: string): Check {
  const found = checks.find((c) => c.name === name);
  assert.ok(found, `no check named ${name}: ${checks.map((c) => c.name).join(', ')}`);
  return found;
}

describe('doctor checks', () => {
  test('a healthy server: every check ok', () => {
    const checks = doctorChecks(facts(), plan());
    assert.deepEqual(
      checks.filter((c) => c.level !== 'ok'),
      [],
    );
    assert.equal(verdict(checks), 'doctor: every check ok');
    assert.match(formatChecks(checks), /^ok {7}connection/m);
  });

  const levels: Array<{ name: string; facts: DoctorFacts; plan?: DoctorPlan; check: string; level: Check['level']; detail: RegExp }> = [
    {
      name: 'only SELECT: the run needs INSERT',
      facts: facts({ grants: ['GRANT USAGE ON *.* TO `u`@`%`', 'GRANT SELECT ON `bench`.* TO `u`@`%`'] }),
      check: 'privileges: run',
      level: 'error',
      detail: /insert-features needs SELECT, INSERT on `bench`\.\*; 'u'@'%' lacks INSERT: GRANT INSERT ON `bench`\.\* TO 'u'@'%'/,
    },
    {
      name: 'SELECT, INSERT: runs work, prepare and cleanup do not',
      facts: facts({ grants: ['GRANT SELECT, INSERT ON `bench`.* TO `u`@`%`'] }),
      check: 'privileges: prepare/cleanup',
      level: 'warning',
      detail: /prepare needs CREATE, UPDATE, DELETE, cleanup needs DROP, DELETE on `bench`\.\*: GRANT CREATE, UPDATE, DELETE, DROP ON `bench`\.\* TO 'u'@'%'/,
    },
    {
      name: 'a killed innobench left the slow log on',
      facts: facts({ leftovers: ['`innobench run insert-features` (pid 7 on h, since 2026-01-01 00:00:00) ended without putting back:', '  slow log: slow_query_log = ON (was 0)'] }),
      check: 'server changes',
      level: 'error',
      detail: /left this server changed.*ended without putting back: slow log: slow_query_log = ON \(was 0\); `innobench restore` puts it back/,
    },
    {
      name: 'the deadlock lab without PROCESS',
      facts: facts({ grants: ['GRANT ALL PRIVILEGES ON `bench`.* TO `u`@`%`'] }),
      plan: plan({ scenario: scenario('replace-member-images') }),
      check: 'privileges: PROCESS',
      level: 'warning',
      detail: /GRANT PROCESS ON \*\.\* TO 'u'@'%'/,
    },
    {
      name: 'the deadlock lab without SUPER',
      facts: facts({ grants: ['GRANT ALL PRIVILEGES ON `bench`.* TO `u`@`%`', 'GRANT PROCESS ON *.* TO `u`@`%`'] }),
      plan: plan({ scenario: scenario('replace-member-images') }),
      check: 'privileges: SET GLOBAL',
      level: 'warning',
      detail: /SUPER.*SYSTEM_VARIABLES_ADMIN/,
    },
    {
      name: 'an insert run without PROCESS: fine',
      facts: facts({ grants: ['GRANT ALL PRIVILEGES ON `bench`.* TO `u`@`%`'] }),
      check: 'privileges: PROCESS',
      level: 'ok',
      detail: /no PROCESS/,
    },
    {
      name: 'a role may hold what the lines do not show: a warning, not an error',
      facts: facts({ grants: ['GRANT `bench_rw` TO `u`@`%`', 'GRANT USAGE ON *.* TO `u`@`%`'] }),
      check: 'privileges: run',
      level: 'warning',
      detail: /role\(s\) bench_rw/,
    },
    {
      name: 'SHOW GRANTS failed',
      facts: facts({ grants: null, grantsError: 'denied' }),
      check: 'privileges',
      level: 'warning',
      detail: /SHOW GRANTS failed \(denied\)/,
    },
    {
      name: 'max_connections too small',
      facts: facts({}, { max_connections: '100' }),
      check: 'connections',
      level: 'error',
      detail: /100 workers \+ 2 harness connections need 102 connections; the server allows 100 \(max_connections\) and 3 are in use by others: SET GLOBAL max_connections = 115/,
    },
    {
      name: 'max_connections nearly used up',
      facts: facts({ otherConnections: 30 }, { max_connections: '140' }),
      check: 'connections',
      level: 'warning',
      detail: /over 90 %/,
    },
    {
      name: 'max_user_connections of the account (MariaDB shows it in SHOW GRANTS)',
      facts: facts({ grants: ['GRANT ALL PRIVILEGES ON *.* TO `u`@`%` WITH MAX_USER_CONNECTIONS 20'] }),
      check: 'connections',
      level: 'error',
      detail: /at most 20 \(max_user_connections\)/,
    },
    {
      name: 'global max_user_connections',
      facts: facts({}, { max_user_connections: '50' }),
      check: 'connections',
      level: 'error',
      detail: /at most 50/,
    },
    {
      name: 'innodb_flush_log_at_trx_commit = 0',
      facts: facts({}, { innodb_flush_log_at_trx_commit: '0' }),
      check: 'innodb_flush_log_at_trx_commit',
      level: 'warning',
      detail: /SET GLOBAL innodb_flush_log_at_trx_commit = 1/,
    },
    {
      name: 'innodb_flush_log_at_trx_commit = 2 is said, not flagged',
      facts: facts({}, { innodb_flush_log_at_trx_commit: '2' }),
      check: 'innodb_flush_log_at_trx_commit',
      level: 'ok',
      detail: /about once a second/,
    },
    {
      name: 'the query cache on',
      facts: facts({}, { query_cache_type: 'ON', query_cache_size: String(16 * 1024 ** 2) }),
      check: 'query cache',
      level: 'warning',
      detail: /query_cache_type=ON with query_cache_size=16 MiB/,
    },
    {
      name: 'query_cache_type ON with size 0: no cache',
      facts: facts({}, { query_cache_type: 'ON', query_cache_size: '0' }),
      check: 'query cache',
      level: 'ok',
      detail: /off/,
    },
    {
      name: 'MySQL 8 has no query cache',
      facts: facts({ version: '8.0.36', versionComment: 'MySQL Community Server - GPL' }, { query_cache_type: undefined as unknown as string }),
      check: 'query cache',
      level: 'ok',
      detail: /none/,
    },
    {
      name: 'a warm read benchmark larger than the buffer pool',
      facts: facts(),
      plan: plan({ scenario: scenario('read-member-features'), scale: { groups: 100, members: 1000, images: 10 } }),
      check: 'buffer pool',
      level: 'warning',
      detail: /128 MiB holds less than the 2\.\d GiB of data read-member-features reads/,
    },
    {
      name: 'an insert benchmark larger than the buffer pool: not a warm read',
      facts: facts(),
      plan: plan({ scale: { groups: 100, members: 1000, images: 10 } }),
      check: 'buffer pool',
      level: 'ok',
      detail: /128 MiB/,
    },
    {
      name: 'not enough disk',
      facts: facts({ disk: { path: '/d', freeBytes: 1 * GiB } }),
      plan: plan({ scale: { groups: 100, members: 1000, images: 10 } }),
      check: 'disk',
      level: 'error',
      detail: /1 GiB free at \/d; the plan needs 1000000 images \+ 1000000 features ≈ 2\.\d GiB: not enough space/,
    },
    {
      name: 'little room left on disk',
      facts: facts({ disk: { path: '/d', freeBytes: 3 * GiB } }),
      plan: plan({ scale: { groups: 100, members: 1000, images: 10 } }),
      check: 'disk',
      level: 'warning',
      detail: /little room/,
    },
    {
      name: 'the data already there counts',
      facts: facts({ disk: { path: '/d', freeBytes: 3 * GiB }, libraryBytes: 2 * GiB }),
      plan: plan({ scale: { groups: 100, members: 1000, images: 10 } }),
      check: 'disk',
      level: 'ok',
      detail: /2 GiB already there/,
    },
    {
      name: 'a remote server: free space unknown',
      facts: facts({ disk: { unknown: 'the server is not on this machine' } }),
      check: 'disk',
      level: 'warning',
      detail: /free space unknown \(the server is not on this machine\)/,
    },
    {
      name: 'an old server',
      facts: facts({ version: '10.1.48-MariaDB' }),
      check: 'server',
      level: 'warning',
      detail: /older than/,
    },
    {
      name: 'MySQL 8 is recognised',
      facts: facts({ version: '8.0.36', versionComment: 'MySQL Community Server - GPL' }),
      check: 'server',
      level: 'ok',
      detail: /^MySQL 8\.0\.36$/,
    },
    {
      name: 'the database does not exist yet',
      facts: facts({ databaseExists: false }),
      check: 'database',
      level: 'warning',
      detail: /prepare creates it/,
    },
    {
      name: 'TLS in use',
      facts: facts({ tlsCipher: 'TLS_AES_256_GCM_SHA384' }),
      check: 'connection',
      level: 'ok',
      detail: /TLS \(TLS_AES_256_GCM_SHA384\)/,
    },
    {
      name: 'TLS offered but not used',
      facts: facts({}, { have_ssl: 'YES' }),
      check: 'connection',
      level: 'ok',
      detail: /not encrypted \(the server offers TLS/,
    },
  ];
  for (const c of levels) {
    test(c.name, () => {
      const found = check(doctorChecks(c.facts, c.plan ?? plan()), c.check);
      assert.equal(found.level, c.level, found.detail);
      assert.match(found.detail, c.detail);
    });
  }

  test('the data estimate: ~2.2 KB per feature row, ~150 B per image row', () => {
    const small = { groups: 100, members: 1000, images: 10 };
    const withFeatures = estimateData({ scenario: scenario('insert-members'), scale: small, versions: 1, withFeatures: true, featureBytes: 2000 });
    assert.equal(withFeatures.imageRows, 1_000_000);
    assert.equal(withFeatures.featureRows, 1_000_000);
    assert.ok(Math.abs(withFeatures.bytes - (1_000_000 * 2200 + (100 + 100_000 + 1_000_000) * 150)) < 1);
    const imagesOnly = estimateData({ scenario: scenario('insert-members'), scale: small, versions: 1, withFeatures: false, featureBytes: 2000 });
    assert.equal(imagesOnly.featureRows, 0);
    // insert-features fills the feature table itself; two versions, two tables.
    assert.equal(estimateData({ scenario: scenario('insert-features'), scale: small, versions: 2, withFeatures: false, featureBytes: 2000 }).featureRows, 2_000_000);
  });

  test('every scenario\'s needs come from what it declares', () => {
    for (const [name, entry] of Object.entries(SCENARIOS)) {
      const needs = needsOf(entry);
      assert.equal(needs.capturesDeadlocks, entry.captureDeadlocks === true, name);
      if (entry.needsFeatures) assert.ok(needs.features, name);
      assert.ok(needs.run.includes('SELECT'), name);
    }
  });

  test('before a run: only what matters to it (no prepare/cleanup, disk or version checks)', () => {
    const checks = preRunChecks(facts({ grants: ['GRANT SELECT, INSERT ON `bench`.* TO `u`@`%`'], disk: { path: '/d', freeBytes: 1 } }), plan());
    assert.deepEqual(
      checks.map((c) => c.name),
      ['privileges: run', 'privileges: PROCESS', 'privileges: SET GLOBAL', 'connections', 'innodb_flush_log_at_trx_commit', 'query cache', 'buffer pool'],
    );
    assert.deepEqual(
      checks.filter((c) => c.level !== 'ok'),
      [],
    );
  });

  test('the output never holds the password hash of a GRANT line', () => {
    const hash = '*94BDCEBE19083CE2A1F959FD02F964C7AF4CFC29';
    const text = formatChecks(doctorChecks(facts({ grants: [`GRANT USAGE ON *.* TO \`u\`@\`%\` IDENTIFIED BY PASSWORD '${hash}'`, 'GRANT SELECT ON `bench`.* TO `u`@`%`'] }), plan()));
    assert.ok(!text.includes(hash));
    assert.ok(!text.includes('94BDCEBE'));
  });
});
