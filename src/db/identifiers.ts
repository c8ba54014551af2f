/**
 * Table names embed a user-given clientFlag (the seed's per-customer split), so they are built by
 * concatenation. Every name part is validated before any SQL is sent, and every identifier is
 * quoted when it is.
 */

/** MySQL's limit on a table or database name. */
export const MAX_IDENTIFIER_LENGTH = 64;
/** The longest derived table name is `group_count_<flag>` / `feature_<flag>_<version>`; keep room. */
const LONGEST_PREFIX = 'group_member_'.length;
const LONGEST_SUFFIX = '_65535'.length;
export const MAX_FLAG_LENGTH = MAX_IDENTIFIER_LENGTH - LONGEST_PREFIX - LONGEST_SUFFIX;

import { shown } from '../config/shown.js';

const SAFE_NAME = /^[A-Za-z0-9_]+$/;

/** Returns an error message for an unusable clientFlag, or null when it is fine. */
export function flagError(flag: string): string | null {
  if (flag.length === 0) return 'the clientFlag is empty';
  if (flag.length > MAX_FLAG_LENGTH) {
    return `the clientFlag is ${flag.length} characters; at most ${MAX_FLAG_LENGTH} keep every derived table name within MySQL's 64`;
  }
  if (!SAFE_NAME.test(flag)) return `the clientFlag ${shown(flag)} may hold only letters, digits and _`;
  return null;
}

/** Returns an error message for an unusable database name, or null. */
export function databaseNameError(name: string): string | null {
  if (name.length === 0 || name.length > MAX_IDENTIFIER_LENGTH) return `database name must be 1–${MAX_IDENTIFIER_LENGTH} characters`;
  if (!SAFE_NAME.test(name)) return `database name ${shown(name)} may hold only letters, digits and _`;
  return null;
}

/** Quotes an identifier with backticks, doubling any backtick inside. */
export function quoteIdent(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}
