/**
 * The main thread's side of the load threads' messages: it knows which threads still run, and
 * gathers each interval's snapshots by sequence number (never by arrival count).
 */
import type { MessagePort } from 'node:worker_threads';
import type { MetersSnapshot } from '../metrics/opMeters.js';
import type { MainToThread, ThreadToMain } from './protocol.js';

export class ThreadHub {
  private readonly ports = new Map<number, MessagePort>();
  private readonly running = new Set<number>();
  private readonly ready = new Set<number>();
  private readonly snapshots = new Map<number, Map<number, { meters: MetersSnapshot; loopDelayP99Ms: number }>>();
  /** Last figures of threads that ended since the previous interval was collected. */
  private leftovers: MetersSnapshot[] = [];
  private waiters: Array<() => void> = [];
  private markEnded!: () => void;
  /** Resolves when no thread runs any more (all ended or failed). */
  readonly ended = new Promise<void>((resolve) => (this.markEnded = resolve));
  fatal: string | null = null;
  /** The worst event-loop delay p99 among the threads' snapshots of the last interval collected. */
  loopDelayP99Ms = 0;
  /** Every thread that ended did so because its workers ran out of work. */
  allWorkDone = true;

  attach(threadIndex: number, port: MessagePort): void {
    this.ports.set(threadIndex, port);
    this.running.add(threadIndex);
    port.on('message', (message: ThreadToMain) => this.receive(message));
  }

  private receive(message: ThreadToMain): void {
    switch (message.type) {
      case 'ready':
        this.ready.add(message.threadIndex);
        break;
      case 'snapshot': {
        let bySeq = this.snapshots.get(message.seq);
        if (!bySeq) this.snapshots.set(message.seq, (bySeq = new Map()));
        bySeq.set(message.threadIndex, { meters: message.meters, loopDelayP99Ms: message.loopDelayP99Ms });
        break;
      }
      case 'done':
        this.running.delete(message.threadIndex);
        this.leftovers.push(message.meters);
        if (!message.workDone) this.allWorkDone = false;
        break;
      case 'fatal':
        this.running.delete(message.threadIndex);
        this.fatal ??= message.message;
        break;
    }
    if (this.running.size === 0) this.markEnded();
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  get runningCount(): number {
    return this.running.size;
  }

  broadcast(message: MainToThread): void {
    for (const threadIndex of this.running) this.ports.get(threadIndex)?.postMessage(message);
  }

  /** Lets every thread close its connections (see 'release' in protocol.ts). */
  releaseAll(): void {
    for (const port of this.ports.values()) port.postMessage({ type: 'release' } satisfies MainToThread);
  }

  /** Resolves once every thread is ready, or fails with the first thread's fatal error. */
  async allReady(): Promise<void> {
    while (!this.fatal && this.ready.size < this.ports.size) await this.change();
    if (this.fatal) throw new Error(this.fatal);
  }

  /** Resolves when any message arrives. */
  change(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Sends tick `seq` and gathers the answer of every running thread (or its last figures if it ends). */
  async collect(seq: number): Promise<MetersSnapshot[]> {
    const asked = [...this.running];
    this.broadcast({ type: 'tick', seq });
    const answered = (t: number): boolean => this.snapshots.get(seq)?.has(t) === true || !this.running.has(t);
    while (!asked.every(answered)) await this.change();
    const answers = [...(this.snapshots.get(seq)?.values() ?? [])];
    this.snapshots.delete(seq);
    if (answers.length) this.loopDelayP99Ms = Math.max(...answers.map((answer) => answer.loopDelayP99Ms));
    return [...answers.map((answer) => answer.meters), ...this.takeLeftovers()];
  }

  /** Waits until every thread has ended, then returns the figures they sent last. */
  async drain(): Promise<MetersSnapshot[]> {
    while (this.running.size > 0) await this.change();
    return this.takeLeftovers();
  }

  private takeLeftovers(): MetersSnapshot[] {
    const taken = this.leftovers;
    this.leftovers = [];
    return taken;
  }
}
