/** (a) innobench's loader: prepareLibrary, what `innobench prepare` runs, into a fresh database, on --driver. */
import { performance } from 'node:perf_hooks';
import { connectControl, ensureDatabase } from '../../src/db/connect.js';
import { workerDriver } from '../../src/db/drivers/index.js';
import { prepareLibrary, type LibrarySpec } from '../../src/schema/library.js';
import type { Scale } from '../../src/data/hierarchy.js';
import type { FeatureSource } from '../../src/data/featureSource.js';
import { scratch } from './scratch.js';
import { log } from './log.js';
import type { Options, Round } from './types.js';

export async function runLoader(options: Options, scale: Scale, withFeatures: boolean, database: string, features: FeatureSource | undefined): Promise<Round['loader']> {
  const connection = { ...options.connection, database };
  scratch.databases.add(database);
  await ensureDatabase(connection);
  const control = await connectControl(connection);
  try {
    const spec: LibrarySpec = { flag: 'bench', design: options.design, scale, versions: options.versions, seed: options.seed };
    if (withFeatures) spec.withFeatures = options.featureBytes;
    const started = performance.now();
    const outcome = await prepareLibrary(control, {
      connection,
      spec,
      concurrency: options.loadConnections,
      log,
      ...(withFeatures && features ? { features } : {}),
    });
    const seconds = (performance.now() - started) / 1000;
    if (outcome.state !== 'loaded') throw new Error('the loader found its library already complete in a fresh database');
    return { seconds, rows: outcome.load.rows, rowsPerSec: outcome.load.rows / seconds, connections: options.loadConnections, driver: workerDriver(connection) };
  } finally {
    await control.end();
  }
}
