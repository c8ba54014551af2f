/** The image ids of a worker's share that have no feature yet: what makes a run resumable. */
import type { CallbackConnection } from '../../src/db/connect.js';
import type { GroupShare } from '../../src/engine/partition.js';
import { q, type LibraryTables } from '../../src/schema/tables.js';

export function pendingImageIds(connection: CallbackConnection, tables: LibraryTables, feature: string, share: GroupShare): Promise<Uint32Array> {
  if (share.groupIds.length === 0) return Promise.resolve(new Uint32Array(0));
  const sql = `SELECT i.id FROM ${q(tables.image)} i
    JOIN ${q(tables.member)} m ON m.id = i.member_id
    LEFT JOIN ${q(feature)} f ON f.image_id = i.id
    WHERE m.group_id IN (?) AND f.image_id IS NULL AND i.id % ? = ?
    ORDER BY m.group_id, m.id, i.id`;
  return new Promise((resolve, reject) => {
    connection.query({ sql, rowsAsArray: true }, [share.groupIds, share.of, share.part], (error, rows) => {
      if (error) return reject(error);
      const list = rows as Array<[number]>;
      const ids = new Uint32Array(list.length);
      for (let i = 0; i < list.length; i++) ids[i] = list[i]![0];
      resolve(ids);
    });
  });
}
