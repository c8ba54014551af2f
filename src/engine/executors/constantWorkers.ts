/**
 * The closed loop (k6's constant-vus): each worker starts its next operation as soon as the
 * previous one ends, so the offered load is whatever the server lets through.
 */
import type { Executor, OperationEnd } from './executor.js';

export type ConstantWorkersConfig = Record<string, never>;

export const constantWorkers: Executor<ConstantWorkersConfig> = {
  run(workers) {
    return new Promise((resolve) => {
      let running = workers.length;
      let workDone = true;
      if (running === 0) return resolve({ workDone });
      for (const worker of workers) {
        const loop = (end: OperationEnd): void => {
          if (end === 'continue') return worker.operate(null, loop);
          if (end !== 'work-done') workDone = false;
          if (--running === 0) resolve({ workDone });
        };
        loop('continue');
      }
    });
  },
};
