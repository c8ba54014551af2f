/**
 * A load thread (a piscina task that lives for the whole run): connects its workers, waits for
 * the common start, runs their loops, and answers each interval tick with a snapshot of its
 * meters. Nothing else crosses to the main thread.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { WorkerConnection } from '../db/workerConnection.js';
import { OpMeters } from '../metrics/opMeters.js';
import type { MainToThread, ThreadTask, ThreadToMain } from './protocol.js';
import { importScenario } from './scenario.js';
import { createWorker } from './workerLoop.js';
import { NodeRouter } from './nodeRouting.js';
import { runExecutor } from './executors/index.js';
import { scrubSecret } from '../config/redact.js';

export default async function threadTask(task: ThreadTask): Promise<void> {
  const port = task.port;
  const send = (message: ThreadToMain): void => port.postMessage(message);
  const meters = new OpMeters();
  let stopping = false;
  let resolveStart!: () => void;
  const started = new Promise<void>((resolve) => (resolveStart = resolve));
  let resolveRelease!: () => void;
  const released = new Promise<void>((resolve) => (resolveRelease = resolve));

  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  port.on('message', (message: MainToThread) => {
    if (message.type === 'start') resolveStart();
    else if (message.type === 'release') resolveRelease();
    else if (message.type === 'stop') {
      // A stop can come before the start (another thread failed to start): never wait for a start then.
      stopping = true;
      resolveStart();
    }
    else if (message.type === 'tick') {
      const loopDelayP99Ms = Math.round(loopDelay.percentile(99) / 1e4) / 100;
      loopDelay.reset();
      send({ type: 'snapshot', threadIndex: task.threadIndex, seq: message.seq, meters: meters.takeSnapshot(), loopDelayP99Ms });
    }
  });

  const connections: WorkerConnection[] = [];
  const router = new NodeRouter(task.connection);
  try {
    const scenario = await importScenario(task.scenarioModule);
    const transactional = scenario.transactional(task.options);
    const opOf = scenario.opOf ? scenario.opOf.bind(scenario) : () => scenario.defaultOp;
    const workers = await Promise.all(
      task.workers.map(async ({ workerId, assignment }) => {
        const connection = await router.connect(workerId);
        connections.push(connection);
        const state = await scenario.workerInit({ workerId, assignment, data: task.data, options: task.options, features: task.features, connection });
        return createWorker({
          operations: router.metered(scenario, meters, workerId),
          state,
          connection,
          transactional,
          meters,
          retry: task.retry,
          isStopping: () => stopping,
          reconnect: () => router.reconnect(workerId),
          opOf,
        });
      }),
    );
    send({ type: 'ready', threadIndex: task.threadIndex });
    await started;
    const { workDone } = await runExecutor(task.executor, workers, {
      isStopping: () => stopping,
      dropped: () => meters.meter(scenario.defaultOp).counts.dropped++,
      now: () => performance.now(),
    });
    // A worker that reconnected holds a connection opened after the first ones.
    connections.push(...workers.map((worker) => worker.connection()));
    send({ type: 'done', threadIndex: task.threadIndex, meters: meters.takeSnapshot(), workDone });
    await released;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    send({ type: 'fatal', threadIndex: task.threadIndex, message: scrubSecret(message, task.connection.password) });
  } finally {
    // end() says goodbye (COM_QUIT), so the server does not count the run's connections as aborted.
    await Promise.all([...new Set(connections)].map((c) => c.end()));
    loopDelay.disable();
    port.close();
  }
}
