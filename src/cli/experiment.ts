/**
 * `innobench experiment redo-size | flush-method | trx-commit | io-scheduler | buffer-pool`: the
 * source's experiments as matrices designed for them (experiment/presets.ts), run by the matrix
 * command's own code, ending with the comparison and a verdict paragraph per configuration.
 */
import type { Argv } from 'yargs';
import { parseDurationMs, parseSizeBytes } from '../config/units.js';
import { connectControl } from '../db/connect.js';
import { withRunDuration } from '../experiment/matrixPlan.js';
import type { MatrixRequest } from '../experiment/matrixRequest.js';
import { PRESET_NAMES, PRESETS, probeRedoRate, redoDurationSec, schedulerCommands, schedulers, type Preset, type PresetName } from '../experiment/presets.js';
import { dataDevice } from '../metrics/processCpu.js';
import { invalid, log } from './exit.js';
import { runMatrix } from './matrix.js';
import { MATRIX_SHARED_OPTIONS, passthroughTokens, planMatrix, sharedRequest } from './matrixRequest.js';
import { Validator, connectionFrom } from './options.js';

const DEFAULT_RUN = ['run', 'insert-features', '--workers', '100', '--interval', '5s'];

/** io-scheduler's setting: --external with the commands that apply and verify it. */
interface SchedulerSetting {
  external: string;
  apply: string;
  verify: string;
}

/**
 * The matrix an experiment designs, as the request `matrix --set <variable>=<values> --repeat
 * <blocks> --order blocks --seed 1 --settle <settle> … -- <run> --duration <duration>` would make.
 */
export function experimentRequest(argv: Record<string, unknown>, preset: Preset, values: string[], scheduler: SchedulerSetting | null): MatrixRequest {
  const run = passthroughTokens(argv);
  const design = typeof argv.design === 'string' ? argv.design : preset.design;
  const duration = typeof argv.duration === 'string' ? argv.duration : `${design === 'switchback' ? preset.switchbackSec : preset.durationSec}s`;
  return {
    ...sharedRequest(argv),
    design,
    sets: scheduler ? [] : [`${preset.variable}=${values.join(',')}`],
    aa: false,
    external: scheduler?.external,
    applyCmd: scheduler?.apply,
    verifyCmd: scheduler?.verify,
    restoreCmd: undefined,
    repeat: String(argv.blocks ?? preset.blocks),
    order: 'blocks',
    seed: '1',
    warmup: undefined,
    settle: String(argv.settle ?? `${preset.settleSec}s`),
    viaRestart: undefined,
    run: [...(run.length > 0 ? run : DEFAULT_RUN), '--duration', duration],
  };
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
  const scheduler = name === 'io-scheduler' ? await schedulerSetting(argv, values) : null;
  const planned = planMatrix(experimentRequest(argv, preset, values, scheduler));
  if (!planned.ok) throw invalid(planned.errors);
  let plan = planned.plan;

  if (preset.durationFromRedo && argv.duration === undefined) {
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
      plan = withRunDuration(plan, seconds);
    }
  }
  log(`experiment ${name}: ${preset.variable} = ${values.join(', ') || '(every scheduler offered)'} — ${preset.why}`);
  log(`design: ${plan.switchback !== null ? 'switchback' : 'runs'}${argv.design === undefined ? ` (${preset.designWhy})` : ' (as asked)'}`);
  await runMatrix(plan, argv.json === true);
}

/** The experiment command's options (the tests parse with it too). */
export function experimentOptions(y: Argv): Argv {
  return y
    .parserConfiguration({ 'populate--': true })
    .positional('preset', { choices: PRESET_NAMES, describe: 'which experiment' })
    .options({
      values: { describe: 'the values to compare (default: the preset\'s; io-scheduler: every scheduler the disk offers)', type: 'string', group: 'Experiment:' },
      blocks: { describe: 'A B B A blocks (default: the preset\'s)', type: 'string', group: 'Experiment:' },
      duration: { describe: 'each run (default: the preset\'s; redo-size: twice the fill time of the largest redo, from a probe)', type: 'string', group: 'Experiment:' },
      'max-duration': { describe: 'redo-size: the longest run the probe may ask for', default: '5m', type: 'string', group: 'Experiment:' },
      probe: { describe: 'redo-size: seconds of the probe run that measures the redo rate', default: 15, type: 'number', group: 'Experiment:' },
      device: { describe: 'io-scheduler: the block device (default: the disk under the server\'s data directory)', type: 'string', group: 'Experiment:' },
      ...MATRIX_SHARED_OPTIONS,
    })
    .epilog(
      'After --: run <scenario> and its options (default: run insert-features --workers 100 --interval 5s). Every experiment runs A B B A ' +
        'blocks compared as paired differences, settles after each change, excludes warm-up (MSER-5) and names stalls; the verdict ' +
        'states the effect with its interval, the smallest effect it could detect, the mechanism per 1 000 operations, whether steady ' +
        'state was reached, and the redo sizing rule. flush-method changes a restart-only variable: give it --restart-cmd and --drop-in.',
    );
}

export function experimentCommand(yargs: Argv): Argv {
  return yargs.command(
    'experiment <preset>',
    "the source's experiments as designed matrices, ending with a verdict: redo-size, flush-method (needs --restart-cmd, --drop-in), trx-commit, io-scheduler, buffer-pool",
    experimentOptions,
    async (argv) => runExperiment(argv),
  );
}
