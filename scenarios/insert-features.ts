/**
 * The seed's headline benchmark: workers insert the feature of every image of every member of
 * their group(s), one prepared INSERT per row (autocommit), or --batch rows per transaction.
 * Work is split by group (the seed gives each of its ~100 workers one group); when there are
 * fewer groups than workers, a group's images are split between its workers by id modulo.
 */
import type { CallbackConnection } from '../src/db/connect.js';
import { featureSlice, type FeatureSource } from '../src/data/featureSource.js';
import { findLibrary } from '../src/schema/registry.js';
import { featureTable, libraryTables, q } from '../src/schema/tables.js';
import type { ControlContext, Done, Scenario, WorkerContext } from '../src/engine/scenario.js';
import { assignGroups, type GroupShare } from '../src/engine/partition.js';
import { pendingImageIds } from './shared/pendingImages.js';

interface State {
  pending: Uint32Array;
  cursor: number;
  batch: number;
  insertSql: string;
  features: FeatureSource;
}

/** A unit of work: the image ids whose features one transaction inserts. */
type Item = Uint32Array;

export const scenario: Scenario<State, Item, GroupShare> = {
  name: 'insert-features',
  description: "insert one feature per image, as the seed's 100-worker insert test",
  defaultOp: 'insert',
  options: {
    batch: { describe: 'rows per transaction (1 = autocommit, one statement per row)', default: 1, type: 'number' },
    'model-version': { describe: 'model version whose feature table is filled', default: 1, type: 'number' },
    fresh: { describe: 'empty the feature table before the run (only a table innobench created)', default: false, type: 'boolean' },
  },

  async plan(ctx: ControlContext, workers: number) {
    const flag = String(ctx.options.flag);
    const library = await findLibrary(ctx.control, flag).catch(() => null);
    if (!library || library.state !== 'complete') {
      throw new Error(`clientFlag ${flag} is not prepared: run \`innobench prepare insert-features --flag ${flag}\` first`);
    }
    const versions = (library.spec.versions as number[] | undefined) ?? [1];
    const table = featureTable(libraryTables(flag, versions), Number(ctx.options['model-version']));
    if (ctx.options.fresh) {
      ctx.log(`--fresh: emptying ${table}`);
      await ctx.control.query(`TRUNCATE TABLE ${q(table)}`);
    }
    const [rows] = await ctx.control.query(`SELECT id FROM ${q(libraryTables(flag, versions).group)} ORDER BY id`);
    const groupIds = (rows as Array<{ id: number }>).map((row) => row.id);
    const assignments = assignGroups(groupIds, workers);
    return {
      assignments,
      accountingTable: table,
      description: `insert-features into ${table} (${groupIds.length} groups, batch ${String(ctx.options.batch)})`,
    };
  },

  async workerInit(ctx: WorkerContext<GroupShare>) {
    const flag = String(ctx.options.flag);
    const tables = libraryTables(flag, [Number(ctx.options['model-version'])]);
    const table = featureTable(tables, Number(ctx.options['model-version']));
    const pending = await pendingImageIds(ctx.connection, tables, table, ctx.assignment);
    return {
      pending,
      cursor: 0,
      batch: Number(ctx.options.batch),
      insertSql: `INSERT INTO ${q(table)} (image_id, feature) VALUES (?, ?)`,
      features: ctx.features,
    };
  },

  next(state) {
    if (state.cursor >= state.pending.length) return null;
    const item = state.pending.subarray(state.cursor, state.cursor + state.batch);
    state.cursor += item.length;
    return item;
  },

  execute(state, connection, item, done) {
    if (state.batch === 1) {
      const imageId = item[0]!;
      connection.execute(state.insertSql, [imageId, featureSlice(state.features, imageId)], (error) =>
        error ? done(error) : done(null, { rows: 1, committed: true }),
      );
    } else insertBatch(state, connection, item, done);
  },

  transactional(options) {
    return Number(options.batch) > 1;
  },
};

function insertBatch(state: State, connection: CallbackConnection, item: Item, done: Done): void {
  let index = 0;
  const step = (error: unknown): void => {
    if (error) return done(error);
    if (index === item.length) {
      connection.query('COMMIT', (commitError) => (commitError ? done(commitError) : done(null, { rows: item.length, committed: true })));
      return;
    }
    const imageId = item[index++]!;
    connection.execute(state.insertSql, [imageId, featureSlice(state.features, imageId)], step);
  };
  connection.query('START TRANSACTION', step);
}
