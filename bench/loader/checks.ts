/** Fairness and checks: a settled server before each timed phase, and the two databases' fingerprints. */
import { cpus, loadavg } from 'node:os';
import type mysql from 'mysql2/promise';
import { connectControl } from '../../src/db/connect.js';
import type { Design } from '../../src/schema/designs/design.js';
import { q, type LibraryTables } from '../../src/schema/tables.js';
import { log } from './log.js';
import type { Options, Settle } from './types.js';

/** Before a timed phase, wait (at most this long) for the previous phase's dirty pages to be flushed. */
const SETTLE_MAX_MS = 60_000;
const SETTLE_DIRTY_PAGES = 500;

/** Waits until the buffer pool's dirty pages are few, so that one phase's flushing does not bill the next. */
export async function settleServer(session: mysql.Connection): Promise<Settle> {
  const started = Date.now();
  for (;;) {
    const [rows] = await session.query<mysql.RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'");
    const dirtyPages = Number(rows[0]?.Value ?? 0);
    const waitedMs = Date.now() - started;
    if (dirtyPages <= SETTLE_DIRTY_PAGES || waitedMs >= SETTLE_MAX_MS) {
      // Other clients of the same server (or CPU hogs on this machine) skew both sides unevenly.
      const [others] = await session.query<mysql.RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND COMMAND NOT IN ('Sleep', 'Daemon') AND USER <> 'system user'",
      );
      const otherActiveSessions = Number(others[0]?.n ?? 0);
      const loadAverage = Number(loadavg()[0]!.toFixed(2));
      if (otherActiveSessions > 0 || loadAverage > cpus().length) {
        log(`  warning: ${otherActiveSessions} other active sessions on the server, load average ${loadAverage} on ${cpus().length} CPUs: the figures are disturbed`);
      }
      return { waitedMs, dirtyPages, otherActiveSessions, loadAverage };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Per table: count and the CRC32 sum of its rows with the parents' names in place of ids. */
function fingerprintSql(design: Design, tables: LibraryTables): Array<{ table: string; sql: string }> {
  const [g, m, i] = [q(tables.group), q(tables.member), q(tables.image)];
  const natural = design.name === 'natural';
  const list = [
    { table: tables.group, sql: `SELECT COUNT(*) AS n, SUM(CRC32(CONCAT_WS('|', name, description))) AS h FROM ${g}` },
    {
      table: tables.member,
      sql: natural
        ? `SELECT COUNT(*) AS n, SUM(CRC32(CONCAT_WS('|', group_name, name, description))) AS h FROM ${m}`
        : `SELECT COUNT(*) AS n, SUM(CRC32(CONCAT_WS('|', g.name, m.name, m.description))) AS h FROM ${m} m JOIN ${g} g ON g.id = m.group_id`,
    },
    {
      table: tables.image,
      sql: natural
        ? `SELECT COUNT(*) AS n, SUM(CRC32(CONCAT_WS('|', group_name, member_name, file_id, description))) AS h FROM ${i}`
        : `SELECT COUNT(*) AS n, SUM(CRC32(CONCAT_WS('|', m.name, i.file_id, i.description))) AS h FROM ${i} i JOIN ${m} m ON m.id = i.member_id`,
    },
  ];
  for (const feature of tables.features.values()) {
    const f = q(feature);
    list.push({
      table: feature,
      sql:
        design.name === 'natural'
          ? `SELECT COUNT(*) AS n, SUM(CRC32(CONCAT(group_name, member_name, file_id, feature))) AS h FROM ${f}`
          : design.name === 'clustered'
            ? `SELECT COUNT(*) AS n, SUM(CRC32(CONCAT(i.file_id, f.feature))) AS h FROM ${f} f JOIN ${i} i ON i.id = f.image_id AND i.member_id = f.member_id`
            : `SELECT COUNT(*) AS n, SUM(CRC32(CONCAT(i.file_id, f.feature))) AS h FROM ${f} f JOIN ${i} i ON i.id = f.image_id`,
    });
  }
  return list;
}

export async function fingerprints(options: Options, database: string, design: Design, tables: LibraryTables, withFeatures: boolean): Promise<Map<string, string>> {
  const control = await connectControl({ ...options.connection, database });
  try {
    const result = new Map<string, string>();
    for (const { table, sql } of fingerprintSql(design, tables)) {
      if (!withFeatures && table.startsWith('feature_')) continue;
      const [rows] = await control.query(sql);
      const row = (rows as Array<{ n: number | string; h: number | string | null }>)[0];
      result.set(table, `${row?.n ?? 0} rows, crc ${row?.h ?? 0}`);
    }
    return result;
  } finally {
    await control.end();
  }
}
