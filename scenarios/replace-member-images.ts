/**
 * The seed's deadlock storm: each operation is one transaction that replaces every image and
 * feature of one member. With many workers walking the same group in the same order, the
 * delete-then-insert strategy deadlocks on gap locks about as often as it commits. The other
 * strategies are the fixes to compare.
 */
import { v4 as uuidv4 } from 'uuid';
import { queryRows, readRows, writeRow, type SqlValue, type WorkerConnection } from '../src/db/workerConnection.js';
import { featureSlice, type FeatureSource } from '../src/data/featureSource.js';
import { description } from '../src/data/names.js';
import { deriveSeed, seededRandom } from '../src/data/random.js';
import { defineScenario, type AuditStatement, type ControlContext, type OptionValues, type Verification } from '../src/engine/scenario.js';
import { choiceOption, countOption } from '../src/engine/scenarioOptions.js';
import { designOf } from '../src/schema/designs/index.js';
import { libraryTables, q } from '../src/schema/tables.js';
import { FIRST_MODEL_VERSION, openLibrary, sampleImage } from './library.js';

const STRATEGIES = ['delete-insert', 'insert-delete-older', 'lock-member-first', 'read-committed'] as const;
type Strategy = (typeof STRATEGIES)[number];

interface Assignment {
  /** The members this worker replaces, in its walking order (it cycles through them). */
  memberIds: number[];
  imagesPerMember: number;
  design: string;
  versions: number[];
}

interface State {
  assignment: Assignment;
  cursor: number;
  strategy: Strategy;
  sql: Statements;
  features: FeatureSource;
  random: () => number;
  sliceCounter: number;
}

interface Statements {
  lockMember: string;
  deleteFeatures: string[];
  deleteImages: string;
  deleteOlderFeatures: string[];
  deleteOlderImages: string;
  insertImage: string;
  insertFeature: string[];
  /** Whether the feature tables carry member_id (the clustered design). */
  featureHasMember: boolean;
}

const OPTIONS = {
  strategy: choiceOption('how a member is replaced', STRATEGIES, 'delete-insert'),
  order: choiceOption('same: every worker walks the members in the same order; shuffled: each its own order', ['same', 'shuffled'], 'same'),
  'groups-used': countOption('how many groups the workers share (the seed: 1 group, 20 threads)', 1),
};

export const replaceMemberImages = defineScenario(import.meta.url, {
  name: 'replace-member-images',
  description: "replace all images and features of a member in one transaction (the seed's deadlock storm)",
  defaultOp: 'replace',
  serverNeeds: { privileges: ['SELECT', 'INSERT', 'DELETE'], holdsFeatures: true, warmReads: false },
  captureDeadlocks: true,
  needsFeatures: true,
  options: OPTIONS,

  async plan(ctx, workers) {
    if (ctx.data.flags.length > 1) throw new Error('replace-member-images works on one library at a time: give one --flag');
    const library = await openLibrary(ctx.control, ctx.data.flags[0]!, FIRST_MODEL_VERSION);
    if (library.design.name === 'natural') throw new Error('replace-member-images needs the surrogate or clustered design (it replaces images by id)');
    const groupsUsed = ctx.options['groups-used'];
    const [rows] = await ctx.control.query(
      `SELECT m.id FROM ${q(library.tables.member)} m JOIN (SELECT id FROM ${q(library.tables.group)} ORDER BY id LIMIT ?) g ON g.id = m.group_id ORDER BY m.id`,
      [groupsUsed],
    );
    const memberIds = (rows as Array<{ id: number }>).map((row) => row.id);
    if (memberIds.length === 0) throw new Error('the library has no members to replace');
    const scale = library.spec.scale as { images: number };
    const seed = ctx.data.seed;
    const assignments: Assignment[] = Array.from({ length: workers }, (_, w) => ({
      memberIds: ctx.options.order === 'shuffled' ? shuffled(memberIds, deriveSeed(seed, 11, w)) : memberIds,
      imagesPerMember: scale.images,
      design: library.design.name,
      versions: [...library.tables.features.keys()],
    }));
    return {
      assignments,
      description: `replace-member-images (${ctx.options.strategy}, ${ctx.options.order} order) over ${memberIds.length} members of ${groupsUsed} group(s)`,
    };
  },

  async workerInit(ctx): Promise<State> {
    const strategy = ctx.options.strategy;
    if (strategy === 'read-committed') await queryRows(ctx.connection, 'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
    const tables = libraryTables(ctx.data.flags[0]!, ctx.assignment.versions);
    const design = designOf(ctx.assignment.design);
    const features = [...tables.features.values()];
    const sql: Statements = {
      lockMember: `SELECT id FROM ${q(tables.member)} WHERE id = ? FOR UPDATE`,
      deleteFeatures: features.map((f) => `DELETE f FROM ${q(f)} f JOIN ${q(tables.image)} i ON i.id = f.image_id WHERE i.member_id = ?`),
      deleteImages: `DELETE FROM ${q(tables.image)} WHERE member_id = ?`,
      deleteOlderFeatures: features.map((f) => `DELETE f FROM ${q(f)} f JOIN ${q(tables.image)} i ON i.id = f.image_id WHERE i.member_id = ? AND i.id < ?`),
      deleteOlderImages: `DELETE FROM ${q(tables.image)} WHERE member_id = ? AND id < ?`,
      insertImage: `INSERT INTO ${q(tables.image)} (member_id, file_id, description) VALUES (?, ?, ?)`,
      insertFeature: features.map((f) => design.insertFeatureSql(tables, f)),
      featureHasMember: design.featureKeyColumns.includes('member_id'),
    };
    return {
      assignment: ctx.assignment,
      cursor: 0,
      strategy,
      sql,
      features: ctx.features,
      random: seededRandom(deriveSeed(ctx.data.seed, 13, ctx.workerId)),
      sliceCounter: ctx.workerId * 7919,
    };
  },

  next(state): number {
    const ids = state.assignment.memberIds;
    return ids[state.cursor++ % ids.length]!;
  },

  execute(state, connection, memberId, done) {
    replaceMember(state, connection, memberId).then(
      () => done(null, { rows: state.assignment.imagesPerMember, committed: true }),
      (error: unknown) => done(error),
    );
  },

  transactional() {
    return true;
  },

  verify: verifyMembers,

  async statements(ctx) {
    const library = await openLibrary(ctx.control, ctx.flag, ctx.modelVersion);
    if (library.design.name === 'natural') throw new Error('replace-member-images needs the surrogate or clustered design (it replaces images by id)');
    const { memberId = 0 } = await sampleImage(ctx.control, library);
    const images = (library.spec.scale as { images: number }).images;
    const t = library.tables;
    const list: AuditStatement[] = [
      { name: 'lock member', sql: `SELECT id FROM ${q(t.member)} WHERE id = ? FOR UPDATE`, params: [memberId], mustUseIndex: true, expectedRows: 1 },
      { name: 'delete images of member', sql: `DELETE FROM ${q(t.image)} WHERE member_id = ?`, params: [memberId], mustUseIndex: true, expectedRows: images },
      { name: 'delete older images', sql: `DELETE FROM ${q(t.image)} WHERE member_id = ? AND id < ?`, params: [memberId, 1 << 30], mustUseIndex: true, expectedRows: images },
      { name: 'insert image', sql: `INSERT INTO ${q(t.image)} (member_id, file_id, description) VALUES (?, ?, ?)`, params: [memberId, 'audit', ''], mustUseIndex: false },
    ];
    for (const f of t.features.values()) {
      list.push({
        name: `delete features of member (${f})`,
        sql: `DELETE f FROM ${q(f)} f JOIN ${q(t.image)} i ON i.id = f.image_id WHERE i.member_id = ?`,
        params: [memberId],
        mustUseIndex: true,
        expectedRows: images,
      });
    }
    return list;
  },
});

async function replaceMember(state: State, connection: WorkerConnection, memberId: number): Promise<void> {
  const { sql } = state;
  await queryRows(connection, 'START TRANSACTION');
  if (state.strategy === 'lock-member-first') await readRows(connection, sql.lockMember, [memberId]);
  if (state.strategy === 'insert-delete-older') {
    const firstNewId = await insertImages(state, connection, memberId);
    for (const statement of sql.deleteOlderFeatures) await writeRow(connection, statement, [memberId, firstNewId]);
    await writeRow(connection, sql.deleteOlderImages, [memberId, firstNewId]);
  } else {
    for (const statement of sql.deleteFeatures) await writeRow(connection, statement, [memberId]);
    await writeRow(connection, sql.deleteImages, [memberId]);
    await insertImages(state, connection, memberId);
  }
  await queryRows(connection, 'COMMIT');
}

/** Inserts the member's new images, one statement each as the seed does, and their features; returns the first new id. */
async function insertImages(state: State, connection: WorkerConnection, memberId: number): Promise<number> {
  let firstId = 0;
  for (let i = 0; i < state.assignment.imagesPerMember; i++) {
    const fileId = uuidv4().replace(/-/g, '').slice(0, 20);
    const inserted = await writeRow(connection, state.sql.insertImage, [memberId, fileId, description(state.random)]);
    if (i === 0) firstId = inserted.insertId;
    const feature = featureSlice(state.features, state.sliceCounter++);
    for (const statement of state.sql.insertFeature) {
      const params: SqlValue[] = state.sql.featureHasMember ? [memberId, inserted.insertId, feature] : [inserted.insertId, feature];
      await writeRow(connection, statement, params);
    }
  }
  return firstId;
}

/** Every member of the groups used holds exactly one complete set: N images, each with one feature per version. */
async function verifyMembers(ctx: ControlContext<OptionValues<typeof OPTIONS>>): Promise<Verification> {
  const library = await openLibrary(ctx.control, ctx.data.flags[0]!, FIRST_MODEL_VERSION);
  const { tables } = library;
  const groupsUsed = ctx.options['groups-used'];
  const expected = (library.spec.scale as { images: number }).images;
  const checks: Verification['checks'] = [];
  const [perMember] = await ctx.control.query(
    `SELECT m.id, COUNT(i.id) AS images FROM ${q(tables.member)} m
     JOIN (SELECT id FROM ${q(tables.group)} ORDER BY id LIMIT ?) g ON g.id = m.group_id
     LEFT JOIN ${q(tables.image)} i ON i.member_id = m.id GROUP BY m.id`,
    [groupsUsed],
  );
  const members = perMember as Array<{ id: number; images: number }>;
  const empty = members.filter((m) => Number(m.images) === 0).length;
  const wrong = members.filter((m) => Number(m.images) !== expected).length;
  checks.push({ name: 'no member left empty', ok: empty === 0, detail: `${empty} of ${members.length} members have no image` });
  checks.push({ name: `every member has exactly ${expected} images`, ok: wrong === 0, detail: `${wrong} of ${members.length} members differ` });
  for (const feature of tables.features.values()) {
    const [missing] = await ctx.control.query(
      `SELECT COUNT(*) AS n FROM ${q(tables.image)} i LEFT JOIN ${q(feature)} f ON f.image_id = i.id WHERE f.image_id IS NULL`,
    );
    const [orphans] = await ctx.control.query(
      `SELECT COUNT(*) AS n FROM ${q(feature)} f LEFT JOIN ${q(tables.image)} i ON i.id = f.image_id WHERE i.id IS NULL`,
    );
    const missingCount = Number((missing as Array<{ n: number }>)[0]?.n ?? 0);
    const orphanCount = Number((orphans as Array<{ n: number }>)[0]?.n ?? 0);
    checks.push({ name: `every image has its ${feature} row`, ok: missingCount === 0, detail: `${missingCount} images without a feature` });
    checks.push({ name: `no orphan rows in ${feature}`, ok: orphanCount === 0, detail: `${orphanCount} features without an image` });
  }
  return { ok: checks.every((c) => c.ok), checks };
}

function shuffled(ids: number[], seed: number): number[] {
  const random = seededRandom(seed);
  const copy = [...ids];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
