/** `innobench prepare <scenario>`: create and load a library's tables (resumable). */
import type { Argv } from 'yargs';
import { join } from 'node:path';
import { connectControl, ensureDatabase } from '../db/connect.js';
import { warnAboutLeftovers } from '../serverState/leftovers.js';
import { prepareLibrary, type LibrarySpec } from '../schema/library.js';
import { DESIGN_NAMES } from '../schema/designs/index.js';
import type { DesignName } from '../schema/designs/design.js';
import { ensureGeneratedFeatureFile, loadFeatureSource } from '../data/featureSource.js';
import { CONNECTION_OPTIONS, LIBRARY_OPTIONS, SCALE_OPTIONS, Validator, connectionFrom, librarySettings, scaleFrom, versionsFrom, type LibrarySettings } from './options.js';
import { invalid, log } from './exit.js';
import { parseInteger } from '../config/units.js';
import { SCENARIOS } from '../../scenarios/index.js';

const PREPARE_OPTIONS = {
  design: { describe: 'table design: surrogate (the seed\'s choice), natural keys, or clustered features', choices: DESIGN_NAMES, default: 'surrogate', group: 'Data:' },
  memberships: { describe: 'add the many-to-many variant: person, group_member, group_count kept by triggers', type: 'boolean', default: false, group: 'Data:' },
  'with-features': { describe: 'also load every image\'s feature in each version\'s table', type: 'boolean', default: false, group: 'Data:' },
} as const;

export function prepareCommand(yargs: Argv): Argv {
  return yargs.command(
    'prepare <scenario>',
    "create a library's tables and load groups, members and images (resumable)",
    (y) =>
      y
        .positional('scenario', { describe: 'scenario whose data to prepare', choices: Object.keys(SCENARIOS), type: 'string' })
        .options({ ...CONNECTION_OPTIONS, ...LIBRARY_OPTIONS, ...SCALE_OPTIONS, ...PREPARE_OPTIONS }),
    async (argv) => {
      const v = new Validator();
      const connection = connectionFrom(argv, v);
      const library = librarySettings(argv, v);
      const spec: LibrarySpec = {
        flag: library.flag,
        design: argv.design as DesignName,
        scale: scaleFrom(argv, v),
        versions: versionsFrom(argv, v),
        seed: library.seed,
      };
      if (argv['row-format']) spec.rowFormat = String(argv['row-format']);
      if (argv.memberships) spec.memberships = true;
      const scenario = SCENARIOS[String(argv.scenario)]!;
      if (argv['with-features'] || scenario.needsFeatures) spec.withFeatures = library.featureBytes;
      if (scenario.needsFeatures && !argv['with-features']) log(`${scenario.name} reads or replaces features: loading them too (--with-features)`);
      if (spec.memberships && spec.design === 'natural') v.errors.push('--memberships needs a surrogate or clustered design (group_member references group ids)');
      const concurrency = v.take(parseInteger('load-connections', argv['load-connections'], 1, 64), 4);
      if (v.errors.length) throw invalid(v.errors);

      await ensureDatabase(connection);
      const control = await connectControl(connection);
      const features = spec.withFeatures ? featuresFor(library) : undefined;
      try {
        await warnAboutLeftovers(control, log);
        // One library after another, each with every load connection: the server is the bottleneck.
        for (const flag of library.flags) {
          const started = Date.now();
          const outcome = await prepareLibrary(control, { connection, spec: { ...spec, flag }, concurrency, log, ...(features ? { features } : {}) });
          const seconds = ((Date.now() - started) / 1000).toFixed(1);
          if (outcome.state === 'already-complete') log(`clientFlag ${flag} is already prepared with this spec: nothing to do`);
          else {
            const { load } = outcome;
            log(`clientFlag ${flag}: ${load.groupsLoaded} groups loaded (${load.rows} rows)${load.groupsSkipped ? `, ${load.groupsSkipped} already there` : ''} in ${seconds}s`);
          }
        }
      } finally {
        await control.end();
      }
    },
  );
}

/** The feature file given, or the generated default (made once, then reused). */
export function featuresFor(library: LibrarySettings): ReturnType<typeof loadFeatureSource> {
  const file = library.featureFile ?? ensureGeneratedFeatureFile(join('.innobench-cache', `features-64MiB-seed${library.seed}.bin`), undefined, library.seed);
  return loadFeatureSource(file, library.featureBytes);
}
