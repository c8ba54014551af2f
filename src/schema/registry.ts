/**
 * What the harness created, recorded in its own database, so that it never reuses, truncates or
 * drops a table somebody else owns. A library (one clientFlag's table set) carries the spec it
 * was prepared with and how far its load got, which is what makes prepare resumable.
 */
import type { PromiseConnection } from '../db/connect.js';
import { quoteIdent } from '../db/identifiers.js';
import { boundStatement } from '../serverState/statements.js';

export const LIBRARIES_TABLE = 'innobench_libraries';
export const OBJECTS_TABLE = 'innobench_objects';

export type LibraryState = 'loading' | 'complete';

export interface LibraryRecord {
  flag: string;
  design: string;
  spec: Record<string, unknown>;
  state: LibraryState;
}

export async function ensureRegistry(control: PromiseConnection): Promise<void> {
  await control.query(`CREATE TABLE IF NOT EXISTS ${quoteIdent(LIBRARIES_TABLE)} (
    flag VARCHAR(64) NOT NULL PRIMARY KEY,
    design VARCHAR(16) NOT NULL,
    spec TEXT NOT NULL,
    state VARCHAR(16) NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
  ) ENGINE=InnoDB`);
  await control.query(`CREATE TABLE IF NOT EXISTS ${quoteIdent(OBJECTS_TABLE)} (
    table_name VARCHAR(64) NOT NULL PRIMARY KEY,
    flag VARCHAR(64) NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    KEY flag (flag)
  ) ENGINE=InnoDB`);
}

export async function findLibrary(control: PromiseConnection, flag: string): Promise<LibraryRecord | null> {
  const [rows] = await control.query(`SELECT flag, design, spec, state FROM ${quoteIdent(LIBRARIES_TABLE)} WHERE flag = ?`, [flag]);
  const row = (rows as Array<{ flag: string; design: string; spec: string; state: LibraryState }>)[0];
  return row ? { flag: row.flag, design: row.design, spec: JSON.parse(row.spec) as Record<string, unknown>, state: row.state } : null;
}

export async function listLibraries(control: PromiseConnection): Promise<LibraryRecord[]> {
  const [rows] = await control.query(`SELECT flag, design, spec, state FROM ${quoteIdent(LIBRARIES_TABLE)} ORDER BY flag`);
  return (rows as Array<{ flag: string; design: string; spec: string; state: LibraryState }>).map((row) => ({
    flag: row.flag,
    design: row.design,
    spec: JSON.parse(row.spec) as Record<string, unknown>,
    state: row.state,
  }));
}

export async function saveLibrary(control: PromiseConnection, library: LibraryRecord): Promise<void> {
  await control.query(
    `INSERT INTO ${quoteIdent(LIBRARIES_TABLE)} (flag, design, spec, state) VALUES (?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE design = VALUES(design), spec = VALUES(spec), state = VALUES(state)`,
    [library.flag, library.design, JSON.stringify(library.spec), library.state],
  );
}

export async function recordTable(control: PromiseConnection, table: string, flag: string): Promise<void> {
  await control.query(`INSERT IGNORE INTO ${quoteIdent(OBJECTS_TABLE)} (table_name, flag) VALUES (?, ?)`, [table, flag]);
}

export async function ownedTables(control: PromiseConnection, flag?: string): Promise<Set<string>> {
  const [rows] = flag
    ? await control.query(`SELECT table_name AS name FROM ${quoteIdent(OBJECTS_TABLE)} WHERE flag = ?`, [flag])
    : await control.query(`SELECT table_name AS name FROM ${quoteIdent(OBJECTS_TABLE)}`);
  return new Set((rows as Array<{ name: string }>).map((row) => row.name));
}

export async function forgetLibrary(control: PromiseConnection, flag: string): Promise<void> {
  await control.query(`DELETE FROM ${quoteIdent(OBJECTS_TABLE)} WHERE flag = ?`, [flag]);
  await control.query(`DELETE FROM ${quoteIdent(LIBRARIES_TABLE)} WHERE flag = ?`, [flag]);
}

/** Tables among `names` that exist in the current database. */
export async function existingTables(control: PromiseConnection, names: string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const [rows] = await control.query(
    'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?)',
    [names],
  );
  return new Set((rows as Array<{ name: string }>).map((row) => row.name));
}

/**
 * Refuses, with the names, when any of `tables` exists but was not created by the harness for
 * this clientFlag: names are concatenated, so `group_member_x` is both the group table of flag
 * `member_x` and the membership table of flag `x`.
 */
export async function assertOwned(control: PromiseConnection, tables: string[], flag: string): Promise<void> {
  const existing = await existingTables(control, tables);
  const [rows] = await control.query(`SELECT table_name AS name, flag FROM ${quoteIdent(OBJECTS_TABLE)}`);
  const ownerOf = new Map((rows as Array<{ name: string; flag: string }>).map((row) => [row.name, row.flag]));
  const foreign = [...existing].filter((name) => ownerOf.get(name) === undefined);
  if (foreign.length > 0) {
    throw new Error(`refusing to touch ${foreign.map((n) => `\`${n}\``).join(', ')}: not created by innobench (rename it, or use another --flag or --database)`);
  }
  const planned = new Set(tables);
  const taken = [...ownerOf].filter(([name, owner]) => planned.has(name) && owner !== flag);
  if (taken.length > 0) {
    throw new Error(`refusing to touch ${taken.map(([n, owner]) => `\`${n}\` (clientFlag ${owner})`).join(', ')}: it belongs to another library; use another --flag`);
  }
}

/**
 * Indexes index-check added to tables it does not own, with their columns when added: its
 * rollback drops only these, and only while the index still has those columns, never an index
 * that was there before. Kept in the connection's database beside the other registry tables.
 */
export const INDEXES_TABLE = 'innobench_indexes';

export interface AddedIndex {
  schema: string;
  table: string;
  index: string;
  columns: string[];
}

export async function ensureIndexRegistry(control: PromiseConnection): Promise<void> {
  await control.query(`CREATE TABLE IF NOT EXISTS ${quoteIdent(INDEXES_TABLE)} (
    table_schema VARCHAR(64) NOT NULL,
    table_name VARCHAR(64) NOT NULL,
    index_name VARCHAR(64) NOT NULL,
    columns TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (table_schema, table_name, index_name)
  ) ENGINE=InnoDB`);
}

export async function recordIndex(control: PromiseConnection, added: AddedIndex): Promise<void> {
  await control.query(`REPLACE INTO ${quoteIdent(INDEXES_TABLE)} (table_schema, table_name, index_name, columns) VALUES (?, ?, ?, ?)`, [
    added.schema,
    added.table,
    added.index,
    JSON.stringify(added.columns),
  ]);
}

/** The recorded index of that name on that table, or null (also when nothing was ever recorded). */
export async function findAddedIndex(control: PromiseConnection, schema: string, table: string, index: string): Promise<AddedIndex | null> {
  const [exists] = await control.query('SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?', [INDEXES_TABLE]);
  if ((exists as unknown[]).length === 0) return null;
  const [rows] = await control.query(
    `SELECT table_schema AS s, table_name AS t, index_name AS i, columns AS c FROM ${quoteIdent(INDEXES_TABLE)} WHERE table_schema = ? AND table_name = ? AND index_name = ?`,
    [schema, table, index],
  );
  const row = (rows as Array<{ s: string; t: string; i: string; c: string }>)[0];
  return row ? { schema: row.s, table: row.t, index: row.i, columns: JSON.parse(row.c) as string[] } : null;
}

export async function forgetIndex(control: PromiseConnection, added: Pick<AddedIndex, 'schema' | 'table' | 'index'>): Promise<void> {
  await control.query(forgetIndexStatement(added));
}

/** The DELETE that forgets an added index, as text: the journal keeps it with the index's undo. */
export function forgetIndexStatement(added: Pick<AddedIndex, 'schema' | 'table' | 'index'>): string {
  return boundStatement(`DELETE FROM ${quoteIdent(INDEXES_TABLE)} WHERE table_schema = ? AND table_name = ? AND index_name = ?`, [added.schema, added.table, added.index]);
}
