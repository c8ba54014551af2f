import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { RUN_OPTIONS, Validator, runSettings } from './options.js';

/** The run options' defaults, as yargs would hand them over, with `extra` on top. */
function argv(extra: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(RUN_OPTIONS)) if (spec.default !== undefined) values[name] = spec.default;
  return { ...values, ...extra };
}

const saved = { ...process.env };
afterEach(() => {
  for (const name of ['JOB_COMPLETION_INDEX', 'MATRIX_INDEX']) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

test('--shard auto/N takes the 0-based index from JOB_COMPLETION_INDEX and meets at a rendezvous', () => {
  process.env.JOB_COMPLETION_INDEX = '2';
  const v = new Validator();
  const settings = runSettings(argv({ shard: 'auto/3' }), v);
  assert.deepEqual(v.errors, []);
  assert.deepEqual(settings.shard, { index: 2, of: 3 });
  assert.deepEqual(settings.rendezvous, { id: null, timeoutMs: 120_000 });
});

test('--shard-index-env names another variable; a missing or out-of-range index is refused', () => {
  process.env.MATRIX_INDEX = '0';
  const v = new Validator();
  assert.deepEqual(runSettings(argv({ shard: 'auto/2', 'shard-index-env': 'MATRIX_INDEX', rendezvous: 'nightly-42', 'rendezvous-timeout': '30s' }), v).rendezvous, { id: 'nightly-42', timeoutMs: 30_000 });
  assert.deepEqual(v.errors, []);
  delete process.env.JOB_COMPLETION_INDEX;
  const missing = new Validator();
  runSettings(argv({ shard: 'auto/2' }), missing);
  assert.deepEqual(missing.errors, ['--shard auto/2: $JOB_COMPLETION_INDEX is not set; expected a 0-based index below 2 (--shard-index-env names another variable)']);
  process.env.JOB_COMPLETION_INDEX = '2';
  const outside = new Validator();
  runSettings(argv({ shard: 'auto/2' }), outside);
  assert.match(outside.errors[0] ?? '', /\$JOB_COMPLETION_INDEX is "2"; expected a 0-based index below 2/);
});

test('--shard i/N alone has no rendezvous; --rendezvous without --shard is refused', () => {
  const v = new Validator();
  assert.equal(runSettings(argv({ shard: '1/2' }), v).rendezvous, undefined);
  const alone = new Validator();
  runSettings(argv({ rendezvous: 'x' }), alone);
  assert.deepEqual(alone.errors, ['--rendezvous goes with --shard i/N or auto/N']);
});

test('--interval: as given; without it, shortened for a short --duration and said so', () => {
  const v = new Validator();
  assert.deepEqual(pickInterval(runSettings(argv({ duration: '4s' }), v)), { intervalMs: 1000, intervalNote: 'interval 1 s (a tenth of the 4 s duration, at least 1 s; --interval sets it)' });
  assert.deepEqual(pickInterval(runSettings(argv({}), v)), { intervalMs: 5000 });
  assert.deepEqual(pickInterval(runSettings(argv({ duration: '4s', interval: '5s' }), v)), { intervalMs: 5000 });
  assert.deepEqual(v.errors, []);
});

function pickInterval(settings: ReturnType<typeof runSettings>): { intervalMs: number; intervalNote?: string } {
  return settings.intervalNote === undefined ? { intervalMs: settings.intervalMs } : { intervalMs: settings.intervalMs, intervalNote: settings.intervalNote };
}
