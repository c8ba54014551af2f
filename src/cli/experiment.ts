/**
 * `innobench experiment redo-size | flush-method | trx-commit | io-scheduler | buffer-pool`: the
 * source's experiments as matrices designed for them (experiment/presets.ts), run by the matrix
 * command's own code, ending with the comparison and a verdict paragraph per configuration.
 */
import type { Argv } from 'yargs';
import { parseDurationMs, parseSizeBytes } from '../config/units.js';
import { connectControl } from '../db/connect.js';
import { dataDevice, PRESET_NAMES, PRESETS, probeRedoRate, redoDurationSec, schedulerCommands, schedulers, type PresetName } from '../experiment/presets.js';
import { invalid, log } from './exit.js';
import { planMatrix, runMatrix } from './matrix.js';
import { CONNECTION_OPTIONS, Validator, connectionFrom } from './options.js';

const DEFAULT_RUN = ['run', 'insert-features', '--workers', '100', '--interval', '5s'];

function words(argv: Record<string, unknown>): string[] {
  const rest = ((argv['--'] as unknown[] | undefined) ?? []).map(String);
  return rest.length > 0 ? rest : [...DEFAULT_RUN];
}

/** The device and schedulers for io-scheduler: --device, else the disk under the server's data directory. */
async function schedulerSetting(argv: Record<string, unknown>, values: string[]): Promise<{ external: string; apply: string; verify: string }> {
  let device = typeof argv.device === 'string' ? argv.device : undefined;
  if (device === undefined) {
    const v = new Validator();
    const connection = connectionFrom(argv, v);
    if (v.errors.length) throw invalid(v.errors);
    const control = await connectControl(connection, false);
    try {
      device = (await dataDevice(control))?.device;
    } finally {
      await control.end().catch(() => undefined);
    }
    if (device === undefined) throw invalid(["io-scheduler: the server's data directory is not on this machine (or not readable): name its disk with --device"]);
    log(`io-scheduler: the data directory is on ${device}`);
  }
  const offered = schedulers(device);
  if (offered === null) throw invalid([`io-scheduler: /sys/block/${device}/queue/scheduler does not exist: the kernel offers no scheduler choice for ${device}`]);
  const chosen = values.length > 0 ? values : offered.offered;
  const unknown = chosen.filter((value) => !offered.offered.includes(value));
  if (unknown.length) throw invalid([`io-scheduler: ${device} offers ${offered.offered.join(', ')}, not ${unknown.join(', ')}`]);
  return { external: `io_scheduler=${chosen.join(',')}`, ...schedulerCommands(device) };
}

async function runExperiment(argv: Record<string, unknown>): Promise<void> {
  const name = String(argv.preset) as PresetName;
  const preset = PRESETS[name];
  const values = typeof argv.values === 'string' ? argv.values.split(',').map((v) => v.trim()).filter(Boolean) : preset.defaultValues;
  const matrixArgv: Record<string, unknown> = {
    ...argv,
    repeat: String(argv.blocks ?? preset.blocks),
    order: 'blocks',
    seed: '1',
    settle: String(argv.settle ?? `${preset.settleSec}s`),
    results: argv.results,
    'restart-timeout': argv['restart-timeout'],
    aa: false,
  };
  if (name === 'io-scheduler') {
    const scheduler = await schedulerSetting(argv, values);
    Object.assign(matrixArgv, { external: scheduler.external, 'apply-cmd': scheduler.apply, 'verify-cmd': scheduler.verify });
  } else matrixArgv.set = [`${preset.variable}=${values.join(',')}`];

  const tokens = words(argv);
  const given = typeof argv.duration === 'string' ? argv.duration : undefined;
  const planned = planMatrix(matrixArgv, [...tokens, '--duration', given ?? `${preset.durationSec}s`]);
  if (!planned.ok) throw invalid(planned.errors);
  let plan = planned.plan;

  if (preset.durationFromRedo && given === undefined) {
    const largest = Math.max(...values.map((value) => parseSizeBytes('values', value, 1)).map((parsed) => (parsed.ok ? parsed.value : 0)));
    const maxSec = parseDurationMs('max-duration', argv['max-duration']);
    if (!maxSec.ok) throw invalid([maxSec.error]);
    const rate = await probeRedoRate(plan, Number(argv.probe ?? 15), log);
    if (rate === null) log(`no redo rate from the probe: runs last ${preset.durationSec}s`);
    else {
      const { seconds, fillSec } = redoDurationSec(rate, largest, preset.durationSec, maxSec.value / 1000);
      log(
        `the load writes ${(rate / 1048576).toFixed(1)} MiB/s of redo: ${(largest / 1048576).toFixed(0)} MiB fills in ${fillSec.toFixed(0)} s; ` +
          `runs last ${seconds} s (twice that, within ${preset.durationSec}–${maxSec.value / 1000} s)${seconds < 2 * fillSec ? ': capped, so the report will say the largest redo was not filled twice' : ''}`,
      );
      const again = planMatrix(matrixArgv, [...tokens, '--duration', `${seconds}s`]);
      if (!again.ok) throw invalid(again.errors);
      plan = again.plan;
    }
  }
  log(`experiment ${name}: ${preset.variable} = ${values.join(', ') || '(every scheduler offered)'} — ${preset.why}`);
  await runMatrix(plan, argv.json === true);
}

export function experimentCommand(yargs: Argv): Argv {
  return yargs.command(
    'experiment <preset>',
    "the source's experiments as designed matrices, ending with a verdict: redo-size, flush-method (needs --restart-cmd, --drop-in), trx-commit, io-scheduler, buffer-pool",
    (y) =>
      y
        .parserConfiguration({ 'populate--': true })
        .positional('preset', { choices: PRESET_NAMES, describe: 'which experiment' })
        .options({
          values: { describe: 'the values to compare (default: the preset\'s; io-scheduler: every scheduler the disk offers)', type: 'string', group: 'Experiment:' },
          blocks: { describe: 'A B B A blocks (default: the preset\'s)', type: 'string', group: 'Experiment:' },
          duration: { describe: 'each run (default: the preset\'s; redo-size: twice the fill time of the largest redo, from a probe)', type: 'string', group: 'Experiment:' },
          'max-duration': { describe: 'redo-size: the longest run the probe may ask for', default: '5m', type: 'string', group: 'Experiment:' },
          probe: { describe: 'redo-size: seconds of the probe run that measures the redo rate', default: 15, type: 'number', group: 'Experiment:' },
          settle: { describe: 'idle pause after each change (default: the preset\'s)', type: 'string', group: 'Experiment:' },
          'target-effect': { describe: 'add blocks until every paired 95 % interval is this narrow, e.g. 5%', type: 'string', group: 'Experiment:' },
          budget: { describe: 'with --target-effect: the most load to spend, e.g. 10m', type: 'string', group: 'Experiment:' },
          device: { describe: 'io-scheduler: the block device (default: the disk under the server\'s data directory)', type: 'string', group: 'Experiment:' },
          'restart-cmd': { describe: 'flush-method: shell command that restarts the server', type: 'string', group: 'Experiment:' },
          'drop-in': { describe: 'flush-method: option file the server reads at start (never one innobench did not create)', type: 'string', group: 'Experiment:' },
          'restart-timeout': { default: '120s', type: 'string', group: 'Experiment:' },
          results: { describe: 'folder that receives matrix-<timestamp>/', default: 'results', type: 'string', group: 'Output:' },
          json: { describe: 'print the comparison and verdicts as JSON', default: false, type: 'boolean', group: 'Output:' },
          ...CONNECTION_OPTIONS,
        })
        .epilog(
          'After --: run <scenario> and its options (default: run insert-features --workers 100 --interval 5s). Every experiment runs A B B A ' +
            'blocks compared as paired differences, settles after each change, excludes warm-up (MSER-5) and names stalls; the verdict ' +
            'states the effect with its interval, the smallest effect it could detect, the mechanism per 1 000 operations, whether steady ' +
            'state was reached, and the redo sizing rule.',
        ),
    async (argv) => runExperiment(argv),
  );
}
