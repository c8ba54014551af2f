/**
 * Loads a library's groups, members and images. One transaction per group (the group row with
 * all its members and images), so a group is either wholly there or not at all: an interrupted
 * load resumes by skipping the groups whose rows exist, never duplicating or losing a row.
 * Multi-row INSERTs (up to ROWS_PER_STATEMENT rows), several connections in parallel.
 */
import type { ConnectionOptions } from '../config/connection.js';
import { connectControl, type PromiseConnection } from '../db/connect.js';
import { q, type LibraryTables } from '../schema/tables.js';
import { generateGroup, groupName, type Scale } from './hierarchy.js';
import type { Progress } from './progress.js';

const ROWS_PER_STATEMENT = 1000;

export interface LoadRequest {
  connection: ConnectionOptions;
  tables: LibraryTables;
  scale: Scale;
  seed: number;
  concurrency: number;
  progress: (pendingGroups: number) => Progress;
}

export interface LoadResult {
  groupsLoaded: number;
  groupsSkipped: number;
  rows: number;
}

export async function loadHierarchy(request: LoadRequest, control: PromiseConnection): Promise<LoadResult> {
  const [rows] = await control.query(`SELECT name FROM ${q(request.tables.group)}`);
  const present = new Set((rows as Array<{ name: string }>).map((row) => row.name));
  const pending: number[] = [];
  for (let g = 0; g < request.scale.groups; g++) if (!present.has(groupName(request.seed, g))) pending.push(g);
  const result: LoadResult = { groupsLoaded: 0, groupsSkipped: request.scale.groups - pending.length, rows: 0 };
  if (pending.length === 0) return result;

  const progress = request.progress(pending.length);
  let nextIndex = 0;
  const connections = await Promise.all(
    Array.from({ length: Math.min(request.concurrency, pending.length) }, () => connectControl(request.connection)),
  );
  try {
    await Promise.all(
      connections.map(async (connection) => {
        for (let index = nextIndex++; index < pending.length; index = nextIndex++) {
          const written = await loadGroup(connection, request, pending[index]!);
          result.groupsLoaded++;
          result.rows += written;
          progress.advance(1, written);
        }
      }),
    );
  } finally {
    progress.finish();
    await Promise.all(connections.map((c) => c.end().catch(() => undefined)));
  }
  return result;
}

async function loadGroup(connection: PromiseConnection, request: LoadRequest, g: number): Promise<number> {
  const { tables } = request;
  const group = generateGroup(request.seed, g, request.scale);
  await connection.query('START TRANSACTION');
  try {
    const [inserted] = await connection.query(`INSERT INTO ${q(tables.group)} (name, description) VALUES (?, ?)`, [group.name, group.description]);
    const groupId = (inserted as { insertId: number }).insertId;
    await insertRows(
      connection,
      `INSERT INTO ${q(tables.member)} (group_id, name, description) VALUES ?`,
      group.members.map((m) => [groupId, m.name, m.description]),
    );
    // Ids are read back rather than assumed consecutive: innodb_autoinc_lock_mode=2 interleaves them.
    const [memberRows] = await connection.query(`SELECT id, name FROM ${q(tables.member)} WHERE group_id = ?`, [groupId]);
    const memberIds = new Map((memberRows as Array<{ id: number; name: string }>).map((row) => [row.name, row.id]));
    const imageRows: unknown[][] = [];
    for (const member of group.members) {
      const memberId = memberIds.get(member.name)!;
      for (const image of member.images) imageRows.push([memberId, image.fileId, image.description]);
    }
    await insertRows(connection, `INSERT INTO ${q(tables.image)} (member_id, file_id, description) VALUES ?`, imageRows);
    await connection.query('COMMIT');
    return 1 + group.members.length + imageRows.length;
  } catch (error) {
    await connection.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Multi-row INSERTs of up to ROWS_PER_STATEMENT rows (mysql2 expands `VALUES ?` from nested arrays). */
async function insertRows(connection: PromiseConnection, sql: string, rows: unknown[][]): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    await connection.query(sql, [rows.slice(start, start + ROWS_PER_STATEMENT)]);
  }
}
