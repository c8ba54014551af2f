/** `innobench count-features`: SELECT COUNT(*) on a feature table, cold then warm (the seed's counting experiment). */
import type { Argv } from 'yargs';
import { connectControl } from '../db/connect.js';
import { findLibrary } from '../schema/registry.js';
import { featureTable, libraryTables } from '../schema/tables.js';
import { countStatements, evictByResize, evictByRestart, timeCount, type CountMeasure } from '../procedures/countFeatures.js';
import { CONNECTION_OPTIONS, LIBRARY_OPTIONS, Validator, connectionFrom, librarySettings } from './options.js';
import { CliError, invalid, log } from './exit.js';
import { serverJournal } from '../serverState/journal.js';
import { warnAboutLeftovers } from '../serverState/leftovers.js';
import { handleStopSignals } from './signals.js';
import { parseInteger } from '../config/units.js';

export function countFeaturesCommand(yargs: Argv): Argv {
  return yargs.command(
    'count-features',
    'time SELECT COUNT(*) on a feature table with a cold buffer pool, then warm',
    (y) =>
      y.options({
        ...CONNECTION_OPTIONS,
        flag: LIBRARY_OPTIONS.flag!,
        'model-version': { describe: 'model version of the feature table', default: 1, type: 'string' },
        'restart-cmd': { describe: 'command that restarts the server (cold start); without it the buffer pool is emptied by an online resize', type: 'string' },
        json: { type: 'boolean', default: false, describe: 'print JSON' },
      }),
    async (argv) => {
      const v = new Validator();
      const connection = connectionFrom(argv, v);
      const library = librarySettings({ ...argv, seed: 1, 'feature-bytes': 2000 }, v);
      const version = v.take(parseInteger('model-version', argv['model-version'], 1, 65535), 1);
      if (v.errors.length) throw invalid(v.errors);
      let control = await connectControl(connection);
      // A signal puts the buffer pool back (journalled) and exits 128 + signal.
      const signals = handleStopSignals();
      try {
        await warnAboutLeftovers(control, log);
        const record = await findLibrary(control, library.flag).catch(() => null);
        if (!record) throw new CliError(`clientFlag ${library.flag} is not prepared in ${connection.database}`);
        const table = featureTable(libraryTables(library.flag, (record.spec.versions as number[]) ?? [1]), version);
        const statements = await countStatements(control, table);
        const measures: Array<CountMeasure & { pool: 'cold' | 'warm' }> = [];
        let how = '';
        for (const statement of statements) {
          if (argv['restart-cmd']) {
            const restarted = await evictByRestart(control, String(argv['restart-cmd']), () => connectControl(connection));
            control = restarted.connection;
            how = restarted.how;
          } else how = await evictByResize(control, serverJournal(connection), log);
          measures.push({ ...(await timeCount(control, statement.label, statement.sql)), pool: 'cold' });
          measures.push({ ...(await timeCount(control, statement.label, statement.sql)), pool: 'warm' });
        }
        if (argv.json) {
          process.stdout.write(JSON.stringify({ table, coldBy: how, measures }, null, 2) + '\n');
          return;
        }
        process.stdout.write(`COUNT(*) of ${table}; cold start by: ${how}\n`);
        process.stdout.write(`  ${'access path'.padEnd(34)} ${'pool'.padEnd(5)} ${'rows'.padStart(10)} ${'seconds'.padStart(9)} ${'disk reads'.padStart(11)} ${'read requests'.padStart(14)}\n`);
        for (const m of measures) {
          process.stdout.write(
            `  ${m.label.padEnd(34)} ${m.pool.padEnd(5)} ${String(m.rows).padStart(10)} ${m.seconds.toFixed(3).padStart(9)} ${String(m.diskReads).padStart(11)} ${String(m.readRequests).padStart(14)}\n`,
          );
        }
        process.stdout.write('  (disk reads = Innodb_buffer_pool_reads delta, server-wide: other clients add to it)\n');
      } finally {
        signals.remove();
        await control.end().catch(() => undefined);
      }
    },
  );
}
