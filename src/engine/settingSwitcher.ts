/**
 * Switchback within one run (`run --switchback name=A,B`): the global flipped at slot boundaries,
 * which fall on the run's ticks, in randomised A B B A / B A A B blocks. The original value is
 * journalled before the first change (src/serverState), so every exit path, and `innobench
 * restore` after a kill, puts it back. Each flip is timed: a change that blocks the server shows.
 */
import type { ConnectionOptions } from '../config/connection.js';
import { connectControl, type PromiseConnection } from '../db/connect.js';
import { seededRandom } from '../data/random.js';
import { switchbackVerdict, type SwitchbackDesign, type SwitchbackInterval } from '../analysis/verdicts/switchback.js';
import type { IntervalStats } from '../metrics/intervalStats.js';
import type { SwitchbackRecord } from '../results/types.js';
import { serverJournal } from '../serverState/journal.js';
import type { JournalEntry } from '../serverState/journalTable.js';
import { setGlobalStatement, variableName } from '../serverState/statements.js';
import type { SettingValue } from '../experiment/settingSpec.js';

export interface SwitchbackSettings {
  name: string;
  /** [A, B]: the effect is B against A. */
  values: readonly [SettingValue, SettingValue];
  slotMs: number;
  /** The settling dropped at the start of every slot. */
  dropMs: number;
  seed: number;
}

/** Settings whose change blocks the server or runs for seconds in the background: a flip every few seconds would measure the change itself. */
export const BLOCKING_SETTINGS: Record<string, string> = {
  innodb_buffer_pool_size: 'resizing the buffer pool moves pages in chunks and blocks while it does',
  innodb_log_file_size: 'resizing the redo log rewrites it (MariaDB 10.9+), and its effect needs the log to fill first',
  innodb_redo_log_capacity: "resizing the redo log runs in the background, and its effect needs the log to fill first",
};

/** The arm of each slot: blocks of four, each A B B A or B A A B at random (seeded). */
export function slotOrder(slots: number, seed: number): number[] {
  const random = seededRandom(seed);
  const order: number[] = [];
  while (order.length < slots) order.push(...(random() < 0.5 ? [0, 1, 1, 0] : [1, 0, 0, 1]));
  return order.slice(0, slots);
}

export class SettingSwitcher {
  readonly design: SwitchbackDesign;
  private readonly order: number[];
  private connection: PromiseConnection | null = null;
  private entry: JournalEntry | null = null;
  private current = -1;
  private readonly intervals: SwitchbackInterval[] = [];
  /** The slowest SET GLOBAL of the run, ms. */
  private slowestFlipMs = 0;
  private flips = 0;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly settings: SwitchbackSettings,
    intervalMs: number,
    durationMs: number,
  ) {
    const slotIntervals = Math.round(settings.slotMs / intervalMs);
    this.design = { labels: [settings.values[0].text, settings.values[1].text], slotIntervals, dropIntervals: Math.round(settings.dropMs / intervalMs) };
    this.order = slotOrder(Math.ceil(durationMs / settings.slotMs) + 1, settings.seed);
  }

  /** Journals the original value and sets the first slot's (before the load starts). */
  async begin(): Promise<void> {
    const name = variableName(this.settings.name);
    this.connection = await connectControl(this.options);
    const [rows] = await this.connection.query(`SELECT @@GLOBAL.${name} AS value`);
    const original = (rows as Array<{ value: string | number | null }>)[0]?.value ?? null;
    this.entry = await serverJournal(this.options).record({
      kind: 'global',
      description: `${name} switched between ${this.design.labels.join(' and ')} (was ${String(original)})`,
      undoSql: [setGlobalStatement({ [name]: original })],
    });
    await this.apply(0);
  }

  /** The arm (label) in effect over interval `seq` (1-based). */
  armAt(seq: number): string {
    return this.design.labels[this.order[Math.floor((seq - 1) / this.design.slotIntervals)] ?? 0]!;
  }

  /** Keeps an interval's throughput for the verdict, and whether the machine was disturbed in it. */
  record(stats: IntervalStats, disturbed: boolean): void {
    this.intervals.push({ seq: stats.seq, seconds: stats.seconds, ops: stats.all.counts.ops, arm: this.armAt(stats.seq), disturbed });
  }

  /** After the record of interval `seq`: at a slot's end, the next slot's value. */
  async afterTick(seq: number): Promise<void> {
    if (seq % this.design.slotIntervals === 0) await this.apply(seq / this.design.slotIntervals);
  }

  /** The verdict over the intervals recorded, with how the switching went. */
  verdict(): SwitchbackRecord {
    const v = switchbackVerdict(this.intervals, this.design);
    const { name, slotMs, dropMs, seed } = this.settings;
    const carryOver = v.carryOver ? { firstHalfPct: v.carryOver.firstHalfPct, secondHalfPct: v.carryOver.secondHalfPct, memory: v.carryOver.memory } : null;
    return {
      setting: name,
      labels: [...this.design.labels],
      slotSec: slotMs / 1000,
      dropSec: dropMs / 1000,
      seed,
      pairs: v.pairs,
      changePct: v.effect.changePct,
      ciPct: v.effect.ciPct,
      significant: v.effect.significant,
      detectablePct: v.effect.detectablePct,
      carryOver,
      disturbedPairs: v.disturbedPairs,
      quietEffect: v.quietEffect ? { changePct: v.quietEffect.changePct, ciPct: v.quietEffect.ciPct, pairs: v.quietEffect.n } : null,
      flips: this.flips,
      slowestFlipMs: Math.round(this.slowestFlipMs * 10) / 10,
      text: v.text,
    };
  }

  /**
   * Refuses, before anything changes, a variable this server does not have or cannot change
   * while running: setting it to its own value changes nothing and fails the way a flip would.
   */
  static async check(control: PromiseConnection, name: string): Promise<string | null> {
    const variable = variableName(name);
    if (BLOCKING_SETTINGS[variable]) return `--switchback ${variable}: ${BLOCKING_SETTINGS[variable]}; compare it in separate runs (innobench matrix --order blocks)`;
    try {
      await control.query(`SET GLOBAL ${variable} = @@GLOBAL.${variable}`);
      return null;
    } catch (error) {
      const errno = (error as { errno?: number }).errno;
      if (errno === 1238) return `--switchback ${variable}: a read-only variable (it changes only with a restart); compare it in separate runs (innobench matrix --via-restart …)`;
      if (errno === 1193) return `--switchback ${variable}: this server has no such variable`;
      return `--switchback ${variable}: cannot be changed here (${error instanceof Error ? error.message : String(error)})`;
    }
  }

  /** Puts the original value back and closes the connection. */
  async end(): Promise<void> {
    await this.connection?.end().catch(() => undefined);
    this.connection = null;
    await serverJournal(this.options).restore(this.entry);
    this.entry = null;
  }

  private async apply(slot: number): Promise<void> {
    const arm = this.order[slot] ?? 0;
    if (arm === this.current || !this.connection) return;
    const started = performance.now();
    await this.connection.query(setGlobalStatement({ [variableName(this.settings.name)]: this.settings.values[arm]!.value }));
    this.slowestFlipMs = Math.max(this.slowestFlipMs, performance.now() - started);
    this.flips++;
    this.current = arm;
  }
}
