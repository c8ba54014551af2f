/**
 * The seed's chosen design: auto-increment surrogate keys and foreign keys, the smallest types
 * that work, NOT NULL columns with '' defaults. `clustered` reuses all of it but the feature
 * table, which it keys by (member_id, image_id) so one member's features sit together.
 */
import { insertRows, queryRows, writeRow, type WorkerConnection } from '../../db/workerConnection.js';
import type { GroupRows } from '../../data/hierarchy.js';
import { q, type LibraryTables } from '../tables.js';
import { tableTail, type Design, type TableOptions } from './design.js';

function parentTables(tables: LibraryTables, options: TableOptions): Array<{ table: string; sql: string }> {
  const tail = tableTail(options);
  return [
    {
      table: tables.group,
      sql: `CREATE TABLE ${q(tables.group)} (
      id MEDIUMINT UNSIGNED NOT NULL AUTO_INCREMENT,
      name VARCHAR(20) NOT NULL,
      description VARCHAR(60) NOT NULL DEFAULT '',
      PRIMARY KEY (id),
      UNIQUE KEY name (name)
    ) ${tail}`,
    },
    {
      table: tables.member,
      sql: `CREATE TABLE ${q(tables.member)} (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      group_id MEDIUMINT UNSIGNED NOT NULL,
      name VARCHAR(20) NOT NULL,
      description VARCHAR(60) NOT NULL DEFAULT '',
      PRIMARY KEY (id),
      UNIQUE KEY group_name (group_id, name),
      FOREIGN KEY (group_id) REFERENCES ${q(tables.group)} (id) ON DELETE CASCADE
    ) ${tail}`,
    },
    {
      table: tables.image,
      sql: `CREATE TABLE ${q(tables.image)} (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      member_id INT UNSIGNED NOT NULL,
      file_id VARCHAR(20) NOT NULL,
      description VARCHAR(60) NOT NULL DEFAULT '',
      PRIMARY KEY (id),
      UNIQUE KEY member_file (member_id, file_id),
      FOREIGN KEY (member_id) REFERENCES ${q(tables.member)} (id) ON DELETE CASCADE
    ) ${tail}`,
    },
  ];
}

async function loadGroup(connection: WorkerConnection, tables: LibraryTables, group: GroupRows): Promise<number> {
  const { insertId: groupId } = await writeRow(connection, `INSERT INTO ${q(tables.group)} (name, description) VALUES (?, ?)`, [group.name, group.description]);
  await insertRows(connection, tables.member, ['group_id', 'name', 'description'], group.members.map((m) => [groupId, m.name, m.description]));
  // Ids are read back rather than assumed consecutive: innodb_autoinc_lock_mode=2 interleaves them.
  const memberRows = await queryRows(connection, `SELECT name, id FROM ${q(tables.member)} WHERE group_id = ?`, [groupId]);
  const memberIds = new Map(memberRows as Array<[string, number]>);
  const imageRows: unknown[][] = [];
  for (const member of group.members) {
    const memberId = memberIds.get(member.name)!;
    for (const image of member.images) imageRows.push([memberId, image.fileId, image.description]);
  }
  await insertRows(connection, tables.image, ['member_id', 'file_id', 'description'], imageRows);
  return 1 + group.members.length + imageRows.length;
}

function pendingSql(tables: LibraryTables, feature: string, keyColumns: string): string {
  return `SELECT ${keyColumns} FROM ${q(tables.image)} i
    JOIN ${q(tables.member)} m ON m.id = i.member_id
    LEFT JOIN ${q(feature)} f ON f.image_id = i.id
    WHERE m.group_id IN (?) AND f.image_id IS NULL AND i.id % ? = ?
    ORDER BY i.member_id, i.id`;
}

export const surrogate: Design = {
  name: 'surrogate',
  createTables(tables, options) {
    const tail = tableTail(options);
    return [
      ...parentTables(tables, options),
      ...[...tables.features.values()].map((feature) => ({
        table: feature,
        sql: `CREATE TABLE ${q(feature)} (
      image_id INT UNSIGNED NOT NULL,
      feature BLOB NOT NULL,
      PRIMARY KEY (image_id),
      FOREIGN KEY (image_id) REFERENCES ${q(tables.image)} (id) ON DELETE CASCADE
    ) ${tail}`,
      })),
    ];
  },
  loadGroup,
  groupKeysSql: (tables) => `SELECT id FROM ${q(tables.group)} ORDER BY id`,
  pendingFeatureKeysSql: (tables, feature) => pendingSql(tables, feature, 'i.id'),
  insertFeatureSql: (_tables, feature) => `INSERT INTO ${q(feature)} (image_id, feature) VALUES (?, ?)`,
  featureKeyColumns: ['image_id'],
  groupFeaturesSql: (tables, feature) => `SELECT i.member_id, f.feature FROM ${q(tables.member)} m
    JOIN ${q(tables.image)} i ON i.member_id = m.id JOIN ${q(feature)} f ON f.image_id = i.id WHERE m.group_id = ?`,
  groupMembersSql: (tables) => `SELECT id FROM ${q(tables.member)} WHERE group_id = ? ORDER BY id`,
  memberFeaturesSql: (tables, feature) => `SELECT f.feature FROM ${q(tables.image)} i JOIN ${q(feature)} f ON f.image_id = i.id WHERE i.member_id = ?`,
};

export const clustered: Design = {
  name: 'clustered',
  createTables(tables, options) {
    const tail = tableTail(options);
    return [
      ...parentTables(tables, options),
      ...[...tables.features.values()].map((feature) => ({
        table: feature,
        sql: `CREATE TABLE ${q(feature)} (
      member_id INT UNSIGNED NOT NULL,
      image_id INT UNSIGNED NOT NULL,
      feature BLOB NOT NULL,
      PRIMARY KEY (member_id, image_id),
      UNIQUE KEY image_id (image_id),
      FOREIGN KEY (image_id) REFERENCES ${q(tables.image)} (id) ON DELETE CASCADE
    ) ${tail}`,
      })),
    ];
  },
  loadGroup,
  groupKeysSql: (tables) => `SELECT id FROM ${q(tables.group)} ORDER BY id`,
  pendingFeatureKeysSql: (tables, feature) => pendingSql(tables, feature, 'i.member_id, i.id'),
  insertFeatureSql: (_tables, feature) => `INSERT INTO ${q(feature)} (member_id, image_id, feature) VALUES (?, ?, ?)`,
  featureKeyColumns: ['member_id', 'image_id'],
  // The clustered key (member_id, image_id) lets a member's features be read as one range.
  groupFeaturesSql: (tables, feature) => `SELECT f.member_id, f.feature FROM ${q(tables.member)} m
    JOIN ${q(feature)} f ON f.member_id = m.id WHERE m.group_id = ?`,
  groupMembersSql: (tables) => `SELECT id FROM ${q(tables.member)} WHERE group_id = ? ORDER BY id`,
  memberFeaturesSql: (_tables, feature) => `SELECT feature FROM ${q(feature)} WHERE member_id = ?`,
};
