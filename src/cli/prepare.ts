/** `innobench prepare <scenario>`: create and load a library's tables (resumable). */
import type { Argv } from 'yargs';
import { connectControl, ensureDatabase } from '../db/connect.js';
import { prepareLibrary } from '../schema/library.js';
import { CONNECTION_OPTIONS, LIBRARY_OPTIONS, SCALE_OPTIONS, Validator, connectionFrom, librarySettings, scaleFrom, versionsFrom } from './options.js';
import { invalid, log } from './exit.js';
import { parseInteger } from '../config/units.js';
import { SCENARIOS } from '../../scenarios/index.js';

export function prepareCommand(yargs: Argv): Argv {
  return yargs.command(
    'prepare <scenario>',
    "create a library's tables and load groups, members and images (resumable)",
    (y) =>
      y
        .positional('scenario', { describe: 'scenario whose data to prepare', choices: Object.keys(SCENARIOS), type: 'string' })
        .options({ ...CONNECTION_OPTIONS, ...LIBRARY_OPTIONS, ...SCALE_OPTIONS }),
    async (argv) => {
      const v = new Validator();
      const connection = connectionFrom(argv, v);
      const library = librarySettings(argv, v);
      const scale = scaleFrom(argv, v);
      const versions = versionsFrom(argv, v);
      const concurrency = v.take(parseInteger('load-connections', argv['load-connections'], 1, 64), 4);
      if (v.errors.length) throw invalid(v.errors);
      await ensureDatabase(connection);
      const control = await connectControl(connection);
      try {
        const started = Date.now();
        const spec = { flag: library.flag, design: 'surrogate' as const, scale, versions, seed: library.seed };
        const outcome = await prepareLibrary(control, connection, argv['row-format'] ? { ...spec, rowFormat: String(argv['row-format']) } : spec, concurrency, log);
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        if (outcome.state === 'already-complete') log(`clientFlag ${library.flag} is already prepared with this spec: nothing to do`);
        else {
          const { load } = outcome;
          log(
            `clientFlag ${library.flag}: ${load.groupsLoaded} groups loaded (${load.rows} rows)` +
              `${load.groupsSkipped ? `, ${load.groupsSkipped} already there` : ''} in ${seconds}s`,
          );
        }
      } finally {
        await control.end();
      }
    },
  );
}
