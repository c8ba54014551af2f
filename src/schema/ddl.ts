/**
 * DDL of the seed's chosen design: surrogate auto-increment keys, foreign keys, the smallest
 * types that work and NOT NULL columns with '' defaults instead of NULL.
 */
import { q, type LibraryTables } from './tables.js';

export interface DdlOptions {
  /** e.g. COMPRESSED, for the seed's compression experiment; the server's default when absent. */
  rowFormat?: string;
}

export function createTableStatements(tables: LibraryTables, options: DdlOptions = {}): string[] {
  const tail = `ENGINE=InnoDB DEFAULT CHARSET=utf8mb4${options.rowFormat ? ` ROW_FORMAT=${options.rowFormat}` : ''}`;
  const statements = [
    `CREATE TABLE ${q(tables.group)} (
      id MEDIUMINT UNSIGNED NOT NULL AUTO_INCREMENT,
      name VARCHAR(20) NOT NULL,
      description VARCHAR(60) NOT NULL DEFAULT '',
      PRIMARY KEY (id),
      UNIQUE KEY name (name)
    ) ${tail}`,
    `CREATE TABLE ${q(tables.member)} (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      group_id MEDIUMINT UNSIGNED NOT NULL,
      name VARCHAR(20) NOT NULL,
      description VARCHAR(60) NOT NULL DEFAULT '',
      PRIMARY KEY (id),
      UNIQUE KEY group_name (group_id, name),
      FOREIGN KEY (group_id) REFERENCES ${q(tables.group)} (id) ON DELETE CASCADE
    ) ${tail}`,
    `CREATE TABLE ${q(tables.image)} (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      member_id INT UNSIGNED NOT NULL,
      file_id VARCHAR(20) NOT NULL,
      description VARCHAR(60) NOT NULL DEFAULT '',
      PRIMARY KEY (id),
      UNIQUE KEY member_file (member_id, file_id),
      FOREIGN KEY (member_id) REFERENCES ${q(tables.member)} (id) ON DELETE CASCADE
    ) ${tail}`,
  ];
  for (const feature of tables.features.values()) {
    statements.push(`CREATE TABLE ${q(feature)} (
      image_id INT UNSIGNED NOT NULL,
      feature BLOB NOT NULL,
      PRIMARY KEY (image_id),
      FOREIGN KEY (image_id) REFERENCES ${q(tables.image)} (id) ON DELETE CASCADE
    ) ${tail}`);
  }
  return statements;
}

/** Every table of the set, children first, so dropping in this order never trips a foreign key. */
export function tablesChildrenFirst(tables: LibraryTables): string[] {
  return [...tables.features.values(), tables.image, tables.member, tables.group];
}
