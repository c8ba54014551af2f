/**
 * The messages between the main thread and a load thread (autocannon's small worker protocol,
 * with a sequence number on every interval snapshot so merging never depends on arrival order).
 */
import type { MessagePort } from 'node:worker_threads';
import type { ConnectionOptions } from '../config/connection.js';
import type { MetersSnapshot } from '../metrics/opMeters.js';
import type { FeatureSource } from '../data/featureSource.js';
import type { RetryPolicy } from './retryPolicy.js';
import type { DataSettings } from './scenario.js';
import type { ExecutorConfig } from './executors/index.js';

export interface ThreadTask {
  threadIndex: number;
  /** file URL of the compiled scenario module (its `Scenario.module`). */
  scenarioModule: string;
  connection: ConnectionOptions;
  data: DataSettings;
  /** The scenario's options, parsed on the main thread. */
  options: Record<string, unknown>;
  workers: Array<{ workerId: number; assignment: unknown }>;
  features: FeatureSource;
  retry: RetryPolicy;
  /** What drives this thread's workers (an open loop gets its share of the rate). */
  executor: ExecutorConfig;
  port: MessagePort;
}

/**
 * 'release' lets a finished thread close its connections. It comes after the final status sample:
 * the server folds a session's counters into the global ones only when the session ends, so a
 * sample racing with the disconnects would miss some of the run's Com_insert.
 */
export type MainToThread = { type: 'start' } | { type: 'tick'; seq: number } | { type: 'stop' } | { type: 'release' };

export type ThreadToMain =
  | { type: 'ready'; threadIndex: number }
  /** loopDelayP99Ms: the thread's event-loop delay this interval (a saturated thread shows here first). */
  | { type: 'snapshot'; threadIndex: number; seq: number; meters: MetersSnapshot; loopDelayP99Ms: number }
  /** The last figures of a thread whose workers have all ended, and why they ended. */
  | { type: 'done'; threadIndex: number; meters: MetersSnapshot; workDone: boolean }
  | { type: 'fatal'; threadIndex: number; message: string };
