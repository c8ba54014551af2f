/**
 * A matrix of design switchback: one child run (`innobench run … --switchback name=A,B`) that
 * flips the setting itself, every slot, and journals it; the matrix only starts it, passes a stop
 * on to it, and reads its verdict from the run's JSON.
 */
import type { ChildProcess } from 'node:child_process';
import type { RunFile } from '../results/types.js';
import { childConnection, runChild, type ChildResult } from './childRun.js';
import type { MatrixPlan } from './matrixPlan.js';

export interface SwitchbackOutcome {
  child: ChildResult;
  /** The run's run.json, when it printed one. */
  run: RunFile | null;
}

export class SwitchbackRunner {
  private child: ChildProcess | null = null;

  constructor(private readonly plan: MatrixPlan) {}

  async run(): Promise<SwitchbackOutcome> {
    const { args, env } = childConnection(this.plan.connection, this.plan.defaultsFile, process.env);
    const runArgs = ['run', this.plan.scenario, ...args, ...this.plan.runArgs, '--results', this.plan.resultsRoot, '--json'];
    const child = await runChild(this.plan.cliEntry, runArgs, env, true, (spawned) => (this.child = spawned));
    this.child = null;
    let run: RunFile | null = null;
    try {
      run = child.stdout.trim() ? (JSON.parse(child.stdout) as RunFile) : null;
    } catch {
      run = null;
    }
    return { child, run };
  }

  /** Passes a stop signal on to the run's process group (it stops its load and puts the setting back). */
  signal(signal: NodeJS.Signals): void {
    if (this.child?.pid !== undefined) {
      try {
        process.kill(-this.child.pid, signal);
      } catch {
        // Already gone.
      }
    }
  }
}
