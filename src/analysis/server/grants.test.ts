import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { accountName, databaseMatches, holdsGlobally, holdsOnDatabase, parseGrants } from './grants.js';

describe('SHOW GRANTS parsing', () => {
  const cases: Array<{ name: string; lines: string[]; database: string; holds: string[]; lacks: string[]; global?: string[]; noGlobal?: string[]; roles?: string[]; maxUserConnections?: number | null }> = [
    {
      name: 'MariaDB root',
      lines: ['GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION', "GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION"],
      database: 'anything',
      holds: ['SELECT', 'INSERT', 'CREATE', 'DROP', 'DELETE'],
      lacks: [],
      global: ['PROCESS', 'SUPER'],
    },
    {
      name: 'database-level grants, password hash and connection limit on the USAGE line',
      lines: [
        "GRANT USAGE ON *.* TO `bob`@`%` IDENTIFIED BY PASSWORD '*94BDCEBE19083CE2A1F959FD02F964C7AF4CFC29' WITH MAX_USER_CONNECTIONS 4",
        'GRANT SELECT, INSERT ON `bench`.* TO `bob`@`%`',
      ],
      database: 'bench',
      holds: ['SELECT', 'INSERT'],
      lacks: ['CREATE', 'DELETE', 'DROP'],
      noGlobal: ['PROCESS', 'SUPER'],
      maxUserConnections: 4,
    },
    {
      name: 'another database only',
      lines: ['GRANT ALL PRIVILEGES ON `other`.* TO `bob`@`%`'],
      database: 'bench',
      holds: [],
      lacks: ['SELECT'],
    },
    {
      name: 'a LIKE pattern with escaped underscores',
      lines: ['GRANT ALL PRIVILEGES ON `ib\\_test\\_%`.* TO `t`@`%`'],
      database: 'ib_test_abc',
      holds: ['SELECT', 'DROP'],
      lacks: [],
    },
    {
      name: 'an escaped underscore is literal',
      lines: ['GRANT ALL PRIVILEGES ON `ib\\_test\\_%`.* TO `t`@`%`'],
      database: 'ibXtest_abc',
      holds: [],
      lacks: ['SELECT'],
    },
    {
      name: 'table and column grants do not cover the database',
      lines: ['GRANT SELECT, INSERT ON `bench`.`feature_demo_1` TO `c`@`%`', 'GRANT SELECT (`id`, `name`), UPDATE (`name`) ON `bench`.`member_demo` TO `c`@`%`'],
      database: 'bench',
      holds: [],
      lacks: ['SELECT', 'INSERT'],
    },
    {
      name: 'MySQL 8: static and dynamic privileges, a role',
      lines: [
        'GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, PROCESS ON *.* TO `m`@`%`',
        'GRANT SYSTEM_VARIABLES_ADMIN,BACKUP_ADMIN ON *.* TO `m`@`%`',
        'GRANT `bench_role`@`%` TO `m`@`%`',
      ],
      database: 'bench',
      holds: ['SELECT', 'INSERT', 'DELETE', 'CREATE', 'DROP'],
      lacks: ['TRIGGER'],
      global: ['PROCESS', 'SYSTEM_VARIABLES_ADMIN'],
      noGlobal: ['SUPER'],
      roles: ['bench_role@%'],
    },
    {
      name: 'a database name with a backtick and a dot in it',
      lines: ['GRANT SELECT ON `we``ird.db`.* TO `w`@`%`'],
      database: 'we`ird.db',
      holds: ['SELECT'],
      lacks: ['INSERT'],
    },
    {
      name: 'routine privileges are not table privileges',
      lines: ['GRANT EXECUTE ON PROCEDURE `bench`.`p` TO `r`@`%`'],
      database: 'bench',
      holds: [],
      lacks: ['EXECUTE', 'SELECT'],
    },
    {
      name: 'MariaDB role grant line',
      lines: ['GRANT `reader` TO `r`@`%`', 'GRANT USAGE ON *.* TO `r`@`%`'],
      database: 'bench',
      holds: [],
      lacks: ['SELECT'],
      roles: ['reader'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const grants = parseGrants(c.lines);
      assert.deepEqual(grants.unparsed, []);
      for (const privilege of c.holds) assert.ok(holdsOnDatabase(grants, privilege, c.database), `${privilege} on ${c.database}`);
      for (const privilege of c.lacks) assert.ok(!holdsOnDatabase(grants, privilege, c.database), `not ${privilege} on ${c.database}`);
      for (const privilege of c.global ?? []) assert.ok(holdsGlobally(grants, privilege), `global ${privilege}`);
      for (const privilege of c.noGlobal ?? []) assert.ok(!holdsGlobally(grants, privilege), `no global ${privilege}`);
      if (c.roles) assert.deepEqual(grants.roles, c.roles);
      if (c.maxUserConnections !== undefined) assert.equal(grants.maxUserConnections, c.maxUserConnections);
    });
  }

  test('database patterns', () => {
    for (const [pattern, database, expected] of [
      ['*', 'x', true],
      ['bench', 'bench', true],
      ['bench', 'Bench', false],
      ['ben_h', 'bench', true],
      ['ben\\_h', 'bench', false],
      ['ben\\_h', 'ben_h', true],
      ['b%', 'bench', true],
      ['b%', 'abench', false],
      ['a.c', 'abc', false],
    ] as const) {
      assert.equal(databaseMatches(pattern, database), expected, `${pattern} ~ ${database}`);
    }
  });

  test('account names quote user and host', () => {
    assert.equal(accountName('bob@%'), "'bob'@'%'");
    assert.equal(accountName('o@k@localhost'), "'o@k'@'localhost'");
    assert.equal(accountName("it's@h"), "'it''s'@'h'");
  });
});
