/**
 * The seed's many-to-many variant: people belong to groups through group_member, and a summary
 * table group_count(group_id, count) is kept by AFTER INSERT / AFTER DELETE triggers. Its pitfall
 * is the point of having it: rows removed by ON DELETE CASCADE fire no trigger, so the count drifts.
 */
import { insertRows, queryRows, type WorkerConnection } from '../db/workerConnection.js';
import { deriveSeed, seededRandom } from '../data/random.js';
import { q, type LibraryTables } from './tables.js';
import { tableTail, type TableOptions } from './designs/design.js';

export function membershipTables(tables: LibraryTables, options: TableOptions): Array<{ table: string; sql: string }> {
  const tail = tableTail(options);
  return [
    {
      table: tables.person,
      sql: `CREATE TABLE ${q(tables.person)} (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      name VARCHAR(20) NOT NULL,
      description VARCHAR(60) NOT NULL DEFAULT '',
      PRIMARY KEY (id),
      UNIQUE KEY name (name)
    ) ${tail}`,
    },
    {
      table: tables.groupMember,
      sql: `CREATE TABLE ${q(tables.groupMember)} (
      group_id MEDIUMINT UNSIGNED NOT NULL,
      person_id INT UNSIGNED NOT NULL,
      PRIMARY KEY (group_id, person_id),
      KEY person_id (person_id),
      FOREIGN KEY (group_id) REFERENCES ${q(tables.group)} (id) ON DELETE CASCADE,
      FOREIGN KEY (person_id) REFERENCES ${q(tables.person)} (id) ON DELETE CASCADE
    ) ${tail}`,
    },
    {
      table: tables.groupCount,
      sql: `CREATE TABLE ${q(tables.groupCount)} (
      group_id MEDIUMINT UNSIGNED NOT NULL,
      count INT UNSIGNED NOT NULL DEFAULT 0,
      PRIMARY KEY (group_id)
    ) ${tail}`,
    },
  ];
}

/** The triggers keeping group_count; created after the tables, dropped with group_member. */
export function membershipTriggers(tables: LibraryTables): string[] {
  const gm = q(tables.groupMember);
  const gc = q(tables.groupCount);
  return [
    `CREATE TRIGGER ${q(`${tables.groupMember}_ai`)} AFTER INSERT ON ${gm} FOR EACH ROW
      INSERT INTO ${gc} (group_id, count) VALUES (NEW.group_id, 1) ON DUPLICATE KEY UPDATE count = count + 1`,
    `CREATE TRIGGER ${q(`${tables.groupMember}_ad`)} AFTER DELETE ON ${gm} FOR EACH ROW
      UPDATE ${gc} SET count = count - 1 WHERE group_id = OLD.group_id`,
  ];
}

/**
 * One person per member (same name), a member of its own group and, with probability 1/2, of
 * one other group, so memberships cross groups as the seed's do. Returns rows written.
 */
export async function loadMemberships(connection: WorkerConnection, tables: LibraryTables, seed: number): Promise<number> {
  await queryRows(connection, `INSERT INTO ${q(tables.person)} (name, description) SELECT name, description FROM ${q(tables.member)}`);
  const groups = await queryRows(connection, `SELECT id FROM ${q(tables.group)} ORDER BY id`);
  const groupIds = groups.map((row) => row[0] as number);
  const people = await queryRows(connection, `SELECT p.id, m.group_id FROM ${q(tables.person)} p JOIN ${q(tables.member)} m ON m.name = p.name ORDER BY p.id`);
  const random = seededRandom(deriveSeed(seed, 7));
  const rows: unknown[][] = [];
  for (const [personId, groupId] of people as Array<[number, number]>) {
    rows.push([groupId, personId]);
    const other = groupIds[Math.floor(random() * groupIds.length)]!;
    if (random() < 0.5 && other !== groupId) rows.push([other, personId]);
  }
  await insertRows(connection, tables.groupMember, ['group_id', 'person_id'], rows);
  const [count] = await queryRows(connection, `SELECT COUNT(*) FROM ${q(tables.person)}`);
  return rows.length + Number(count?.[0] ?? 0);
}
