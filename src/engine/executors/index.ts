/** The executors by name: a load thread is told a name and that executor's settings. */
import type { Executor, ExecutorContext, ExecutorResult, Operator } from './executor.js';
import { constantWorkers, type ConstantWorkersConfig } from './constantWorkers.js';
import { arrivalRate, type ArrivalRateConfig } from './arrivalRate.js';

/** Each executor's settings, under its name. */
interface ExecutorConfigs {
  'constant-workers': ConstantWorkersConfig;
  'arrival-rate': ArrivalRateConfig;
}

type ExecutorName = keyof ExecutorConfigs;

/** Which executor drives a thread's workers, with its settings (sent to the thread, so plain data). */
export type ExecutorConfig<N extends ExecutorName = ExecutorName> = { [K in N]: { name: K; settings: ExecutorConfigs[K] } }[N];

const EXECUTORS: { [N in ExecutorName]: Executor<ExecutorConfigs[N]> } = {
  'constant-workers': constantWorkers,
  'arrival-rate': arrivalRate,
};

export function runExecutor<N extends ExecutorName>(config: ExecutorConfig<N>, workers: readonly Operator[], ctx: ExecutorContext): Promise<ExecutorResult> {
  const executor: Executor<ExecutorConfigs[N]> = EXECUTORS[config.name];
  return executor.run(workers, config.settings, ctx);
}
