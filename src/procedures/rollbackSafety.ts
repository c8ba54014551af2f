/**
 * Whether ROLLBACK undoes a write completely: shared by the EXPLAIN audit (ANALYZE of a write runs
 * in a rolled-back transaction) and index-check (a --write-sql workload is rolled back after
 * every statement), so that neither ever keeps a change in the user's tables.
 */
import type { PromiseConnection } from '../db/connect.js';
import { identifiersOf } from '../sql/sqlText.js';

const TRANSACTIONAL = /^innodb$/i;

/** Why a write cannot be undone by ROLLBACK (a non-InnoDB table, triggers into one), or null. */
export async function rollbackUnsafe(connection: PromiseConnection, sql: string): Promise<string | null> {
  const [tableRows] = await connection.query(
    'SELECT TABLE_NAME AS name, ENGINE AS engine FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()',
  );
  const tables = tableRows as Array<{ name: string; engine: string | null }>;
  const named = identifiersOf(sql);
  const referenced = tables.filter((t) => named.has(t.name.toLowerCase()));
  const nonTransactional = referenced.filter((t) => !TRANSACTIONAL.test(t.engine ?? ''));
  if (nonTransactional.length) {
    return `${nonTransactional.map((t) => `${t.name} (${t.engine ?? 'view'})`).join(', ')} would not roll back`;
  }
  const [triggerRows] = await connection.query(
    'SELECT DISTINCT EVENT_OBJECT_TABLE AS name FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()',
  );
  const triggered = (triggerRows as Array<{ name: string }>).filter((t) => named.has(t.name.toLowerCase()));
  if (triggered.length && tables.some((t) => !TRANSACTIONAL.test(t.engine ?? ''))) {
    return `triggers on ${triggered.map((t) => t.name).join(', ')} and non-InnoDB tables in the database: a rollback might not undo everything`;
  }
  return null;
}
