/** (b) LOAD DATA LOCAL INFILE of the pre-written files, one statement (one transaction) per file, timed. */
import { createReadStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import mysql from 'mysql2/promise';
import { ensureDatabase } from '../../src/db/connect.js';
import type { Design } from '../../src/schema/designs/design.js';
import { q, type LibraryTables } from '../../src/schema/tables.js';
import { scratch } from './scratch.js';
import { settleServer } from './checks.js';
import type { DataFile } from './tsvFiles.js';
import type { Options, Round, TableLoad } from './types.js';

export async function runLoadData(
  options: Options,
  database: string,
  design: Design,
  tables: LibraryTables,
  files: DataFile[],
  settle: Round['settle'],
): Promise<Round['loadData']> {
  const connection = { ...options.connection, database };
  scratch.databases.add(database);
  await ensureDatabase(connection);
  const { connection: c } = options;
  const session = await mysql.createConnection({
    user: c.user,
    password: c.password ?? '',
    database,
    ...(c.socket ? { socketPath: c.socket } : { host: c.host, port: c.port }),
    flags: ['LOCAL_FILES'],
    infileStreamFactory: (path: string) => createReadStream(path),
  });
  try {
    for (const { sql } of design.createTables(tables, {})) await session.query(sql);
    settle.push({ before: 'LOAD DATA', ...(await settleServer(session)) });
    const loads: TableLoad[] = [];
    for (const file of files) {
      const started = performance.now();
      const [result] = await session.query<mysql.ResultSetHeader>(
        `LOAD DATA LOCAL INFILE ? INTO TABLE ${q(file.table)} CHARACTER SET binary
         FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${file.columns.join(', ')})`,
        [file.path],
      );
      const seconds = (performance.now() - started) / 1000;
      if (result.affectedRows !== file.rows) throw new Error(`LOAD DATA into ${file.table}: ${result.affectedRows} rows loaded, the file holds ${file.rows}`);
      if (result.warningStatus > 0) {
        const [warnings] = await session.query<mysql.RowDataPacket[]>('SHOW WARNINGS LIMIT 5');
        throw new Error(`LOAD DATA into ${file.table}: ${result.warningStatus} warnings, e.g. ${JSON.stringify(warnings)}`);
      }
      const load = loads.find((l) => l.table === file.table);
      if (load) {
        load.rows += file.rows;
        load.seconds += seconds;
        load.rowsPerSec = load.rows / load.seconds;
        load.fileBytes += file.bytes;
        load.statements++;
      } else loads.push({ table: file.table, rows: file.rows, seconds, rowsPerSec: file.rows / seconds, fileBytes: file.bytes, statements: 1 });
    }
    const seconds = loads.reduce((sum, l) => sum + l.seconds, 0);
    const rows = loads.reduce((sum, l) => sum + l.rows, 0);
    return { seconds, rows, rowsPerSec: rows / seconds, tables: loads };
  } finally {
    await session.end();
  }
}
