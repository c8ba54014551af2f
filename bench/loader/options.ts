/** The loader bench's command line. */
import { parseArgs } from 'node:util';
import { resolveConnection } from '../../src/config/connection.js';
import { designOf } from '../../src/schema/designs/index.js';
import { positiveInteger } from '../common.js';
import type { Options } from './types.js';

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      groups: { type: 'string', default: '50' },
      members: { type: 'string', default: '1000' },
      images: { type: 'string', default: '10' },
      design: { type: 'string', default: 'surrogate' },
      versions: { type: 'string', default: '1' },
      'with-features': { type: 'boolean', default: false },
      'feature-bytes': { type: 'string', default: '2000' },
      seed: { type: 'string', default: '1' },
      'load-connections': { type: 'string', default: '4' },
      'seed-scale': { type: 'boolean', default: false },
      rounds: { type: 'string', default: '1' },
      'chunk-rows': { type: 'string', default: '0' },
      'no-verify': { type: 'boolean', default: false },
      driver: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      user: { type: 'string' },
      socket: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'usage: node dist/bench/loader-vs-load-data.js [--groups 50] [--members 1000] [--images 10] [--design surrogate|natural|clustered]\n' +
        '         [--versions 1[,2...]] [--with-features] [--feature-bytes 2000] [--seed 1] [--load-connections 4] [--rounds 1] [--chunk-rows 0] [--seed-scale] [--no-verify]\n' +
        '         [--driver mysql2|mariadb]   (the loader\'s driver: multi-row INSERTs with mysql2, bulk executes with mariadb)\n' +
        '         [--host H] [--port P] [--user U] [--socket S]   (password: MYSQL_PWD or ~/.my.cnf)\n',
    );
    process.exit(0);
  }
  const design = designOf(values.design).name;
  const versions = values.versions.split(',').map((v) => positiveInteger('versions', v.trim()));
  if (new Set(versions).size !== versions.length) throw new Error(`--versions ${values.versions}: a version is listed twice`);
  const flags: Parameters<typeof resolveConnection>[0] = { database: 'unused' };
  if (values.host) flags.host = values.host;
  if (values.port) flags.port = positiveInteger('port', values.port);
  if (values.user) flags.user = values.user;
  if (values.socket) flags.socket = values.socket;
  if (values.driver) flags.driver = values.driver;
  return {
    scale: {
      groups: positiveInteger('groups', values.groups),
      members: positiveInteger('members', values.members),
      images: positiveInteger('images', values.images),
    },
    design,
    versions,
    withFeatures: values['with-features'],
    featureBytes: positiveInteger('feature-bytes', values['feature-bytes']),
    seed: positiveInteger('seed', values.seed),
    loadConnections: positiveInteger('load-connections', values['load-connections']),
    seedScale: values['seed-scale'],
    rounds: positiveInteger('rounds', values.rounds),
    chunkRows: values['chunk-rows'] === '0' ? 0 : positiveInteger('chunk-rows', values['chunk-rows']),
    verify: !values['no-verify'],
    connection: resolveConnection(flags),
  };
}
