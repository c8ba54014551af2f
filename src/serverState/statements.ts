/**
 * The SQL that puts a server change back, built as text so that it can be kept in the journal
 * table and run by any later innobench process (pure; table-tested).
 */
import mysql from 'mysql2';

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A system variable's name, checked: it is written into SQL unquoted, as SET GLOBAL wants it. */
export function variableName(name: string): string {
  if (!VARIABLE_NAME.test(name)) throw new Error(`${JSON.stringify(name)} is not a system variable name`);
  return name.toLowerCase();
}

/**
 * A value as SET GLOBAL takes it. Numbers stay numbers: a quoted number is refused by numeric
 * variables, and an unquoted one would mean an index for an ENUM or SET variable (log_output = 1
 * is FILE), so the type read from `SELECT @@GLOBAL.x` decides, not the text.
 */
export function valueLiteral(value: string | number | bigint | null): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${value} is not a value SET GLOBAL takes`);
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  return mysql.escape(value);
}

/** One SET GLOBAL for several variables: the server changes all of them or none. */
export function setGlobalStatement(values: Record<string, string | number | bigint | null>): string {
  const assignments = Object.entries(values).map(([name, value]) => `GLOBAL ${variableName(name)} = ${valueLiteral(value)}`);
  if (assignments.length === 0) throw new Error('SET GLOBAL of no variable');
  return `SET ${assignments.join(', ')}`;
}

/** One statement with `?` placeholders filled in (mysql2's escaping: strings quoted, arrays as lists). */
export function boundStatement(sql: string, values: Parameters<typeof mysql.format>[1]): string {
  return mysql.format(sql, values);
}
