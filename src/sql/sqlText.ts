/**
 * SQL text handling shared by the plan and queries files and the EXPLAIN audit: splitting a file
 * into statements (with the comments before each and the line it starts on), tokens and a cursor
 * over them, placeholders, and what a statement does by its first keyword. Pure: text in, values out.
 */

export interface SqlStatement {
  /** The statement without comments, whitespace collapsed at the ends, no trailing `;`. */
  sql: string;
  /** The text of the `--`/`#` line comments and block comments met since the previous statement. */
  comments: string[];
  /** 1-based line where the statement starts. */
  line: number;
}

/** Splits SQL text at `;` outside quotes and comments (no DELIMITER support: plans have no routines). */
export function splitStatements(text: string): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let current = '';
  let comments: string[] = [];
  let line = 1;
  let startLine = 0;
  let i = 0;
  const push = (): void => {
    const sql = current.trim();
    if (sql) statements.push({ sql, comments, line: startLine || line });
    if (sql) comments = [];
    current = '';
    startLine = 0;
  };
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1] ?? '';
    if (c === '\n') line++;
    if ((c === '-' && next === '-' && /[\s]/.test(text[i + 2] ?? ' ')) || c === '#') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      comments.push(text.slice(i + (c === '#' ? 1 : 2), stop).trim());
      current += ' ';
      i = stop;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      const body = text.slice(i + 2, end === -1 ? text.length : end);
      line += (body.match(/\n/g) ?? []).length;
      comments.push(body.trim());
      current += ' ';
      i = stop;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      if (!startLine) startLine = line;
      let j = i + 1;
      while (j < text.length) {
        const d = text[j]!;
        if (d === '\n') line++;
        if (d === '\\' && c !== '`') {
          j += 2;
          continue;
        }
        if (d === c) {
          if (text[j + 1] === c) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      current += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === ';') {
      push();
      i++;
      continue;
    }
    if (!startLine && !/\s/.test(c)) startLine = line;
    current += c;
    i++;
  }
  push();
  return statements;
}

export interface Token {
  kind: 'word' | 'quoted' | 'string' | 'punct';
  /** Identifier or string value (unquoted), or the punctuation character. */
  value: string;
  start: number;
  end: number;
}

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[\p{L}\p{N}_$]/u.test(c)) {
      let j = i + 1;
      while (j < sql.length && /[\p{L}\p{N}_$]/u.test(sql[j]!)) j++;
      tokens.push({ kind: 'word', value: sql.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    if (c === '`' || c === "'" || c === '"') {
      let j = i + 1;
      let value = '';
      while (j < sql.length) {
        const d = sql[j]!;
        if (d === '\\' && c !== '`') {
          value += sql[j + 1] ?? '';
          j += 2;
          continue;
        }
        if (d === c) {
          if (sql[j + 1] === c) {
            value += c;
            j += 2;
            continue;
          }
          break;
        }
        value += d;
        j++;
      }
      tokens.push({ kind: c === '`' ? 'quoted' : 'string', value, start: i, end: Math.min(j + 1, sql.length) });
      i = j + 1;
      continue;
    }
    tokens.push({ kind: 'punct', value: c, start: i, end: i + 1 });
    i++;
  }
  return tokens;
}

/** A statement the parser could not read; the message says what was expected and quotes the text near it. */
export class SqlSyntaxError extends Error {}

/** Walks the tokens of one statement; the `expect…` methods throw SqlSyntaxError quoting the text near the failure. */
export class TokenCursor {
  private i = 0;
  constructor(
    readonly sql: string,
    private readonly tokens: Token[],
  ) {}

  get done(): boolean {
    return this.i >= this.tokens.length;
  }

  peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }

  next(): Token {
    const token = this.tokens[this.i++];
    if (!token) throw new SqlSyntaxError('unexpected end of statement');
    return token;
  }

  isWord(word: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token?.kind === 'word' && token.value.toUpperCase() === word;
  }

  acceptWord(...words: string[]): boolean {
    if (!words.every((w, k) => this.isWord(w, k))) return false;
    this.i += words.length;
    return true;
  }

  expectWord(word: string): void {
    if (!this.acceptWord(word)) throw new SqlSyntaxError(`expected ${word} ${this.near()}`);
  }

  isPunct(p: string): boolean {
    const token = this.peek();
    return token?.kind === 'punct' && token.value === p;
  }

  acceptPunct(p: string): boolean {
    if (!this.isPunct(p)) return false;
    this.i++;
    return true;
  }

  expectPunct(p: string): Token {
    if (!this.isPunct(p)) throw new SqlSyntaxError(`expected "${p}" ${this.near()}`);
    return this.next();
  }

  identifier(what: string): string {
    const token = this.peek();
    if (!token || (token.kind !== 'word' && token.kind !== 'quoted')) throw new SqlSyntaxError(`expected ${what} ${this.near()}`);
    this.i++;
    return token.value;
  }

  near(): string {
    const token = this.peek();
    return token ? `near "${this.sql.slice(token.start, token.start + 30)}"` : 'at the end';
  }
}

/** One line of at most 80 characters, for messages that quote a statement. */
export function shorten(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ');
  return flat.length > 80 ? `${flat.slice(0, 80)}…` : flat;
}

/** MySQL compares index and column names case-insensitively. */
export function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The `?` placeholders of a statement, those inside quotes and comments not counted. */
export function countPlaceholders(sql: string): number {
  return splitStatements(sql)
    .flatMap((statement) => tokenize(statement.sql))
    .filter((t) => t.kind === 'punct' && t.value === '?').length;
}

export function stripComments(sql: string): string {
  return sql.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|\s)(--\s|#)[^\n]*/g, ' ');
}

export type StatementKind = 'read' | 'write' | 'other';

/** What a statement does, by its first keyword: reads (SELECT, WITH … SELECT), writes, or other. */
export function statementKind(sql: string): StatementKind {
  const text = stripComments(sql).replace(/^[\s(]+/, '');
  const word = /^[A-Za-z]+/.exec(text)?.[0]?.toUpperCase() ?? '';
  if (word === 'SELECT' || word === 'TABLE' || word === 'VALUES') return 'read';
  if (word === 'WITH') return /\b(INSERT|REPLACE|UPDATE|DELETE)\b/i.test(text) ? 'write' : 'read';
  if (word === 'INSERT' || word === 'REPLACE' || word === 'UPDATE' || word === 'DELETE') return 'write';
  return 'other';
}

/** Identifiers a statement names (backquoted or bare words), lower-cased; literals left out. */
export function identifiersOf(sql: string): Set<string> {
  const names = new Set<string>();
  const text = stripComments(sql).replace(/'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"/g, ' ');
  for (const match of text.matchAll(/`((?:[^`]|``)+)`|([A-Za-z0-9_$]+)/g)) {
    names.add((match[1] !== undefined ? match[1].replace(/``/g, '`') : match[2]!).toLowerCase());
  }
  return names;
}
