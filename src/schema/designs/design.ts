/**
 * A table design of the seed: how a library's tables are declared, loaded, and how a feature row
 * is keyed. Scenarios speak to a design through this interface, so every statement they issue
 * works on every design.
 */
import type { WorkerConnection } from '../../db/workerConnection.js';
import type { GroupRows } from '../../data/hierarchy.js';
import type { LibraryTables } from '../tables.js';

export type DesignName = 'surrogate' | 'natural' | 'clustered';

export interface TableOptions {
  /** e.g. COMPRESSED, for the seed's compression experiment; the server's default when absent. */
  rowFormat?: string;
}

export interface Design {
  name: DesignName;
  /** CREATE TABLE statements, parents first, paired with the table each creates. */
  createTables(tables: LibraryTables, options: TableOptions): Array<{ table: string; sql: string }>;
  /** Inserts one group with its members and images (the caller holds the transaction). Returns rows written. */
  loadGroup(connection: WorkerConnection, tables: LibraryTables, group: GroupRows): Promise<number>;
  /** SELECT of every group's key (id or name), in load order. */
  groupKeysSql(tables: LibraryTables): string;
  /**
   * SELECT of the key columns of a share's images that have no row in `feature` yet.
   * Parameters: [group keys, of, part]; the share takes rows whose hash % of = part.
   */
  pendingFeatureKeysSql(tables: LibraryTables, feature: string): string;
  /** INSERT of one feature row: the key columns, then the feature bytes. */
  insertFeatureSql(tables: LibraryTables, feature: string): string;
  /** Feature-table columns that hold the key, in insert order (for loaders writing files). */
  featureKeyColumns: string[];
  /** Rows [member, feature] of every member of a group. Parameter: the group key. */
  groupFeaturesSql(tables: LibraryTables, feature: string): string;
  /** Rows of a group's member keys (the parameters of memberFeaturesSql). Parameter: the group key. */
  groupMembersSql(tables: LibraryTables): string;
  /** Rows [feature] of one member. Parameters: the member key. */
  memberFeaturesSql(tables: LibraryTables, feature: string): string;
}

export function tableTail(options: TableOptions): string {
  return `ENGINE=InnoDB DEFAULT CHARSET=utf8mb4${options.rowFormat ? ` ROW_FORMAT=${options.rowFormat}` : ''}`;
}
