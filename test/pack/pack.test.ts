/**
 * The package as a user gets it: `npm pack`, installed into a fresh directory, imported as
 * `innobench`, type-checked against the declarations it ships, and its CLI started. Needs the
 * registry (or npm's cache) for the dependencies, so it runs as `npm run test:pack`, not in `npm test`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

const CONSUMER_TS = `
import { countOption, defineScenario, q, readRows, type WorkerConnection } from 'innobench';

interface State { sql: string; ids: number[]; next: number }

export const touch = defineScenario(import.meta.url, {
  name: 'touch',
  description: 'a typed consumer',
  defaultOp: 'touch',
  serverNeeds: { privileges: ['SELECT'], holdsFeatures: false, warmReads: false },
  options: { members: countOption('members', 3) },
  async plan(ctx, workers) {
    const many: number = ctx.options.members;
    return { assignments: Array.from({ length: workers }, () => many), description: 'touch' };
  },
  async workerInit(ctx): Promise<State> {
    return { sql: 'SELECT id FROM ' + q('member_' + ctx.data.flags[0]) + ' WHERE id = ?', ids: [ctx.assignment], next: 0 };
  },
  next: (state) => state.ids[state.next++ % state.ids.length] ?? null,
  execute(state, connection: WorkerConnection, id, done) {
    readRows(connection, state.sql, [id]).then(() => done(null, { rows: 1, committed: false }), done);
  },
  transactional: () => false,
});
`;

test('npm pack ships a package whose entry imports, type-checks and whose CLI starts, from a fresh directory', () => {
  const work = mkdtempSync(join(tmpdir(), 'innobench-pack-'));
  try {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' })) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = packed[0]!.files.map((f) => f.path);
    assert.ok(files.includes('dist/src/index.js') && files.includes('dist/src/index.d.ts'), 'the entry and its declarations are in the tarball');
    assert.ok(files.includes('dist/src/cli/main.js') && files.includes('examples/replace-member-images.sql'));
    assert.ok(!files.some((f) => f.startsWith('dist/test/') || f.endsWith('.test.js')), 'no tests in the tarball');

    const consumer = join(work, 'consumer');
    execFileSync('mkdir', ['-p', consumer]);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    execFileSync('npm', ['install', join(work, packed[0]!.filename), '--no-audit', '--no-fund'], { cwd: consumer, stdio: 'pipe' });

    const exported = execFileSync('node', ['--input-type=module', '-e', "const m = await import('innobench'); console.log(Object.keys(m).sort().join(' '))"], { cwd: consumer, encoding: 'utf8' }).trim().split(' ');
    for (const name of ['defineScenario', 'countOption', 'readRows', 'writeRow', 'queryRows', 'featureSlice', 'seededRandom', 'libraryTables', 'openLibrary']) assert.ok(exported.includes(name), `innobench exports ${name}`);

    writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [] }, include: ['*.ts'] }));
    writeFileSync(join(consumer, 'touch.ts'), CONSUMER_TS);
    const good = spawnSync('node', [tsc, '-p', '.'], { cwd: consumer, encoding: 'utf8' });
    assert.equal(good.status, 0, `a typed scenario compiles against the shipped declarations:\n${good.stdout}${good.stderr}`);
    // The declarations are really read: a wrong outcome is a type error.
    writeFileSync(join(consumer, 'touch.ts'), CONSUMER_TS.replace('{ rows: 1, committed: false }', "{ rows: 'one', committed: false }"));
    const bad = spawnSync('node', [tsc, '-p', '.'], { cwd: consumer, encoding: 'utf8' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stdout, /touch.ts\(\d+,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);

    const version = execFileSync('node', [join(consumer, 'node_modules', 'innobench', 'dist', 'src', 'cli', 'main.js'), '--version'], { cwd: consumer, encoding: 'utf8' }).trim();
    assert.equal(version, (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
