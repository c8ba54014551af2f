/**
 * The seed's first design: natural keys. Group name, member name and file id are repeated in
 * every child table, with composite unique keys (group), (group, member), (group, member, file);
 * declared as primary keys, which is what InnoDB would cluster on anyway.
 */
import { insertRows, writeRow, type WorkerConnection } from '../../db/workerConnection.js';
import type { GroupRows } from '../../data/hierarchy.js';
import { q, type LibraryTables } from '../tables.js';
import { tableTail, type Design } from './design.js';

async function loadGroup(connection: WorkerConnection, tables: LibraryTables, group: GroupRows): Promise<number> {
  await writeRow(connection, `INSERT INTO ${q(tables.group)} (name, description) VALUES (?, ?)`, [group.name, group.description]);
  await insertRows(connection, tables.member, ['group_name', 'name', 'description'], group.members.map((m) => [group.name, m.name, m.description]));
  const imageRows: unknown[][] = [];
  for (const member of group.members) {
    for (const image of member.images) imageRows.push([group.name, member.name, image.fileId, image.description]);
  }
  await insertRows(connection, tables.image, ['group_name', 'member_name', 'file_id', 'description'], imageRows);
  return 1 + group.members.length + imageRows.length;
}

export const natural: Design = {
  name: 'natural',
  createTables(tables, options) {
    const tail = tableTail(options);
    return [
      {
        table: tables.group,
        sql: `CREATE TABLE ${q(tables.group)} (
      name VARCHAR(20) NOT NULL,
      description VARCHAR(60) NOT NULL DEFAULT '',
      PRIMARY KEY (name)
    ) ${tail}`,
      },
      {
        table: tables.member,
        sql: `CREATE TABLE ${q(tables.member)} (
      group_name VARCHAR(20) NOT NULL,
      name VARCHAR(20) NOT NULL,
      description VARCHAR(60) NOT NULL DEFAULT '',
      PRIMARY KEY (group_name, name),
      FOREIGN KEY (group_name) REFERENCES ${q(tables.group)} (name) ON DELETE CASCADE
    ) ${tail}`,
      },
      {
        table: tables.image,
        sql: `CREATE TABLE ${q(tables.image)} (
      group_name VARCHAR(20) NOT NULL,
      member_name VARCHAR(20) NOT NULL,
      file_id VARCHAR(20) NOT NULL,
      description VARCHAR(60) NOT NULL DEFAULT '',
      PRIMARY KEY (group_name, member_name, file_id),
      FOREIGN KEY (group_name, member_name) REFERENCES ${q(tables.member)} (group_name, name) ON DELETE CASCADE
    ) ${tail}`,
      },
      ...[...tables.features.values()].map((feature) => ({
        table: feature,
        sql: `CREATE TABLE ${q(feature)} (
      group_name VARCHAR(20) NOT NULL,
      member_name VARCHAR(20) NOT NULL,
      file_id VARCHAR(20) NOT NULL,
      feature BLOB NOT NULL,
      PRIMARY KEY (group_name, member_name, file_id),
      FOREIGN KEY (group_name, member_name, file_id) REFERENCES ${q(tables.image)} (group_name, member_name, file_id) ON DELETE CASCADE
    ) ${tail}`,
      })),
    ];
  },
  loadGroup,
  groupKeysSql: (tables) => `SELECT name FROM ${q(tables.group)} ORDER BY name`,
  pendingFeatureKeysSql: (tables, feature) => `SELECT i.group_name, i.member_name, i.file_id FROM ${q(tables.image)} i
    LEFT JOIN ${q(feature)} f ON f.group_name = i.group_name AND f.member_name = i.member_name AND f.file_id = i.file_id
    WHERE i.group_name IN (?) AND f.file_id IS NULL AND CRC32(i.file_id) % ? = ?
    ORDER BY i.group_name, i.member_name, i.file_id`,
  insertFeatureSql: (_tables, feature) => `INSERT INTO ${q(feature)} (group_name, member_name, file_id, feature) VALUES (?, ?, ?, ?)`,
  featureKeyColumns: ['group_name', 'member_name', 'file_id'],
  groupFeaturesSql: (_tables, feature) => `SELECT member_name, feature FROM ${q(feature)} WHERE group_name = ?`,
  groupMembersSql: (tables) => `SELECT group_name, name FROM ${q(tables.member)} WHERE group_name = ? ORDER BY name`,
  memberFeaturesSql: (_tables, feature) => `SELECT feature FROM ${q(feature)} WHERE group_name = ? AND member_name = ?`,
};
