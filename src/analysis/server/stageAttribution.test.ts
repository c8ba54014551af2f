/** Stage attribution on rows captured from MariaDB 10.11.19 (a statement that fires a trigger). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StageAttribution, type PsStageRow, type PsStatementRow } from './stageAttribution.js';

function statement(eventId: number, endEventId: number, sql: string, extra: Partial<PsStatementRow> = {}): PsStatementRow {
  return {
    threadId: 15,
    eventId,
    endEventId,
    eventName: 'statement/sql/insert',
    timerWait: 1e9,
    sqlText: sql,
    digestText: null,
    currentSchema: 't1',
    objectType: null,
    objectSchema: null,
    objectName: null,
    nestingEventId: null,
    nestingLevel: 0,
    rowsExamined: 0,
    ...extra,
  };
}

/** Stages id..id+names.length-1, all nested (as the server reported) under `nesting`. */
function stages(first: number, nesting: number, names: string[]): PsStageRow[] {
  return names.map((name, i) => ({ threadId: 15, eventId: first + i, eventName: `stage/sql/${name}`, timerWait: 1e6 * (i + 1), nestingEventId: nesting }));
}

// `insert into gm values ((select id from g where name='a'), 7)` (66…107) fires trigger instri (86…96).
// The server nested stage 85 and stages 97…107 (Commit and the rest of the INSERT's end) under 86.
const PARENT = statement(66, 107, "insert into gm values ((select id from g where name='a'), 7)", {
  digestText: 'INSERT INTO `gm` VALUES ( ( SELECT ID FROM `g` WHERE NAME = ? ) , ? ) ',
  timerWait: 1_419_452_000,
});
const TRIGGER = statement(86, 96, 'insert into gc values (NEW.group_id, 1) on duplicate key update count = count+1', {
  eventName: 'statement/sp/stmt',
  objectType: 'TRIGGER',
  objectSchema: 't1',
  objectName: 'instri',
  nestingEventId: 66,
  nestingLevel: 1,
  timerWait: 32_621_000,
});
const PARENT_STAGES = stages(67, 66, ['starting', 'checking permissions', 'Opening tables', 'After opening tables', 'System lock', 'table lock', 'Opening tables', 'After opening tables', 'System lock', 'table lock', 'Unlocking tables', 'closing tables', 'init for update', 'Optimizing', 'Statistics', 'Preparing', 'Update', 'Executing']);
const SENDING = stages(85, 86, ['Sending data']);
const TRIGGER_STAGES = stages(87, 86, ['checking permissions', 'Opening tables', 'After opening tables', 'init for update', 'Update', 'End of update loop', 'Query end', 'closing tables', 'Query end', 'Starting cleanup']);
const AFTER = stages(97, 86, ['End of update loop', 'Query end', 'Commit', 'Query end', 'closing tables', 'Unlocking tables', 'closing tables', 'Query end', 'Starting cleanup', 'Freeing items', 'Reset for next command']);

test('StageAttribution gives stages to the innermost statement whose event-id range holds them', () => {
  const attribution = new StageAttribution('t1');
  attribution.add([PARENT, TRIGGER], [...PARENT_STAGES, ...SENDING, ...TRIGGER_STAGES, ...AFTER]);
  assert.equal(attribution.statementsSeen, 1);
  assert.equal(attribution.statementsWithStages, 1);
  assert.equal(attribution.stagesReattributed, 12, 'stage 85 and stages 97…107');
  const [parent, trigger] = attribution.profiles(50);
  assert.equal(parent!.statement, 'INSERT INTO `gm` VALUES ( ( SELECT ID FROM `g` WHERE NAME = ? ) , ? )');
  assert.equal(parent!.kind, 'statement');
  assert.equal(parent!.totalMs, 1.419);
  assert.ok(parent!.topStages.some((s) => s.stage === 'stage/sql/Commit'), 'the commit belongs to the INSERT, not to the trigger');
  assert.equal(parent!.topStages.reduce((n, s) => n + s.calls, 0), 18 + 1 + 11);
  assert.deepEqual(parent!.firedTriggers, [{ trigger: 't1.instri', statement: 'insert into gc values (NEW.group_id, ?) on duplicate key update count = count+?', count: 1, totalMs: 0.033 }]);
  assert.equal(trigger!.kind, 'trigger');
  assert.equal(trigger!.object, 't1.instri');
  assert.deepEqual(trigger!.firedBy, [parent!.statement]);
  assert.equal(trigger!.topStages.reduce((n, s) => n + s.calls, 0), 10);
  assert.ok(!trigger!.topStages.some((s) => s.stage === 'stage/sql/Commit'));
});

test('StageAttribution: rows arriving over two polls count once; a statement with a lost stage keeps its time, not its stages', () => {
  const attribution = new StageAttribution('t1');
  // Poll 1: the statement still running: some stages, no statement row.
  attribution.add([], PARENT_STAGES);
  // Poll 2: the statement ended; the ring still holds everything.
  attribution.add([PARENT, TRIGGER], [...PARENT_STAGES, ...SENDING, ...TRIGGER_STAGES, ...AFTER]);
  // Poll 3: the same rows again.
  attribution.add([PARENT, TRIGGER], [...SENDING, ...TRIGGER_STAGES, ...AFTER]);
  assert.equal(attribution.statementsSeen, 1);
  assert.equal(attribution.statementsWithStages, 1);
  // A second statement whose stage 110 was overwritten before it was read.
  const next = statement(108, 112, 'insert into gm values (1, 8)');
  attribution.add([next], stages(109, 108, ['starting', 'x']).concat(stages(111, 108, ['y', 'z'])).filter((s) => s.eventId !== 110));
  assert.equal(attribution.statementsSeen, 2);
  assert.equal(attribution.statementsWithStages, 1);
  const profile = attribution.profiles().find((p) => p.statement.startsWith('insert into gm values (?+)'))!;
  assert.equal(profile.count, 1);
  assert.equal(profile.withStages, 0);
  assert.deepEqual(profile.topStages, []);
});

test('StageAttribution turns time between stages into "(no stage: after X)" lines', () => {
  const msPs = 1e9;
  const attribution = new StageAttribution('t1');
  const top = statement(10, 14, 'insert into t values (1)', { timerWait: 100 * msPs, timerStart: 1000 * msPs, timerEnd: 1100 * msPs });
  const timed = (eventId: number, name: string, from: number, to: number): PsStageRow => ({
    threadId: 15,
    eventId,
    eventName: `stage/sql/${name}`,
    timerWait: (to - from) * msPs,
    timerStart: (1000 + from) * msPs,
    timerEnd: (1000 + to) * msPs,
    nestingEventId: 10,
  });
  attribution.add([top], [timed(11, 'starting', 1, 10), timed(12, 'Commit', 10, 20), timed(13, 'Starting cleanup', 50, 60), timed(14, 'Freeing items', 60, 90)]);
  const [profile] = attribution.profiles(10);
  assert.deepEqual(
    profile!.topStages.map((line) => [line.stage, line.totalMs, line.calls, line.pct]),
    [
      ['(no stage: after Commit)', 30, 0, 30],
      ['stage/sql/Freeing items', 30, 1, 30],
      ['(no stage: after Freeing items)', 10, 0, 10],
      ['stage/sql/Commit', 10, 1, 10],
      ['stage/sql/Starting cleanup', 10, 1, 10],
      ['stage/sql/starting', 9, 1, 9],
      ['(no stage: before the first stage)', 1, 0, 1],
    ],
  );
  assert.equal(profile!.ownStageMs, 100, 'stages and gaps add up to the statement time');
});

test('StageAttribution ignores statements of other databases', () => {
  const attribution = new StageAttribution('other');
  attribution.add([PARENT, TRIGGER], [...PARENT_STAGES, ...SENDING, ...TRIGGER_STAGES, ...AFTER]);
  assert.equal(attribution.statementsSeen, 0);
});
