/**
 * `innobench index-check`: the operations guide's index optimisation with its acceptance criteria
 * (see src/analysis/index/indexPlan.ts for the plan and queries file formats, src/procedures/indexCheck/ for
 * the procedure and its write workload).
 *
 *   index-check --plan plan.sql [--queries q.sql]            current state: missing indexes, EXPLAIN, timings
 *   index-check --plan plan.sql [--queries q.sql] --apply    before → apply (with progress) → after, ACCEPT/REJECT
 *   index-check --plan plan.sql --apply --rollback           a trial: the same, then the indexes it added are dropped
 *   index-check --plan plan.sql --rollback                   drops the plan's indexes that innobench added
 *
 * Exit 0 on ACCEPT (or a finished rollback), 1 on REJECT, failure or a refused drop, 2 on an invalid
 * plan or option (nothing is run).
 */
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { parseInteger } from '../config/units.js';
import { parsePlan, parseQueries, rollbackStatements, type Plan, type PlannedQuery } from '../analysis/index/indexPlan.js';
import { runIndexCheck, type IndexCheckOptions, type IndexCheckReport } from '../procedures/indexCheck/run.js';
import { WRITE_GENERATORS, customWrite } from '../procedures/indexCheck/writeTarget.js';
import { CONNECTION_OPTIONS, Validator, connectionFrom } from './options.js';
import { CliError, EXIT_FAILED, invalid, log } from './exit.js';
import { handleStopSignals, signalExitCode } from './signals.js';
import { serverJournal } from '../serverState/journal.js';

const INDEX_CHECK_OPTIONS = {
  plan: { describe: 'index DDL file (ALTER TABLE t ADD INDEX i (a, b); CREATE INDEX i ON t (a, b);)', type: 'string', demandOption: true, group: 'Plan:' },
  queries: { describe: 'queries that should use the indexes, each optionally after "-- expect: idx_name" (default: one derived per index)', type: 'string', group: 'Plan:' },
  apply: { describe: 'add the missing indexes, measure again and judge', type: 'boolean', default: false, group: 'Plan:' },
  rollback: { describe: "drop the plan's indexes that innobench added and that are unchanged, never one that was there before (with --apply: those this run added, after measuring)", type: 'boolean', default: false, group: 'Plan:' },
  repeat: { describe: 'timed runs of each query (median and p95)', default: 20, type: 'string', group: 'Measure:' },
  'write-seconds': { describe: "seconds of the write workload on a scratch copy of the plan's first table (0: not measured)", default: 10, type: 'string', group: 'Measure:' },
  'write-connections': { describe: 'connections running the write workload', default: 4, type: 'string', group: 'Measure:' },
  'write-sql': { describe: 'the write statement instead of generated INSERTs, with ? placeholders; each execution is rolled back (InnoDB tables only)', type: 'string', group: 'Measure:' },
  'write-params': {
    describe: `generators of the --write-sql placeholders, comma-separated, in order (default: seq for each): ${Object.entries(WRITE_GENERATORS)
      .map(([name, g]) => `${name} = ${g.describe}`)
      .join('; ')}`,
    type: 'string',
    group: 'Measure:',
  },
  json: { describe: 'print the report as JSON on stdout (progress and tables go to stderr)', type: 'boolean', default: false, group: 'Output:' },
} as const;

export function indexCheckCommand(yargs: Argv): Argv {
  return yargs.command(
    'index-check',
    "index plan before/after: missing indexes, EXPLAIN, query time and write throughput, the operations guide's acceptance (≥ 50 % faster, < 10 % write loss); --rollback drops the plan's indexes",
    (y) => y.options({ ...CONNECTION_OPTIONS, ...INDEX_CHECK_OPTIONS }),
    async (argv) => {
      const v = new Validator();
      const connection = connectionFrom(argv, v);
      const repeat = v.take(parseInteger('repeat', argv.repeat, 1, 100_000), 20);
      const writeSeconds = v.take(parseInteger('write-seconds', argv['write-seconds'], 0, 3600), 10);
      const writeConnections = v.take(parseInteger('write-connections', argv['write-connections'], 1, 256), 4);
      const plan = readPlan(argv.plan, v);
      const queries = typeof argv.queries === 'string' ? readQueries(argv.queries, v) : null;
      const write = writeOptions(argv['write-sql'], argv['write-params'], v);
      if (v.errors.length || !plan) throw invalid(v.errors);

      const json = argv.json === true;
      const out = (line: string): void => void (json ? process.stderr : process.stdout).write(`${line}\n`);
      printPlan(plan, connection.database, out);
      const report = await runStoppable({
        connection,
        plan,
        queries,
        apply: argv.apply === true,
        rollback: argv.rollback === true,
        repeat,
        writeSeconds,
        writeConnections,
        ...write,
        journal: serverJournal(connection),
        out,
        progress: log,
      });
      if (json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      failUnlessDone(report);
    },
  );
}

/** The plan, its refusals added to the validator's errors; null when the file cannot be read. */
function readPlan(path: unknown, v: Validator): Plan | null {
  const text = readText('plan', path, v);
  if (text === null) return null;
  const plan = parsePlan(text);
  for (const e of plan.errors) v.errors.push(`--plan ${String(path)} line ${e.line}: refused, ${e.reason}: ${JSON.stringify(e.sql)}`);
  if (plan.errors.length === 0 && plan.indexes.length === 0) v.errors.push(`--plan ${String(path)}: no ALTER TABLE … ADD INDEX or CREATE INDEX statement found`);
  return plan;
}

function readQueries(path: string, v: Validator): PlannedQuery[] | null {
  const text = readText('queries', path, v);
  if (text === null) return null;
  const parsed = parseQueries(text);
  for (const e of parsed.errors) v.errors.push(`--queries ${path} line ${e.line}: ${e.reason}: ${JSON.stringify(e.sql)}`);
  if (parsed.errors.length === 0 && parsed.queries.length === 0) v.errors.push(`--queries ${path}: no query found`);
  return parsed.queries;
}

/** --write-sql and --write-params, checked here so that a statement the workload cannot bind is refused before anything runs. */
function writeOptions(sqlArg: unknown, paramsArg: unknown, v: Validator): { writeSql?: string; writeParams?: string[] } {
  const writeSql = typeof sqlArg === 'string' ? sqlArg : undefined;
  const writeParams = typeof paramsArg === 'string' ? paramsArg.split(',').map((p) => p.trim()).filter(Boolean) : undefined;
  if (writeParams && !writeSql) v.errors.push('--write-params needs --write-sql');
  for (const name of writeParams ?? []) if (!WRITE_GENERATORS[name]) v.errors.push(`--write-params: unknown generator ${JSON.stringify(name)} (known: ${Object.keys(WRITE_GENERATORS).join(', ')})`);
  if (writeSql && v.errors.length === 0) {
    try {
      customWrite(writeSql, writeParams);
    } catch (error) {
      v.errors.push(error instanceof Error ? error.message : String(error));
    }
  }
  return { ...(writeSql ? { writeSql } : {}), ...(writeParams ? { writeParams } : {}) };
}

function printPlan(plan: Plan, database: string, out: (line: string) => void): void {
  if (plan.ignored.length) log(`note: ${plan.ignored.length} statement(s) of the plan are not index DDL and were skipped (first: line ${plan.ignored[0]!.line}, ${plan.ignored[0]!.sql})`);
  out(`plan: ${plan.indexes.length} index(es) on ${new Set(plan.indexes.map((i) => `${i.schema ?? database}.${i.table}`)).size} table(s) in ${database}`);
  out('rollback statements (--rollback runs them only for indexes innobench added):');
  for (const sql of rollbackStatements(plan)) out(`  ${sql};`);
}

/**
 * A stop signal: the write load stops and drops its scratch table, the procedure stops between
 * steps; a second one (or a kill) leaves the journal to put back what this run added.
 */
async function runStoppable(options: Omit<IndexCheckOptions, 'signal'>): Promise<IndexCheckReport> {
  const stop = new AbortController();
  const signals = handleStopSignals((signal) => {
    log(`${signal}: stopping index-check (the scratch table is dropped; send it again to force)`);
    stop.abort();
  });
  return runIndexCheck({ ...options, signal: stop.signal })
    .catch((error: unknown) => {
      if (signals.received) throw new CliError('index-check interrupted: nothing was judged', signalExitCode(signals.received));
      throw error;
    })
    .finally(() => signals.remove());
}

/** Exit 1 on REJECT, on an index kept that --rollback should have dropped, or one that could not be added. */
function failUnlessDone(report: IndexCheckReport): void {
  if (report.acceptance && !report.acceptance.accepted) {
    const failed = report.acceptance.criteria.filter((c) => c.result === 'FAIL').map((c) => c.name);
    throw new CliError(`index-check: REJECT (${failed.join(', ') || 'nothing could be judged'})`, EXIT_FAILED);
  }
  if (report.refused.length) {
    throw new CliError(`index-check: ${report.refused.length} index(es) not dropped: ${report.refused.map((r) => `${r.table}.${r.index} (${r.reason})`).join('; ')}`, EXIT_FAILED);
  }
  const failedApply = report.applied.filter((a) => a.error);
  if (failedApply.length) throw new CliError(`index-check: ${failedApply.length} index(es) could not be added`, EXIT_FAILED);
}

function readText(option: string, path: unknown, v: Validator): string | null {
  try {
    return readFileSync(String(path), 'utf8');
  } catch (error) {
    v.errors.push(`--${option} ${JSON.stringify(String(path))}: ${error instanceof Error && 'code' in error && error.code === 'ENOENT' ? 'no such file' : error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}
