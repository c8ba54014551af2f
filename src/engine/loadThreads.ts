/**
 * The load threads of one run: a piscina pool of `threads` threads, each given its share of the
 * plan's workers and a message port to the hub, started together by the hub's `start`.
 */
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { FeatureSource } from '../data/featureSource.js';
import type { ExecutorConfig } from './executors/index.js';
import type { ThreadTask } from './protocol.js';
import type { RunDescription } from './prepareRun.js';
import { ThreadHub } from './threadHub.js';

const THREAD_TASK = new URL('./threadTask.js', import.meta.url).href;

/**
 * A load thread's V8 heap: a young generation of 192 MiB instead of the default (about 48 MiB).
 * Reads bring in hundreds of MB/s of short-lived result buffers, and a CPU profile of a 100-worker
 * read run showed a fifth (mariadb) to a third (mysql2) of the thread's busy time in scavenges;
 * with the larger young generation the same runs took about a fifth less client CPU per read.
 */
export const LOAD_THREAD_RESOURCES = { maxYoungGenerationSizeMb: 192 } as const;

/** What the threads need of the run's description, and where feature bytes come from. */
export type LoadSettings = Pick<RunDescription, 'scenario' | 'connection' | 'data' | 'options' | 'workers' | 'threads' | 'retry' | 'ratePerSec'> & { features: FeatureSource };

export class LoadThreads {
  readonly hub = new ThreadHub();
  private readonly pool: Piscina;
  private readonly tasks: Array<Promise<unknown>> = [];

  /** Starts the threads; each connects its workers and waits for the hub's `start`. */
  constructor(settings: LoadSettings, assignments: readonly unknown[]) {
    this.pool = new Piscina({ filename: THREAD_TASK, minThreads: settings.threads, maxThreads: settings.threads, concurrentTasksPerWorker: 1, idleTimeout: 100, resourceLimits: LOAD_THREAD_RESOURCES });
    for (let threadIndex = 0; threadIndex < settings.threads; threadIndex++) {
      const channel = new MessageChannel();
      this.hub.attach(threadIndex, channel.port1);
      const workers = threadWorkers(assignments, threadIndex, settings.threads);
      const task: ThreadTask = { ...taskSettings(settings), threadIndex, workers, executor: executorFor(settings, workers.length), port: channel.port2 };
      this.tasks.push(this.pool.run(task, { transferList: [channel.port2] }));
    }
  }

  /** Releases every worker, waits for the threads to end and closes the pool. */
  async close(): Promise<void> {
    this.hub.releaseAll();
    await Promise.allSettled(this.tasks);
    await this.pool.destroy();
  }
}

function taskSettings(s: LoadSettings): Pick<ThreadTask, 'scenarioModule' | 'connection' | 'data' | 'options' | 'features' | 'retry'> {
  return { scenarioModule: s.scenario.module, connection: s.connection, data: s.data, options: s.options, features: s.features, retry: s.retry };
}

/** Workers go round-robin to the threads. */
function threadWorkers(assignments: readonly unknown[], threadIndex: number, threads: number): ThreadTask['workers'] {
  return assignments.map((assignment, workerId) => ({ workerId, assignment })).filter((w) => w.workerId % threads === threadIndex);
}

/** An open loop's rate is shared between the threads as their workers are. */
function executorFor(s: LoadSettings, workers: number): ExecutorConfig {
  if (!s.ratePerSec) return { name: 'constant-workers', settings: {} };
  return { name: 'arrival-rate', settings: { ratePerSec: (s.ratePerSec * workers) / s.workers } };
}
