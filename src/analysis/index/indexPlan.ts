/**
 * The index plan and queries files of `index-check`, read into values. A plan may only ADD
 * indexes, so that applying it cannot change anything else and its rollback can be derived:
 *
 *   ALTER TABLE t ADD [UNIQUE|FULLTEXT|SPATIAL] INDEX|KEY name (a, b(10) DESC) [, ADD …] [, ALGORITHM=x] [, LOCK=y];
 *   ALTER TABLE t ADD [CONSTRAINT [c]] UNIQUE [INDEX|KEY] name (a);
 *   CREATE [UNIQUE|FULLTEXT|SPATIAL] INDEX name [USING BTREE|HASH] ON t (a, b) [ALGORITHM [=] x] [LOCK [=] y];
 *   USE db;     -- qualifies the following tables (or write db.t)
 * Index options allowed after the columns: USING BTREE|HASH, COMMENT '…', KEY_BLOCK_SIZE [=] n;
 * `IF NOT EXISTS` is accepted (presence is checked anyway) and ALTER ONLINE means LOCK=NONE.
 * SELECT / SHOW / SET / EXPLAIN … statements are skipped (listed, never run). Everything else is
 * refused with its line and the text near the problem: DROP anything, other ALTER clauses (a
 * `, DROP COLUMN` riding on an index), ALTER IGNORE (it deletes duplicate rows for a UNIQUE
 * index), CREATE OR REPLACE INDEX (it drops an existing index), PRIMARY KEY, an index named
 * PRIMARY, unnamed indexes and functional key parts.
 *
 * The statements index-check runs are rebuilt from the parsed values (quoted identifiers, escaped
 * comment), never spliced from the plan's text.
 */
import { escape as escapeSql } from 'mysql2';
import { quoteIdent } from '../../db/identifiers.js';
import { SqlSyntaxError, TokenCursor, sameName, shorten, splitStatements, tokenize } from '../../sql/sqlText.js';

export interface IndexColumn {
  name: string;
  /** Prefix length, as in `name(10)`. */
  length?: number;
  order?: 'ASC' | 'DESC';
}

export type IndexKind = 'INDEX' | 'UNIQUE' | 'FULLTEXT' | 'SPATIAL';

export interface PlannedIndex {
  /** The schema the plan named (`db.t` or `USE db`); undefined: the connection's database. */
  schema?: string;
  table: string;
  name: string;
  columns: IndexColumn[];
  kind: IndexKind;
  using?: 'BTREE' | 'HASH';
  comment?: string;
  keyBlockSize?: number;
  /** ALGORITHM= / LOCK= of its statement, appended when it is applied. */
  alterOptions: string[];
  line: number;
}

export interface PlanProblem {
  line: number;
  sql: string;
  reason: string;
}

export interface Plan {
  indexes: PlannedIndex[];
  /** Statements that are not index DDL and were skipped (USE is applied, not listed). */
  ignored: PlanProblem[];
  /** Statements refused: they would change something other than adding an index, or could not be read. */
  errors: PlanProblem[];
}

const IGNORABLE = /^(SELECT|SHOW|SET|EXPLAIN|DESCRIBE|DESC|ANALYZE|CHECK|OPTIMIZE|SOURCE|DELIMITER|START|BEGIN|COMMIT|FLUSH)\b/i;
const ALGORITHMS = new Set(['DEFAULT', 'INPLACE', 'COPY', 'NOCOPY', 'INSTANT']);
const LOCKS = new Set(['DEFAULT', 'NONE', 'SHARED', 'EXCLUSIVE']);

export function parsePlan(text: string): Plan {
  const plan: Plan = { indexes: [], ignored: [], errors: [] };
  let schema: string | undefined;
  for (const statement of splitStatements(text)) {
    const problem = (reason: string): PlanProblem => ({ line: statement.line, sql: shorten(statement.sql), reason });
    const cursor = new TokenCursor(statement.sql, tokenize(statement.sql));
    try {
      if (cursor.acceptWord('USE')) {
        schema = cursor.identifier('a database name');
        if (!cursor.done) throw new SqlSyntaxError(`unexpected text ${cursor.near()}`);
        continue;
      }
      if (IGNORABLE.test(statement.sql)) {
        plan.ignored.push(problem('not index DDL'));
        continue;
      }
      const found = parseIndexStatement(cursor, statement.line);
      if (!found) {
        plan.errors.push(problem('only ALTER TABLE … ADD INDEX and CREATE INDEX belong in a plan (its rollback is derived)'));
        continue;
      }
      for (const index of found) {
        if (index.schema === undefined && schema !== undefined) index.schema = schema;
        const duplicate = plan.indexes.find(
          (other) => sameName(other.table, index.table) && sameName(other.name, index.name) && (other.schema ?? '') === (index.schema ?? ''),
        );
        if (duplicate) plan.errors.push(problem(`index ${index.name} on ${index.table} is planned twice (also line ${duplicate.line})`));
        else plan.indexes.push(index);
      }
    } catch (error) {
      if (!(error instanceof SqlSyntaxError)) throw error;
      plan.errors.push(problem(error.message));
    }
  }
  return plan;
}

/** The indexes an ALTER TABLE … ADD INDEX or CREATE INDEX statement adds; null for another statement. */
function parseIndexStatement(cursor: TokenCursor, line: number): PlannedIndex[] | null {
  if (cursor.acceptWord('ALTER')) {
    const online = cursor.acceptWord('ONLINE');
    if (cursor.isWord('IGNORE')) throw new SqlSyntaxError(`ALTER IGNORE deletes rows that break a UNIQUE index: not allowed in a plan ${cursor.near()}`);
    if (!cursor.acceptWord('TABLE')) return null;
    cursor.acceptWord('IF', 'EXISTS');
    const { schema, table } = tableName(cursor);
    const indexes: PlannedIndex[] = [];
    const alterOptions: string[] = online ? ['LOCK=NONE'] : [];
    do {
      if (alterOption(cursor, alterOptions)) continue;
      if (!cursor.acceptWord('ADD')) throw new SqlSyntaxError(`only ADD INDEX clauses (and ALGORITHM=/LOCK=) are allowed in a plan's ALTER TABLE ${cursor.near()}`);
      const kind = indexKind(cursor);
      if (!kind) throw new SqlSyntaxError(`only ADD INDEX clauses are allowed in a plan's ALTER TABLE ${cursor.near()}`);
      cursor.acceptWord('IF', 'NOT', 'EXISTS');
      if (cursor.isPunct('(') || cursor.isWord('USING')) throw new SqlSyntaxError(`index without a name: name it so that it can be verified and rolled back ${cursor.near()}`);
      const index: PlannedIndex = { table, name: indexName(cursor), columns: [], kind, alterOptions, line, ...(schema ? { schema } : {}) };
      usingClause(cursor, index);
      index.columns = columnList(cursor);
      indexOptions(cursor, index, null);
      indexes.push(index);
    } while (cursor.acceptPunct(','));
    if (!cursor.done) throw new SqlSyntaxError(`unexpected text ${cursor.near()}`);
    if (indexes.length === 0) throw new SqlSyntaxError('ALTER TABLE adds no index');
    return indexes;
  }
  if (cursor.acceptWord('CREATE')) {
    if (cursor.isWord('OR')) throw new SqlSyntaxError(`CREATE OR REPLACE INDEX drops an existing index: not allowed in a plan ${cursor.near()}`);
    const online = cursor.acceptWord('ONLINE');
    let kind: IndexKind = 'INDEX';
    for (const k of ['UNIQUE', 'FULLTEXT', 'SPATIAL'] as const) if (cursor.acceptWord(k)) kind = k;
    if (!cursor.acceptWord('INDEX')) return null;
    cursor.acceptWord('IF', 'NOT', 'EXISTS');
    const name = indexName(cursor);
    const index: PlannedIndex = { table: '', name, columns: [], kind, alterOptions: online ? ['LOCK=NONE'] : [], line };
    usingClause(cursor, index);
    cursor.expectWord('ON');
    const { schema, table } = tableName(cursor);
    index.table = table;
    if (schema) index.schema = schema;
    index.columns = columnList(cursor);
    indexOptions(cursor, index, index.alterOptions);
    if (!cursor.done) throw new SqlSyntaxError(`unexpected text ${cursor.near()}`);
    return [index];
  }
  return null;
}

function tableName(cursor: TokenCursor): { schema?: string; table: string } {
  const first = cursor.identifier('a table name');
  if (cursor.acceptPunct('.')) return { schema: first, table: cursor.identifier('a table name') };
  return { table: first };
}

function indexName(cursor: TokenCursor): string {
  const near = cursor.near();
  const name = cursor.identifier('an index name');
  if (sameName(name, 'PRIMARY')) throw new SqlSyntaxError(`PRIMARY is the primary key's name: a plan adds secondary indexes only ${near}`);
  return name;
}

function indexKind(cursor: TokenCursor): IndexKind | null {
  if (cursor.acceptWord('CONSTRAINT')) {
    if (!cursor.isWord('UNIQUE')) cursor.identifier('a constraint name');
    if (!cursor.isWord('UNIQUE')) throw new SqlSyntaxError(`only a UNIQUE constraint is an index ${cursor.near()}`);
  }
  for (const k of ['UNIQUE', 'FULLTEXT', 'SPATIAL'] as const) {
    if (cursor.acceptWord(k)) {
      if (!cursor.acceptWord('INDEX')) cursor.acceptWord('KEY');
      return k;
    }
  }
  if (cursor.acceptWord('INDEX') || cursor.acceptWord('KEY')) return 'INDEX';
  return null;
}

function usingClause(cursor: TokenCursor, index: PlannedIndex): boolean {
  if (!cursor.acceptWord('USING')) return false;
  if (cursor.acceptWord('BTREE')) index.using = 'BTREE';
  else if (cursor.acceptWord('HASH')) index.using = 'HASH';
  else throw new SqlSyntaxError(`expected BTREE or HASH ${cursor.near()}`);
  return true;
}

/** `ALGORITHM [=] x` or `LOCK [=] y` with a known value, pushed to `into` as `ALGORITHM=X`; false when neither. */
function alterOption(cursor: TokenCursor, into: string[]): boolean {
  for (const [word, values] of [['ALGORITHM', ALGORITHMS], ['LOCK', LOCKS]] as const) {
    if (cursor.acceptWord(word)) {
      cursor.acceptPunct('=');
      const near = cursor.near();
      const value = cursor.identifier(`a ${word} value`).toUpperCase();
      if (!values.has(value)) throw new SqlSyntaxError(`${word} must be one of ${[...values].join(', ')} ${near}`);
      into.push(`${word}=${value}`);
      return true;
    }
  }
  return false;
}

function columnList(cursor: TokenCursor): IndexColumn[] {
  cursor.expectPunct('(');
  const columns: IndexColumn[] = [];
  do {
    if (cursor.isPunct('(')) throw new SqlSyntaxError(`functional key parts are not supported ${cursor.near()}`);
    const column: IndexColumn = { name: cursor.identifier('a column name') };
    if (cursor.acceptPunct('(')) {
      const length = cursor.identifier('a prefix length');
      if (!/^\d+$/.test(length)) throw new SqlSyntaxError(`expected a prefix length ${cursor.near()}`);
      column.length = Number(length);
      cursor.expectPunct(')');
    }
    if (cursor.acceptWord('ASC')) column.order = 'ASC';
    else if (cursor.acceptWord('DESC')) column.order = 'DESC';
    columns.push(column);
  } while (cursor.acceptPunct(','));
  cursor.expectPunct(')');
  return columns;
}

/**
 * The index options after the column list, up to the next `,` (ALTER) or the end (CREATE, where
 * ALGORITHM/LOCK may follow too: `alterOptions`). Anything else is refused.
 */
function indexOptions(cursor: TokenCursor, index: PlannedIndex, alterOptions: string[] | null): void {
  while (!cursor.done && !cursor.isPunct(',')) {
    if (usingClause(cursor, index)) continue;
    if (alterOptions && alterOption(cursor, alterOptions)) continue;
    if (cursor.acceptWord('COMMENT')) {
      const token = cursor.next();
      if (token.kind !== 'string') throw new SqlSyntaxError(`expected a quoted comment ${cursor.near()}`);
      index.comment = token.value;
      continue;
    }
    if (cursor.acceptWord('KEY_BLOCK_SIZE')) {
      cursor.acceptPunct('=');
      const size = cursor.identifier('a key block size');
      if (!/^\d+$/.test(size)) throw new SqlSyntaxError(`expected a number ${cursor.near()}`);
      index.keyBlockSize = Number(size);
      continue;
    }
    throw new SqlSyntaxError(`only USING, COMMENT and KEY_BLOCK_SIZE${alterOptions ? ', ALGORITHM and LOCK' : ''} may follow an index's columns ${cursor.near()}`);
  }
}

/** The `ALTER TABLE … ADD INDEX` that creates a planned index, rebuilt from its parsed parts. */
export function addStatement(index: PlannedIndex): string {
  const kind = index.kind === 'INDEX' ? 'INDEX' : `${index.kind} INDEX`;
  const columns = index.columns.map((c) => `${quoteIdent(c.name)}${c.length !== undefined ? `(${c.length})` : ''}${c.order ? ` ${c.order}` : ''}`);
  const options = [
    index.using ? `USING ${index.using}` : '',
    index.keyBlockSize !== undefined ? `KEY_BLOCK_SIZE=${index.keyBlockSize}` : '',
    index.comment !== undefined ? `COMMENT ${escapeSql(index.comment)}` : '',
  ].filter(Boolean);
  const add = `ADD ${kind} ${quoteIdent(index.name)} (${columns.join(', ')})${options.length ? ` ${options.join(' ')}` : ''}`;
  return `ALTER TABLE ${qualifiedTable(index)} ${[add, ...index.alterOptions].join(', ')}`;
}

/** `ifExists` (MariaDB only) for an undo that must succeed whether or not the index got added. */
export function dropStatement(index: Pick<PlannedIndex, 'schema' | 'table' | 'name'>, ifExists = false): string {
  return `ALTER TABLE ${qualifiedTable(index)} DROP INDEX ${ifExists ? 'IF EXISTS ' : ''}${quoteIdent(index.name)}`;
}

/** What `--rollback` would run for each planned index (it runs them only for indexes innobench added). */
export function rollbackStatements(plan: Pick<Plan, 'indexes'>): string[] {
  return plan.indexes.map((index) => dropStatement(index));
}

function qualifiedTable(index: Pick<PlannedIndex, 'schema' | 'table'>): string {
  return index.schema ? `${quoteIdent(index.schema)}.${quoteIdent(index.table)}` : quoteIdent(index.table);
}

// ---------------------------------------------------------------------------------------------
// Queries file

export interface PlannedQuery {
  sql: string;
  /** The index its EXPLAIN must show (`-- expect: idx`); undefined: any index, no full scan. */
  expect?: string;
  /** The planned index the query was derived for, when no queries file was given. */
  derivedFor?: string;
  line: number;
}

export function parseQueries(text: string): { queries: PlannedQuery[]; errors: PlanProblem[] } {
  const queries: PlannedQuery[] = [];
  const errors: PlanProblem[] = [];
  for (const statement of splitStatements(text)) {
    let expect: string | undefined;
    for (const comment of statement.comments) {
      const match = /^expect\s*:\s*(.+?)\s*$/i.exec(comment);
      if (match) expect = match[1]!.replace(/^`(.*)`$/, '$1');
    }
    if (!/^(SELECT|WITH|\()/i.test(statement.sql)) {
      errors.push({ line: statement.line, sql: shorten(statement.sql), reason: 'only read-only queries (SELECT, WITH) are timed: each runs --repeat times' });
      continue;
    }
    queries.push({ sql: statement.sql, line: statement.line, ...(expect ? { expect } : {}) });
  }
  return { queries, errors };
}
