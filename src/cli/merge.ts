/** `innobench merge <run>...`: one result from shards run at the same time on several client machines. */
import type { Argv } from 'yargs';
import { RunFolder, newRunId } from '../results/runFolder.js';
import { loadRunWithHistograms, mergeProblems, mergeRuns } from '../results/merge.js';
import { HISTOGRAM_LOG_FILE, histogramLogText, mergeHistogramLogs, type HistogramLog } from '../results/histogramLog.js';
import { latencyFiles } from '../results/latencyFiles.js';
import { CliError, EXIT_INVALID, log } from './exit.js';
import { summaryText } from '../format/summaryText.js';
import { shardSetAccounting } from '../analysis/accounting/accounting.js';

export function mergeCommand(yargs: Argv): Argv {
  return yargs.command(
    'merge <runs..>',
    'merge runs of the same scenario taken at the same time on several hosts (--shard i/N) into one result',
    (y) =>
      y
        .positional('runs', { describe: 'run folders', type: 'string', array: true })
        .options({ results: { describe: 'folder that receives the merged run', default: 'results', type: 'string' }, json: { type: 'boolean', default: false } }),
    async (argv) => {
      const dirs = (argv.runs as string[] | undefined) ?? [];
      if (dirs.length < 2) throw new CliError('merge needs at least two run folders', EXIT_INVALID);
      const loaded = dirs.map((dir) => {
        try {
          return loadRunWithHistograms(dir);
        } catch (error) {
          throw new CliError(`${dir}: not a readable run folder (${error instanceof Error ? error.message : String(error)})`, EXIT_INVALID);
        }
      });
      const problems = mergeProblems(loaded);
      if (problems.length > 0) throw new CliError(`cannot merge:\n  ${problems.join('\n  ')}`, EXIT_INVALID);
      const first = loaded[0]!.run;
      // newRunId reduces the scenario name to a plain folder name: run.json is not trusted to name paths.
      const { run, totals } = mergeRuns(loaded, newRunId(`${first.scenario}-merged`));
      const accounting = shardSetAccounting(loaded.map((r) => r.run.summary?.accounting), run.status?.delta.Com_insert);
      if (accounting && run.summary) run.summary.accounting = accounting;
      const folder = RunFolder.create(String(argv.results), run.runId);
      folder.writeRun(run);
      for (const [name, content] of latencyFiles(totals)) folder.writeAtomic(name, content);
      const logs = loaded.flatMap((r) => (r.histogramLog ? [r.histogramLog] : ([] as HistogramLog[])));
      if (logs.length === loaded.length) folder.writeAtomic(HISTOGRAM_LOG_FILE, histogramLogText(mergeHistogramLogs(logs)));
      else log(`no ${HISTOGRAM_LOG_FILE}: ${loaded.length - logs.length} of the runs have none to merge`);
      log(`merged ${dirs.length} runs into ${folder.dir} (server counters from ${loaded[0]!.run.runId}'s sampler, not summed)`);
      log(summaryText(run));
      if (argv.json) process.stdout.write(JSON.stringify(run, null, 2) + '\n');
    },
  );
}
