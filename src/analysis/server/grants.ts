/**
 * SHOW GRANTS, read: which privileges an account holds on which database, its roles and its
 * connection limit. Pure (table-tested); the doctor decides what the privileges mean for a run.
 */

// SHOW GRANTS

export interface GrantEntry {
  /** Upper case; 'ALL' for ALL [PRIVILEGES]. Column privileges are left out (not table-wide). */
  privileges: string[];
  /** '*' for every database; otherwise the name or LIKE pattern as granted (backslash escapes kept). */
  database: string;
  /** '*' for every table of the database. */
  table: string;
}

export interface ParsedGrants {
  entries: GrantEntry[];
  /** Roles granted to the account (their privileges are not in these lines unless the role is active). */
  roles: string[];
  /** WITH MAX_USER_CONNECTIONS n (MariaDB shows it in SHOW GRANTS); null when none is set. */
  maxUserConnections: number | null;
  /** GRANT lines that could not be read. */
  unparsed: string[];
}

/** Splits at commas outside parentheses and quotes. */
function splitTopLevel(text: string, separator = ','): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let current = '';
  for (const char of text) {
    if (quote) {
      if (char === quote) quote = null;
    } else if (char === '`' || char === '"' || char === "'") quote = char;
    else if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === separator && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part.length > 0);
}

/** The index of ` ON ` outside parentheses and quotes, or -1. */
function topLevelOn(text: string): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote) {
      if (char === quote) quote = null;
      continue;
    }
    if (char === '`' || char === '"' || char === "'") quote = char;
    else if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (depth === 0 && /\s/.test(char) && /^\s+ON\s/i.test(text.slice(i))) return i;
  }
  return -1;
}

/** Reads one identifier (`quoted`, "quoted", * or bare) at `from`; returns it and where it ended. */
function readIdentifier(text: string, from: number): { name: string; end: number } | null {
  const first = text[from];
  if (first === undefined) return null;
  if (first === '*') return { name: '*', end: from + 1 };
  if (first === '`' || first === '"') {
    let name = '';
    let i = from + 1;
    while (i < text.length) {
      if (text[i] === first) {
        if (text[i + 1] === first) {
          name += first;
          i += 2;
          continue;
        }
        return { name, end: i + 1 };
      }
      name += text[i];
      i++;
    }
    return null;
  }
  const match = /^[^.\s`"]+/.exec(text.slice(from));
  return match ? { name: match[0], end: from + match[0].length } : null;
}

export function parseGrants(lines: readonly string[]): ParsedGrants {
  const parsed: ParsedGrants = { entries: [], roles: [], maxUserConnections: null, unparsed: [] };
  for (const raw of lines) {
    const line = raw.trim();
    const limit = /\bMAX_USER_CONNECTIONS\s+(\d+)/i.exec(line);
    if (limit && Number(limit[1]) > 0) parsed.maxUserConnections = Number(limit[1]);
    const grant = /^GRANT\s+/i.exec(line);
    if (!grant) continue; // SET DEFAULT ROLE, REVOKE (partial revokes), CREATE USER ...
    const rest = line.slice(grant[0].length);
    const on = topLevelOn(rest);
    if (on < 0) {
      // GRANT `role` TO `user`@`host`
      const to = /\s+TO\s+/i.exec(rest);
      if (to) parsed.roles.push(...splitTopLevel(rest.slice(0, to.index)).map((role) => role.replace(/[`'"]/g, '')));
      else parsed.unparsed.push(raw);
      continue;
    }
    const privilegeText = rest.slice(0, on);
    let objectText = rest.slice(on).replace(/^\s+ON\s+/i, '');
    const kind = /^(TABLE|FUNCTION|PROCEDURE|PACKAGE\s+BODY|PACKAGE)\s+/i.exec(objectText);
    if (kind) {
      if (!/^TABLE/i.test(kind[1]!)) continue; // routine privileges
      objectText = objectText.slice(kind[0].length);
    }
    if (/^PROXY\b/i.test(privilegeText.trim())) continue;
    const database = readIdentifier(objectText, 0);
    let table: { name: string; end: number } | null = null;
    if (database && objectText[database.end] === '.') table = readIdentifier(objectText, database.end + 1);
    else if (database && database.name === '*') table = { name: '*', end: database.end }; // GRANT … ON * (current database)
    if (!database || !table) {
      parsed.unparsed.push(raw);
      continue;
    }
    const privileges = splitTopLevel(privilegeText)
      .filter((privilege) => !privilege.includes('(')) // column privileges
      .map((privilege) => privilege.toUpperCase().replace(/\s+/g, ' '))
      .map((privilege) => (privilege === 'ALL PRIVILEGES' ? 'ALL' : privilege));
    parsed.entries.push({ privileges, database: database.name, table: table.name });
  }
  return parsed;
}

/** Whether a granted database name (a LIKE pattern: % and _ wild, \% and \_ literal) covers `database`. */
export function databaseMatches(pattern: string, database: string): boolean {
  if (pattern === '*') return true;
  let regex = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\' && i + 1 < pattern.length) {
      regex += escapeRegex(pattern[++i]!);
    } else if (char === '%') regex += '.*';
    else if (char === '_') regex += '.';
    else regex += escapeRegex(char);
  }
  return new RegExp(`^${regex}$`, 's').test(database);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether the account holds `privilege` on every table of `database` (globally or on the database). */
export function holdsOnDatabase(grants: ParsedGrants, privilege: string, database: string): boolean {
  return grants.entries.some(
    (entry) => entry.table === '*' && databaseMatches(entry.database, database) && (entry.privileges.includes(privilege) || entry.privileges.includes('ALL')),
  );
}

/** Whether the account holds a global privilege (ON *.*). */
export function holdsGlobally(grants: ParsedGrants, privilege: string): boolean {
  return grants.entries.some((entry) => entry.database === '*' && entry.table === '*' && (entry.privileges.includes(privilege) || entry.privileges.includes('ALL')));
}

export function missingOnDatabase(grants: ParsedGrants, privileges: readonly string[], database: string): string[] {
  return privileges.filter((privilege) => !holdsOnDatabase(grants, privilege, database));
}

/** 'user'@'host' from CURRENT_USER()'s user@host. */
export function accountName(currentUser: string): string {
  const at = currentUser.lastIndexOf('@');
  const user = at < 0 ? currentUser : currentUser.slice(0, at);
  const host = at < 0 ? '%' : currentUser.slice(at + 1);
  return `'${user.replace(/'/g, "''")}'@'${host.replace(/'/g, "''")}'`;
}

