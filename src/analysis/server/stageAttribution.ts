/**
 * Stages given to statements, from rows of performance_schema's statement and stage histories
 * (pure: the profiler in hooks/stageProfile reads the rows).
 *
 * Stages are given to a statement by event-id range, not by NESTING_EVENT_ID: on MariaDB 10.11 the
 * stages a statement runs after one of its triggers finished (End of update loop, Commit, Freeing
 * items …) keep the trigger's statement as their NESTING_EVENT_ID, the misattribution the seed shows
 * ("waiting for handler commit" under the trigger's insert). A stage belongs to the innermost
 * statement, of the same thread, whose EVENT_ID … END_EVENT_ID range holds its EVENT_ID.
 * Statements fired by triggers (OBJECT_TYPE = 'TRIGGER', NESTING_EVENT_TYPE = 'STATEMENT') are
 * reported on their own and under the statement that fired them.
 */
import { normalizeStatement } from '../../sql/normalize.js';

const PS_PER_MS = 1e9;

export interface StageLine {
  stage: string;
  totalMs: number;
  /** Per statement that has its stages. */
  avgMs: number;
  calls: number;
  /** Share of the statement's own time (stages and the time between them). */
  pct: number;
}

export interface StatementProfile {
  statement: string;
  kind: 'statement' | 'trigger' | 'nested';
  /** schema.name of the trigger (or routine) that ran it. */
  object?: string;
  /** For a statement fired by a trigger: the statements that fired it. */
  firedBy?: string[];
  count: number;
  /** Statements whose every stage was read. */
  withStages: number;
  totalMs: number;
  avgMs: number;
  maxMs: number;
  avgRowsExamined: number;
  /** Mean time of the `withStages` statements: below avgMs when the long ones lost stages (see notes). */
  avgMsWithStages: number;
  /**
   * Time of the statement itself over its `withStages` statements: its stages plus the time between
   * stages ("(no stage: after X)" lines), nested statements excluded.
   */
  ownStageMs: number;
  firedTriggers: Array<{ trigger: string; statement: string; count: number; totalMs: number }>;
  topStages: StageLine[];
}


export interface PsStatementRow {
  threadId: number;
  eventId: number;
  endEventId: number;
  eventName: string;
  timerWait: number;
  /** Picoseconds since server start; null when not timed. */
  timerStart?: number | null;
  timerEnd?: number | null;
  sqlText: string | null;
  digestText: string | null;
  currentSchema: string | null;
  objectType: string | null;
  objectSchema: string | null;
  objectName: string | null;
  nestingEventId: number | null;
  nestingLevel: number;
  rowsExamined: number;
}

export interface PsStageRow {
  threadId: number;
  eventId: number;
  eventName: string;
  timerWait: number;
  timerStart?: number | null;
  timerEnd?: number | null;
  nestingEventId: number | null;
}

/** Time a statement spent outside every instrumented stage, named after the stage before it. */
function gapLabel(after: string | null): string {
  return after === null ? '(no stage: before the first stage)' : `(no stage: after ${after.replace(/^stage\/sql\//, '')})`;
}

export interface StageTotals {
  ps: number;
  calls: number;
}

interface Group {
  statement: string;
  kind: StatementProfile['kind'];
  object?: string;
  firedBy: Set<string>;
  count: number;
  withStages: number;
  totalPs: number;
  withStagesPs: number;
  maxPs: number;
  rowsExamined: number;
  stages: Map<string, StageTotals>;
  fired: Map<string, { trigger: string; statement: string; count: number; ps: number }>;
}

interface ThreadState {
  watermark: number;
  top: Map<number, PsStatementRow>;
  nested: Map<number, PsStatementRow>;
  stages: Map<number, PsStageRow>;
}

function statementKey(row: PsStatementRow, prepared?: Set<string>): string {
  if (row.eventName === 'statement/com/Execute' && !row.sqlText && prepared?.size) {
    // MariaDB records no text for COM_STMT_EXECUTE: name it by the connection's prepared statements.
    const texts = [...prepared].sort();
    return texts.length === 1 ? texts[0]! : `COM_STMT_EXECUTE of one of: ${texts.join(' | ')}`;
  }
  const text = row.digestText ?? (row.sqlText ? normalizeStatement(row.sqlText) : row.eventName);
  return text.replace(/\s+/g, ' ').trim();
}

function objectOf(row: PsStatementRow): string | undefined {
  return row.objectName ? `${row.objectSchema ?? '?'}.${row.objectName}` : undefined;
}

/**
 * Accumulates statements and stages read from the history tables, poll after poll, without
 * counting a row twice: per thread, everything up to the END_EVENT_ID of the last top-level
 * statement processed is done with.
 */
export class StageAttribution {
  private readonly threads = new Map<number, ThreadState>();
  private readonly groups = new Map<string, Group>();
  /** Per thread, the (normalized) texts of the statements it prepared. */
  private readonly prepared = new Map<number, Set<string>>();
  statementsSeen = 0;
  statementsWithStages = 0;
  stagesReattributed = 0;
  untimed = 0;

  constructor(private readonly database: string | null) {}

  /** What a connection prepared (performance_schema.prepared_statements_instances). */
  notePrepared(threadId: number, sqlText: string): void {
    let texts = this.prepared.get(threadId);
    if (!texts) this.prepared.set(threadId, (texts = new Set()));
    texts.add(normalizeStatement(sqlText));
  }

  add(statements: PsStatementRow[], stages: PsStageRow[]): void {
    for (const row of statements) {
      const thread = this.thread(row.threadId);
      if (row.eventId <= thread.watermark) continue;
      (row.nestingLevel > 0 ? thread.nested : thread.top).set(row.eventId, row);
    }
    for (const row of stages) {
      const thread = this.thread(row.threadId);
      if (row.eventId > thread.watermark) thread.stages.set(row.eventId, row);
    }
    for (const thread of this.threads.values()) this.process(thread);
  }

  private thread(id: number): ThreadState {
    let thread = this.threads.get(id);
    if (!thread) this.threads.set(id, (thread = { watermark: 0, top: new Map(), nested: new Map(), stages: new Map() }));
    return thread;
  }

  private process(thread: ThreadState): void {
    const tops = [...thread.top.values()].sort((a, b) => a.eventId - b.eventId);
    for (const top of tops) {
      thread.top.delete(top.eventId);
      const inRange = (id: number): boolean => id > top.eventId && id <= top.endEventId;
      const nested = [...thread.nested.values()].filter((row) => inRange(row.eventId));
      const stages = [...thread.stages.values()].filter((row) => inRange(row.eventId));
      thread.watermark = Math.max(thread.watermark, top.endEventId);
      if (this.database !== null && top.currentSchema !== this.database) continue;
      const complete = nested.length + stages.length === top.endEventId - top.eventId;
      this.record(top, nested, complete ? stages : null);
    }
    for (const map of [thread.nested, thread.stages] as Array<Map<number, { eventId: number }>>) {
      for (const id of map.keys()) if (id <= thread.watermark) map.delete(id);
    }
  }

  /** One top-level statement with its nested statements, and its stages when all were read. */
  private record(top: PsStatementRow, nested: PsStatementRow[], stages: PsStageRow[] | null): void {
    this.statementsSeen++;
    if (top.timerWait === 0) this.untimed++;
    const topKey = statementKey(top, this.prepared.get(top.threadId));
    const topGroup = this.group(topKey, 'statement');
    this.count(topGroup, top, stages !== null);
    const nestedGroups = new Map<number, Group>();
    for (const row of nested) {
      const kind = row.objectType === 'TRIGGER' ? 'trigger' : 'nested';
      const key = `[${kind === 'trigger' ? 'trigger' : (row.objectType ?? 'nested').toLowerCase()} ${objectOf(row) ?? '?'}] ${statementKey(row)}`;
      const group = this.group(key, kind, objectOf(row));
      group.firedBy.add(topKey);
      this.count(group, row, stages !== null);
      nestedGroups.set(row.eventId, group);
      if (kind === 'trigger') {
        const fired = topGroup.fired.get(key) ?? { trigger: objectOf(row) ?? '?', statement: statementKey(row), count: 0, ps: 0 };
        fired.count++;
        fired.ps += row.timerWait;
        topGroup.fired.set(key, fired);
      }
    }
    if (!stages) return;
    this.statementsWithStages++;
    // Innermost first: the deepest nested statement whose range holds the stage.
    const byDepth = [...nested].sort((a, b) => b.nestingLevel - a.nestingLevel || b.eventId - a.eventId);
    for (const stage of stages) {
      const owner = byDepth.find((row) => stage.eventId > row.eventId && stage.eventId <= row.endEventId);
      const ownerId = owner ? owner.eventId : top.eventId;
      if (stage.nestingEventId !== ownerId) this.stagesReattributed++;
      const group = owner ? nestedGroups.get(owner.eventId)! : topGroup;
      addStage(group, stage.eventName, stage.timerWait);
    }
    this.recordGaps(top, nested, stages, nestedGroups, topGroup);
  }

  /**
   * Time inside a statement that no stage covers (e.g. on MariaDB 10.6+ an autocommit INSERT's
   * wait for the redo log flush, after "Starting cleanup"): from the timers, as pseudo-stages.
   */
  private recordGaps(top: PsStatementRow, nested: PsStatementRow[], stages: PsStageRow[], nestedGroups: Map<number, Group>, topGroup: Group): void {
    const timed = (row: { timerStart?: number | null; timerEnd?: number | null }): boolean => typeof row.timerStart === 'number' && typeof row.timerEnd === 'number';
    if (!timed(top) || stages.length === 0 || !stages.every(timed)) return;
    const ordered = [...stages].sort((a, b) => a.eventId - b.eventId);
    const ownerOf = (eventId: number): Group => {
      const owner = [...nested].sort((a, b) => b.nestingLevel - a.nestingLevel).find((row) => eventId > row.eventId && eventId <= row.endEventId);
      return owner ? nestedGroups.get(owner.eventId)! : topGroup;
    };
    let previousEnd = top.timerStart!;
    let previousName: string | null = null;
    let previousOwner = topGroup;
    for (const stage of ordered) {
      // Stages never overlap (a nested statement's stages sit between its parent's), so a gap is time in no stage.
      const gap = stage.timerStart! - previousEnd;
      if (gap > 0) addStage(previousOwner, gapLabel(previousName), gap, false);
      previousEnd = stage.timerEnd!;
      previousName = stage.eventName;
      previousOwner = ownerOf(stage.eventId);
    }
    const tail = top.timerEnd! - previousEnd;
    if (tail > 0) addStage(previousOwner, gapLabel(previousName), tail, false);
  }

  private group(key: string, kind: Group['kind'], object?: string): Group {
    let group = this.groups.get(key);
    if (!group) {
      group = { statement: key, kind, firedBy: new Set(), count: 0, withStages: 0, totalPs: 0, withStagesPs: 0, maxPs: 0, rowsExamined: 0, stages: new Map(), fired: new Map() };
      if (object) group.object = object;
      this.groups.set(key, group);
    }
    return group;
  }

  private count(group: Group, row: PsStatementRow, withStages: boolean): void {
    group.count++;
    if (withStages) {
      group.withStages++;
      group.withStagesPs += row.timerWait;
    }
    group.totalPs += row.timerWait;
    group.maxPs = Math.max(group.maxPs, row.timerWait);
    group.rowsExamined += row.rowsExamined;
  }

  profiles(topStages = 8): StatementProfile[] {
    return [...this.groups.values()]
      .sort((a, b) => b.totalPs - a.totalPs || b.count - a.count)
      .map((group) => {
        const ownPs = [...group.stages.values()].reduce((sum, stage) => sum + stage.ps, 0);
        const profile: StatementProfile = {
          statement: group.statement,
          kind: group.kind,
          count: group.count,
          withStages: group.withStages,
          totalMs: ms(group.totalPs),
          avgMs: ms(group.totalPs / group.count),
          maxMs: ms(group.maxPs),
          avgMsWithStages: group.withStages ? ms(group.withStagesPs / group.withStages) : 0,
          avgRowsExamined: Math.round((group.rowsExamined / group.count) * 100) / 100,
          ownStageMs: ms(ownPs),
          firedTriggers: [...group.fired.values()].map((fired) => ({ trigger: fired.trigger, statement: fired.statement, count: fired.count, totalMs: ms(fired.ps) })),
          topStages: stageLines(group.stages, group.withStages, ownPs, topStages),
        };
        if (group.object) profile.object = group.object;
        if (group.firedBy.size) profile.firedBy = [...group.firedBy];
        return profile;
      });
  }
}

function addStage(group: Group, name: string, ps: number, call = true): void {
  const totals = group.stages.get(name) ?? { ps: 0, calls: 0 };
  totals.ps += ps;
  if (call) totals.calls++;
  group.stages.set(name, totals);
}

export function ms(picoseconds: number): number {
  return Math.round((picoseconds / PS_PER_MS) * 1000) / 1000;
}

export function stageLines(stages: Map<string, StageTotals>, statements: number, totalPs: number, top: number): StageLine[] {
  return [...stages.entries()]
    .sort((a, b) => b[1].ps - a[1].ps || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, top)
    .map(([stage, totals]) => ({
      stage,
      totalMs: ms(totals.ps),
      avgMs: ms(totals.ps / Math.max(1, statements)),
      calls: totals.calls,
      pct: totalPs > 0 ? Math.round((totals.ps / totalPs) * 1000) / 10 : 0,
    }));
}
