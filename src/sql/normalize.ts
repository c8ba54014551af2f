/**
 * A statement's shape: the statement with its literals replaced by `?`, so that statements sent by
 * one code path with different values read the same (slow-log digests, deadlock shapes, stage
 * attribution). Pure: text in, text out.
 */
import { lex, type SqlToken } from './lexer.js';

/**
 * Between strings and comments, a bare word is kept and a number (0x hex, decimals, exponents) is a
 * literal. Words are matched first so the digits inside names like t1 or idx_2 are not taken for literals.
 */
const WORD_OR_NUMBER = /[A-Za-z_$][\w$]*|0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/g;

/**
 * The statement with its literals (quoted strings, numbers, hex and bit values) replaced by `?`,
 * block comments dropped and whitespace collapsed. Lists of literals become `(?+)`, because IN lists
 * and multi-row VALUES grow with the data, not with the code path that sent them. `--` and `#`
 * comments stay (literals inside replaced) as they always have, so existing digests keep their keys.
 */
export function normalizeStatement(sql: string): string {
  let out = '';
  let code = '';
  for (const token of lex(sql)) {
    if (token.kind === 'string') {
      if (hexOrBitPrefix(code, token)) code = code.slice(0, -1);
      out += `${literalsReplaced(code)}?`;
      code = '';
    } else if (token.kind === 'quoted' && closedQuote(token)) {
      out += `${literalsReplaced(code)}${token.text}`;
      code = '';
    } else if (token.kind === 'comment' && token.text.startsWith('/*')) {
      out += `${literalsReplaced(code)} `;
      code = '';
    } else {
      code += token.text;
    }
  }
  return (out + literalsReplaced(code))
    .replace(/\s+/g, ' ')
    .replace(/\(\s*\?(?:\s*,\s*\?)*\s*\)/g, '(?+)')
    .replace(/\(\?\+\)(?:\s*,\s*\(\?\+\))+/g, '(?+)')
    .trim();
}

function literalsReplaced(code: string): string {
  return code.replace(WORD_OR_NUMBER, (token) => (/^[A-Za-z_$]/.test(token) ? token : '?'));
}

/** `x'4E50'` and `b'101'`: the x or b is part of the literal when it stands alone before the quote. */
function hexOrBitPrefix(code: string, string: SqlToken): boolean {
  const last = [...code.matchAll(WORD_OR_NUMBER)].at(-1);
  if (!last || last.index + last[0].length !== code.length) return false;
  if (/^[xX]$/.test(last[0])) return /^'[0-9a-fA-F]*'$/.test(string.text);
  if (/^[bB]$/.test(last[0])) return /^'[01]*'$/.test(string.text);
  return false;
}

/** An identifier cut off by InnoDB's truncation is read as the words in it. */
function closedQuote(token: SqlToken): boolean {
  return /^`(?:[^`]|``)*`$/.test(token.text);
}
