/**
 * A scenario module of your own, written against innobench's public API as the built-ins are:
 * every operation inserts one image for a member drawn from the first --members-used members.
 * Run it with `innobench run ./examples/add-images.mjs --workers 8 --threads 2 --duration 30s`
 * (after `innobench prepare insert-members`, or any prepare of the library).
 */
import { randomUUID } from 'node:crypto';
import { FIRST_MODEL_VERSION, countOption, defineScenario, deriveSeed, openLibrary, q, seededRandom, writeRow } from 'innobench';

export const addImages = defineScenario(import.meta.url, {
  name: 'add-images',
  description: 'insert one image per operation for a member drawn at random',
  defaultOp: 'insert-image',
  serverNeeds: { privileges: ['SELECT', 'INSERT'], holdsFeatures: false, warmReads: false },
  options: { 'members-used': countOption('how many members (the first by id) receive the images', 10) },

  // Main thread, once: find the work and split it. Assignments cross to the load threads as data.
  async plan(ctx, workers) {
    const library = await openLibrary(ctx.control, ctx.data.flags[0], FIRST_MODEL_VERSION);
    const [rows] = await ctx.control.query(`SELECT id FROM ${q(library.tables.member)} ORDER BY id LIMIT ?`, [ctx.options['members-used']]);
    const memberIds = rows.map((row) => row.id);
    if (!memberIds.length) throw new Error('the library has no members');
    return {
      assignments: Array.from({ length: workers }, () => ({ memberIds, image: library.tables.image })),
      // The harness checks that the table gained exactly the rows counted, and that Com_insert agrees.
      accountingTables: [library.tables.image],
      description: `add-images for ${memberIds.length} members`,
    };
  },

  // Each worker, once, on its load thread.
  async workerInit(ctx) {
    return {
      memberIds: ctx.assignment.memberIds,
      sql: `INSERT INTO ${q(ctx.assignment.image)} (member_id, file_id, description) VALUES (?, ?, ?)`,
      random: seededRandom(deriveSeed(ctx.data.seed, 101, ctx.workerId)),
    };
  },

  // The loop times, counts and retries; a scenario only says what one operation is.
  next: (state) => state.memberIds[Math.floor(state.random() * state.memberIds.length)],
  execute(state, connection, memberId, done) {
    const fileId = randomUUID().replace(/-/g, '').slice(0, 20);
    writeRow(connection, state.sql, [memberId, fileId, 'added by a module']).then(() => done(null, { rows: 1, committed: true }), done);
  },
  transactional: () => false,
});
