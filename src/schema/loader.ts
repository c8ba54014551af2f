/**
 * Loads a library's groups, members, images and, on request, features. One transaction per group
 * (the group row with all its members, images and features), so a group is either wholly there or
 * not at all: an interrupted load resumes by skipping the groups whose rows exist, never
 * duplicating or losing a row. Several connections in parallel, on the run's driver: rows go in
 * as that driver loads them fastest (WorkerConnection.insertMany: multi-row INSERTs with mysql2,
 * bulk executes with the mariadb connector; bench:loader compares the two with LOAD DATA).
 */
import type { ConnectionOptions } from '../config/connection.js';
import type { PromiseConnection } from '../db/connect.js';
import { connectWorker } from '../db/drivers/index.js';
import { insertRows, queryRows, type WorkerConnection } from '../db/workerConnection.js';
import type { Design } from './designs/design.js';
import { q, type LibraryTables } from './tables.js';
import { featureSlice, type FeatureSource } from '../data/featureSource.js';
import { generateGroup, groupName, type Scale } from '../data/hierarchy.js';
import type { Progress } from '../data/progress.js';

export interface LoadRequest {
  connection: ConnectionOptions;
  design: Design;
  tables: LibraryTables;
  scale: Scale;
  seed: number;
  concurrency: number;
  /** When given, every image also gets its feature in each version's table. */
  features?: FeatureSource;
  progress: (pendingGroups: number) => Progress;
}

export interface LoadResult {
  groupsLoaded: number;
  groupsSkipped: number;
  rows: number;
}

export async function loadLibrary(request: LoadRequest, control: PromiseConnection): Promise<LoadResult> {
  const [rows] = await control.query(`SELECT name FROM ${q(request.tables.group)}`);
  const present = new Set((rows as Array<{ name: string }>).map((row) => row.name));
  const pending: number[] = [];
  for (let g = 0; g < request.scale.groups; g++) if (!present.has(groupName(request.seed, g))) pending.push(g);
  const result: LoadResult = { groupsLoaded: 0, groupsSkipped: request.scale.groups - pending.length, rows: 0 };
  if (pending.length === 0) return result;

  const progress = request.progress(pending.length);
  let nextIndex = 0;
  const connections = await Promise.all(
    Array.from({ length: Math.min(request.concurrency, pending.length) }, () => connectWorker(request.connection)),
  );
  try {
    await Promise.all(
      connections.map(async (connection) => {
        for (let index = nextIndex++; index < pending.length; index = nextIndex++) {
          const written = await loadGroup(connection, request, pending[index]!);
          result.groupsLoaded++;
          result.rows += written;
          progress.advance(1, written);
        }
      }),
    );
  } finally {
    progress.finish();
    await Promise.all(connections.map((c) => c.end()));
  }
  return result;
}

async function loadGroup(connection: WorkerConnection, request: LoadRequest, g: number): Promise<number> {
  const { tables, design } = request;
  const group = generateGroup(request.seed, g, request.scale);
  await queryRows(connection, 'START TRANSACTION');
  try {
    let written = await design.loadGroup(connection, tables, group);
    if (request.features) written += await loadGroupFeatures(connection, request, g, group.name, request.features);
    await queryRows(connection, 'COMMIT');
    return written;
  } catch (error) {
    await queryRows(connection, 'ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Features of one group's images, keyed as the design keys them; the slice follows the key's position. */
/**
 * Where group g's features start in the feature file: every image of every version gets a slice
 * of its own (until the file wraps), so groups and versions do not share features.
 */
export function firstFeatureSlice(g: number, scale: Scale, versions: number): number {
  return g * scale.members * scale.images * versions;
}

async function loadGroupFeatures(connection: WorkerConnection, request: LoadRequest, g: number, name: string, features: FeatureSource): Promise<number> {
  const { tables, design } = request;
  const firstSlice = firstFeatureSlice(g, request.scale, tables.features.size);
  let written = 0;
  for (const feature of tables.features.values()) {
    const keyRows = await queryRows(connection, design.pendingFeatureKeysSql(tables, feature), [[await groupKey(connection, request, name)], 1, 0]);
    const rows = keyRows.map((key, index) => [...key, featureSlice(features, firstSlice + index + written)]);
    // 2000-byte features: keep each call near 1 MB, well below max_allowed_packet.
    written += await insertRows(connection, feature, [...design.featureKeyColumns, 'feature'], rows, 500);
  }
  return written;
}

async function groupKey(connection: WorkerConnection, request: LoadRequest, name: string): Promise<unknown> {
  if (request.design.name === 'natural') return name;
  const rows = await queryRows(connection, `SELECT id FROM ${q(request.tables.group)} WHERE name = ?`, [name]);
  return rows[0]?.[0];
}
