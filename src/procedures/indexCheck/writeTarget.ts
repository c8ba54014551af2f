/**
 * The statements of index-check's write workload: a single-row INSERT with every column given a
 * generated value from its information_schema.COLUMNS type (auto-increment and generated columns
 * omitted, date/time columns NOW()), or `--write-sql` with `?` placeholders filled by the
 * generators named in --write-params. Where they are run (a scratch copy, a rolled-back
 * transaction) is the write load's business.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { PromiseConnection } from '../../db/connect.js';
import { quoteIdent } from '../../db/identifiers.js';
import { countPlaceholders, shorten, splitStatements, statementKind } from '../../sql/sqlText.js';
import { select } from './catalog.js';

type Row = Record<string, unknown>;

/** Generators for `--write-sql` placeholders, named in `--write-params` in placeholder order. */
export const WRITE_GENERATORS: Record<string, { describe: string; make: (seq: number) => unknown }> = {
  seq: { describe: 'an increasing integer (per run, shared by the connections)', make: (seq) => seq },
  int: { describe: 'a random integer in [0, 2^31)', make: () => Math.floor(Math.random() * 2 ** 31) },
  small: { describe: 'a random integer in [0, 10) (status-like)', make: () => Math.floor(Math.random() * 10) },
  str: { describe: 'a random 16-character string', make: () => randomString(16) },
  now: { describe: 'the current date and time', make: () => new Date() },
  uuid: { describe: 'a random UUID', make: () => randomUUID() },
};

/** A write statement ready to run: `?` placeholders filled per row by `params`. */
export interface PreparedWrite {
  sql: string;
  params: Array<(seq: number) => unknown>;
  describe: string;
}

interface ColumnInfo {
  name: string;
  dataType: string;
  columnType: string;
  nullable: boolean;
  hasDefault: boolean;
  extra: string;
  maxLength: number | null;
  precision: number | null;
  scale: number | null;
}

/** An INSERT into `into` (a copy of `table` in `schema`), values generated from `table`'s column types. */
export async function generatedInsert(connection: PromiseConnection, schema: string, table: string, into: string): Promise<PreparedWrite> {
  const rows = await select<Row>(
    connection,
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType, IS_NULLABLE AS nullable,
            COLUMN_DEFAULT AS def, EXTRA AS extra, CHARACTER_MAXIMUM_LENGTH AS maxLength,
            NUMERIC_PRECISION AS numericPrecision, NUMERIC_SCALE AS numericScale
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [schema, table],
  );
  if (rows.length === 0) throw new Error(`table ${schema}.${table} does not exist`);
  const columns: ColumnInfo[] = rows.map((r) => ({
    name: String(r.name),
    dataType: String(r.dataType).toLowerCase(),
    columnType: String(r.columnType).toLowerCase(),
    nullable: r.nullable === 'YES',
    hasDefault: r.def !== null && r.def !== undefined,
    extra: String(r.extra ?? '').toLowerCase(),
    maxLength: r.maxLength === null || r.maxLength === undefined ? null : Number(r.maxLength),
    precision: r.numericPrecision === null || r.numericPrecision === undefined ? null : Number(r.numericPrecision),
    scale: r.numericScale === null || r.numericScale === undefined ? null : Number(r.numericScale),
  }));
  const names: string[] = [];
  const values: string[] = [];
  const params: PreparedWrite['params'] = [];
  for (const column of columns) {
    if (column.extra.includes('auto_increment')) continue;
    if (/generated/.test(column.extra) && !/default_generated/.test(column.extra)) continue;
    const value = columnValue(column);
    if (!value) {
      if (column.nullable || column.hasDefault) continue;
      throw new Error(`cannot generate a value for ${table}.${column.name} (${column.columnType}): give --write-sql`);
    }
    names.push(quoteIdent(column.name));
    if (typeof value === 'string') values.push(value);
    else {
      values.push('?');
      params.push(value);
    }
  }
  const sql = `INSERT INTO ${quoteIdent(schema)}.${quoteIdent(into)} (${names.join(', ')}) VALUES (${values.join(', ')})`;
  return { sql, params, describe: `single-row INSERTs (${names.length} generated columns)` };
}

/** A SQL expression (string) or a value generator for a column; null when none fits. */
function columnValue(c: ColumnInfo): string | ((seq: number) => unknown) | null {
  const unsigned = c.columnType.includes('unsigned');
  const intMax: Record<string, number> = { tinyint: 127, smallint: 32767, mediumint: 8388607, int: 2147483647, integer: 2147483647, bigint: 2147483647 };
  if (c.dataType in intMax) {
    const max = unsigned && c.dataType === 'tinyint' ? 255 : intMax[c.dataType]!;
    return () => Math.floor(Math.random() * (max + 1));
  }
  if (c.dataType === 'decimal' || c.dataType === 'numeric') {
    const digits = Math.max(0, (c.precision ?? 10) - (c.scale ?? 0));
    const max = Math.min(10 ** digits - 1, 1_000_000);
    return () => (Math.random() * max).toFixed(c.scale ?? 0);
  }
  if (c.dataType === 'float' || c.dataType === 'double' || c.dataType === 'real') return () => Math.random() * 1000;
  if (c.dataType === 'bit') return () => 0;
  if (c.dataType === 'boolean' || c.dataType === 'bool') return () => Math.round(Math.random());
  if (c.dataType === 'char' || c.dataType === 'varchar') {
    const length = Math.min(c.maxLength ?? 16, 16);
    return () => randomString(length);
  }
  if (/text$/.test(c.dataType)) return () => randomString(16);
  if (c.dataType === 'binary' || c.dataType === 'varbinary') {
    const length = Math.min(c.maxLength ?? 16, 16);
    return () => randomBytes(length);
  }
  if (/blob$/.test(c.dataType)) return () => randomBytes(16);
  if (c.dataType === 'datetime' || c.dataType === 'timestamp') return 'NOW()';
  if (c.dataType === 'date') return 'CURDATE()';
  if (c.dataType === 'time') return 'CURTIME()';
  if (c.dataType === 'year') return 'YEAR(NOW())';
  if (c.dataType === 'json') return "'{}'";
  if (c.dataType === 'uuid') return 'UUID()';
  if (c.dataType === 'inet4') return "'127.0.0.1'";
  if (c.dataType === 'inet6') return "'::1'";
  if (c.dataType === 'enum' || c.dataType === 'set') {
    const first = /^(?:enum|set)\('((?:[^']|'')*)'/.exec(c.columnType);
    if (first) {
      const value = first[1]!.replace(/''/g, "'");
      return () => value;
    }
  }
  return null;
}

/** The workload of `--write-sql` with `--write-params` generator names (default: `seq` for every placeholder). */
export function customWrite(sql: string, paramNames: readonly string[] | undefined): PreparedWrite {
  // It runs inside START TRANSACTION … ROLLBACK: anything but one DML statement (DDL, TRUNCATE,
  // a second statement) would commit implicitly and keep its change.
  if (splitStatements(sql).length !== 1 || statementKind(sql) !== 'write') {
    throw new Error(`--write-sql must be one INSERT, REPLACE, UPDATE or DELETE statement (it is rolled back after each execution): ${JSON.stringify(shorten(sql))}`);
  }
  const placeholders = countPlaceholders(sql);
  const names = paramNames ?? Array.from({ length: placeholders }, () => 'seq');
  if (names.length !== placeholders) throw new Error(`--write-sql has ${placeholders} placeholder(s) but --write-params names ${names.length} generator(s)`);
  const params = names.map((name) => {
    const generator = WRITE_GENERATORS[name];
    if (!generator) throw new Error(`--write-params: unknown generator ${JSON.stringify(name)} (known: ${Object.keys(WRITE_GENERATORS).join(', ')})`);
    return generator.make;
  });
  return { sql, params, describe: `--write-sql (${names.join(', ') || 'no parameters'})` };
}

function randomString(length: number): string {
  return randomBytes(Math.ceil(length / 2) + 1).toString('hex').slice(0, Math.max(length, 0));
}
