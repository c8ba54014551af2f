/**
 * `innobench pool-check`: the operations guide's connection-pool leak check, simulated in-process
 * with mysql2 pools (see src/analysis/verdicts/poolVerdict.ts for the mapping of the guide's settings and the
 * verdict). Exit 0 when healthy, 1 when a leak, an error or an over-budget setting is found.
 */
import type { Argv } from 'yargs';
import { parseDurationMs, parseInteger } from '../config/units.js';
import { ensureDatabase } from '../db/connect.js';
import { DEFAULT_POOL_CHECK, formatPoolTable, formatSample, poolSettingMap, runPoolCheck, type PoolCheckSettings } from '../procedures/poolCheck.js';
import { ERROR_LABELS } from '../analysis/verdicts/poolVerdict.js';
import type { ErrorClass } from '../db/errors.js';
import { CONNECTION_OPTIONS, Validator, connectionFrom } from './options.js';
import { CliError, EXIT_FAILED, invalid, log } from './exit.js';

export function poolCheckCommand(yargs: Argv): Argv {
  const d = DEFAULT_POOL_CHECK;
  return yargs.command(
    'pool-check',
    "connection-pool leak check: --processes mysql2 pools under load, Threads_connected / sleeping / checked-out sampled every second, the operations guide's verdict",
    (y) =>
      y.options({
        ...CONNECTION_OPTIONS,
        processes: { describe: 'pools, one per simulated application process', default: d.processes, type: 'string', group: 'Pool:' },
        'pool-size': { describe: 'connectionLimit of each pool (the guide\'s DB_POOL_SIZE; mysql2 has no overflow: give size + overflow here)', default: d.poolSize, type: 'string', group: 'Pool:' },
        'pool-max-idle': { describe: 'maxIdle: idle connections kept; those above are closed after --idle-timeout', default: d.maxIdle, type: 'string', group: 'Pool:' },
        'idle-timeout': { describe: 'idleTimeout of connections above maxIdle', default: `${d.idleTimeoutMs / 1000}s`, type: 'string', group: 'Pool:' },
        'connect-timeout': { describe: "connectTimeout (the guide's DB_CONNECT_TIMEOUT)", default: `${d.connectTimeoutMs / 1000}s`, type: 'string', group: 'Pool:' },
        'pool-timeout': { describe: 'how long a task waits for a connection before a pool-timeout error (mysql2 has none; SQLAlchemy\'s pool_timeout)', default: `${d.poolTimeoutMs / 1000}s`, type: 'string', group: 'Pool:' },
        concurrency: { describe: 'async tasks per pool, each looping SELECT 1 + INSERT', default: d.concurrency, type: 'string', group: 'Load:' },
        duration: { describe: 'how long the load runs', default: `${d.durationMs / 1000}s`, type: 'string', group: 'Load:' },
        'leak-every': { describe: 'provoke a leak: the first task of each pool forgets to release its connection every N of its operations (0: never)', default: d.leakEvery, type: 'string', group: 'Load:' },
        json: { describe: 'print the result as JSON on stdout (samples and tables go to stderr)', type: 'boolean', default: false, group: 'Output:' },
      }),
    async (argv) => {
      const v = new Validator();
      const connection = connectionFrom(argv, v);
      const settings: PoolCheckSettings = {
        ...d,
        processes: v.take(parseInteger('processes', argv.processes, 1, 64), d.processes),
        poolSize: v.take(parseInteger('pool-size', argv['pool-size'], 1, 1000), d.poolSize),
        maxIdle: v.take(parseInteger('pool-max-idle', argv['pool-max-idle'], 0, 1000), d.maxIdle),
        idleTimeoutMs: v.take(parseDurationMs('idle-timeout', argv['idle-timeout']), d.idleTimeoutMs),
        connectTimeoutMs: v.take(parseDurationMs('connect-timeout', argv['connect-timeout'], 600_000), d.connectTimeoutMs),
        poolTimeoutMs: v.take(parseDurationMs('pool-timeout', argv['pool-timeout'], 3_600_000), d.poolTimeoutMs),
        concurrency: v.take(parseInteger('concurrency', argv.concurrency, 1, 10_000), d.concurrency),
        durationMs: v.take(parseDurationMs('duration', argv.duration), d.durationMs),
        leakEvery: v.take(parseInteger('leak-every', argv['leak-every'], 0, 1_000_000_000), d.leakEvery),
      };
      if (settings.durationMs < 1000) v.errors.push('--duration: at least 1s (connections are sampled every second)');
      if (v.errors.length) throw invalid(v.errors);

      const json = argv.json === true;
      const out = (line: string): void => void (json ? process.stderr : process.stdout).write(`${line}\n`);
      out(`pool-check: ${settings.processes} pool(s) × ${settings.poolSize} connections, ${settings.concurrency} tasks each, ${settings.durationMs / 1000} s` +
        `${settings.leakEvery ? `, leak provoked every ${settings.leakEvery} operations of one task per pool` : ''}, database ${connection.database}`);
      out('settings (the guide → mysql2):');
      for (const m of poolSettingMap(settings)) out(`  ${m.guide.padEnd(19)} ${m.mysql2.padEnd(96)} ${m.value}`);

      await ensureDatabase(connection);
      const result = await runPoolCheck(connection, settings, { onSample: (s) => log(formatSample(s, settings.poolSize)) });

      out('connections, leaks, errors, throughput:');
      for (const line of formatPoolTable(result)) out(line);
      for (const [kind, message] of Object.entries(result.firstErrors)) out(`  first ${ERROR_LABELS[kind as ErrorClass]} error: ${message}`);
      out('checklist:');
      for (const f of result.verdict.findings) out(`  [${f.ok ? 'ok' : 'FAIL'}] ${f.check}: ${f.detail}`);
      out(`verdict: ${result.verdict.healthy ? 'HEALTHY' : result.verdict.leak ? 'LEAK' : 'UNHEALTHY'}`);
      if (json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      if (!result.verdict.healthy) {
        const failed = result.verdict.findings.filter((f) => !f.ok).map((f) => f.check);
        throw new CliError(`pool-check: ${result.verdict.leak ? `leak detected (${result.verdict.leakCount} connection(s) never returned)` : 'unhealthy'}: ${failed.join('; ')}`, EXIT_FAILED);
      }
    },
  );
}
