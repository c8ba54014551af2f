/**
 * The main thread's side of the protocol, with the load threads played by the other end of real
 * message channels: ready, interval snapshots gathered by sequence number, threads that end or
 * fail midway, and the last figures of a drain.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { ThreadHub } from './threadHub.js';
import { emptyCounts, type MetersSnapshot } from '../metrics/opMeters.js';
import type { MainToThread, ThreadToMain } from './protocol.js';

/** A snapshot told apart by its op count. */
function meters(ops: number): MetersSnapshot {
  return { insert: { histogram: '', counts: { ...emptyCounts(), ops } } };
}

function opsOf(snapshots: MetersSnapshot[]): number[] {
  return snapshots.map((s) => s.insert!.counts.ops).sort((a, b) => a - b);
}

/** Attaches `threads` channels to a new hub; each fake thread reads the hub's messages in order. */
function hubWith(threads: number) {
  const hub = new ThreadHub();
  const ports: MessagePort[] = [];
  const fakes = Array.from({ length: threads }, (_, threadIndex) => {
    const channel = new MessageChannel();
    ports.push(channel.port1, channel.port2);
    hub.attach(threadIndex, channel.port1);
    const received: MainToThread[] = [];
    let read = 0;
    let wake: (() => void) | null = null;
    channel.port2.on('message', (message: MainToThread) => {
      received.push(message);
      wake?.();
    });
    return {
      send: (message: ThreadToMain) => channel.port2.postMessage(message),
      received,
      /** The hub's next message to this thread not read yet. */
      async next(): Promise<MainToThread> {
        while (read === received.length) await new Promise<void>((resolve) => (wake = resolve));
        return received[read++]!;
      },
    };
  });
  return { hub, threads: fakes, close: () => ports.forEach((port) => port.close()) };
}

test('allReady waits for every thread, and fails with the first fatal error', async () => {
  const { hub, threads, close } = hubWith(2);
  let ready = false;
  const waiting = hub.allReady().then(() => (ready = true));
  threads[0]!.send({ type: 'ready', threadIndex: 0 });
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(ready, false, 'one thread of two is not enough');
  threads[1]!.send({ type: 'ready', threadIndex: 1 });
  await waiting;
  close();

  const failing = hubWith(2);
  failing.threads[0]!.send({ type: 'ready', threadIndex: 0 });
  failing.threads[1]!.send({ type: 'fatal', threadIndex: 1, message: 'cannot connect' });
  await assert.rejects(failing.hub.allReady(), /cannot connect/);
  assert.equal(failing.hub.runningCount, 1);
  failing.close();
});

test('collect gathers the snapshots of its own tick, whatever order they come in', async () => {
  const { hub, threads, close } = hubWith(3);
  const collecting = hub.collect(2);
  // Each thread is asked for tick 2.
  for (const thread of threads) assert.deepEqual(await thread.next(), { type: 'tick', seq: 2 });
  // A late answer to an earlier tick is not mistaken for this one.
  threads[2]!.send({ type: 'snapshot', threadIndex: 2, seq: 1, meters: meters(999), loopDelayP99Ms: 1 });
  threads[1]!.send({ type: 'snapshot', threadIndex: 1, seq: 2, meters: meters(20), loopDelayP99Ms: 7 });
  threads[0]!.send({ type: 'snapshot', threadIndex: 0, seq: 2, meters: meters(10), loopDelayP99Ms: 3 });
  let collected: MetersSnapshot[] | null = null;
  void collecting.then((c) => (collected = c));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(collected, null, 'thread 2 has not answered tick 2 yet');
  threads[2]!.send({ type: 'snapshot', threadIndex: 2, seq: 2, meters: meters(30), loopDelayP99Ms: 5 });
  assert.deepEqual(opsOf(await collecting), [10, 20, 30]);
  assert.equal(hub.loopDelayP99Ms, 7, 'the worst thread of the interval');
  close();
});

test('a thread that ends instead of answering counts as answered, its last figures in the interval', async () => {
  const { hub, threads, close } = hubWith(2);
  const collecting = hub.collect(1);
  threads[0]!.send({ type: 'snapshot', threadIndex: 0, seq: 1, meters: meters(5), loopDelayP99Ms: 1 });
  threads[1]!.send({ type: 'done', threadIndex: 1, meters: meters(8), workDone: true });
  assert.deepEqual(opsOf(await collecting), [5, 8]);
  assert.equal(hub.runningCount, 1);
  for (const thread of threads) assert.deepEqual(await thread.next(), { type: 'tick', seq: 1 });

  // Only the running thread is asked from now on.
  hub.broadcast({ type: 'stop' });
  assert.deepEqual(await threads[0]!.next(), { type: 'stop' });
  threads[0]!.send({ type: 'done', threadIndex: 0, meters: meters(3), workDone: false });
  assert.deepEqual(opsOf(await hub.drain()), [3], 'figures already collected are not returned twice');
  await hub.ended;
  assert.equal(hub.runningCount, 0);
  assert.equal(hub.allWorkDone, false, 'one thread was stopped before its work ran out');
  assert.equal(threads[1]!.received.filter((m) => m.type === 'stop').length, 0, 'an ended thread is not sent a stop');

  // Every thread may close its connections now, the ended ones too.
  hub.releaseAll();
  for (const thread of threads) assert.deepEqual(await thread.next(), { type: 'release' });
  close();
});

test('a fatal error ends the thread and is kept, the first one only', async () => {
  const { hub, threads, close } = hubWith(2);
  threads[0]!.send({ type: 'fatal', threadIndex: 0, message: 'first' });
  threads[1]!.send({ type: 'fatal', threadIndex: 1, message: 'second' });
  await hub.ended;
  assert.equal(hub.fatal, 'first');
  assert.deepEqual(await hub.drain(), []);
  close();
});
