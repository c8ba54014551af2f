/**
 * `innobench cleanup`: drops what the harness created, and only that. It prints what it will drop
 * and needs --yes (or --dry-run to only print); a table it did not create is never touched.
 */
import type { Argv } from 'yargs';
import { connectControl } from '../db/connect.js';
import { quoteIdent } from '../db/identifiers.js';
import { existingTables, forgetLibrary, listLibraries, ownedTables } from '../schema/registry.js';
import { CONNECTION_OPTIONS, Validator, connectionFrom } from './options.js';
import { CliError, EXIT_INVALID, invalid, log } from './exit.js';

export function cleanupCommand(yargs: Argv): Argv {
  return yargs.command(
    'cleanup',
    'drop the tables innobench created (for one --flag or --all)',
    (y) =>
      y.options({
        ...CONNECTION_OPTIONS,
        flag: { describe: 'the library to drop', type: 'string' },
        all: { describe: 'every library innobench created in this database', type: 'boolean', default: false },
        yes: { describe: 'really drop', type: 'boolean', default: false },
        'dry-run': { describe: 'only print what would be dropped', type: 'boolean', default: false },
      }),
    async (argv) => {
      const v = new Validator();
      const connection = connectionFrom(argv, v);
      if (!argv.flag && !argv.all) v.errors.push('name a library with --flag F, or use --all');
      if (argv.flag && argv.all) v.errors.push('--flag and --all exclude each other');
      if (v.errors.length) throw invalid(v.errors);
      const control = await connectControl(connection);
      try {
        const libraries = await listLibraries(control).catch(() => []);
        const flags = argv.all ? libraries.map((l) => l.flag) : [String(argv.flag)];
        if (!argv.all && !libraries.some((l) => l.flag === argv.flag)) {
          throw new CliError(`no library with clientFlag ${String(argv.flag)} was created by innobench in ${connection.database}: nothing to drop`);
        }
        for (const flag of flags) {
          const owned = [...(await ownedTables(control, flag))];
          const present = await existingTables(control, owned);
          // Children before parents; the registry lists names, the order comes from the names' roles.
          const ordered = owned.filter((t) => present.has(t)).sort((a, b) => dropRank(a) - dropRank(b));
          log(`${argv.yes && !argv['dry-run'] ? 'dropping' : 'would drop'} clientFlag ${flag}: ${ordered.join(', ') || '(no tables left)'}`);
          if (!argv.yes || argv['dry-run']) continue;
          await control.query('SET FOREIGN_KEY_CHECKS = 0');
          for (const table of ordered) await control.query(`DROP TABLE IF EXISTS ${quoteIdent(table)}`);
          await control.query('SET FOREIGN_KEY_CHECKS = 1');
          await forgetLibrary(control, flag);
        }
        if (!argv.yes && !argv['dry-run']) throw new CliError('nothing dropped: add --yes to drop, or --dry-run to only list', EXIT_INVALID);
      } finally {
        await control.end();
      }
    },
  );
}

function dropRank(table: string): number {
  const order = ['feature_', 'group_member_', 'group_count_', 'image_', 'person_', 'member_', 'group_'];
  const rank = order.findIndex((prefix) => table.startsWith(prefix));
  return rank === -1 ? order.length : rank;
}
