/**
 * Bad input, refused before anything connects (exit 2, every bad option named with its value, no
 * stack trace, nothing on stdout): every numeric option given a negative number, zero where zero
 * means nothing, a non-number and an absurd size; durations and sizes in their usual spellings
 * accepted; and hostile --flag / --database values (quotes, backticks, `; DROP`, unicode, control
 * characters, 10 kB) that must never reach SQL. test/cli-errors.test.ts has the first examples of
 * each; this is the full table. No server is needed: the commands point at port 1, so an option
 * that slipped through validation shows as exit 1 (connection refused) instead of 2.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeResult, runCli, stackTraceLines, type CliResult } from '../helpers.js';
import { parseDurationMs, parseSizeBytes } from '../../src/config/units.js';
import { MAX_FLAG_LENGTH } from '../../src/db/identifiers.js';
import { Validator, connectionFrom, librarySettings } from '../../src/cli/options.js';

/** Where the commands point unless a test overrides an option: nothing listens on port 1. */
const NOWHERE: Record<string, string> = { host: '127.0.0.1', port: '1', user: 'root', password: '' };
const RUN_DEFAULTS: Record<string, string> = { ...NOWHERE, results: '/nonexistent/innobench-results' };

/** `command --option=value …` with `options` over `defaults` (an option given twice would be an array). */
function argsOf(command: string[], defaults: Record<string, string>, options: Record<string, string> = {}): string[] {
  return [...command, ...Object.entries({ ...defaults, ...options }).map(([option, value]) => `--${option}=${value}`)];
}

/** The `--option "value": why` lines of an invalid-options answer, by option. */
function errorLines(result: CliResult): Map<string, string> {
  const lines = new Map<string, string>();
  for (const line of result.stderr.split('\n')) {
    const match = /^\s*(?:innobench: )?(--[a-z-]+)\b/.exec(line);
    if (match && !lines.has(match[1]!)) lines.set(match[1]!, line.trim());
  }
  return lines;
}

function assertRefused(result: CliResult): void {
  assert.equal(result.code, 2, describeResult(result));
  assert.equal(result.stdout, '', describeResult(result));
  assert.deepEqual(stackTraceLines(result.stderr), [], describeResult(result));
  assert.doesNotMatch(result.stderr, /\b(TypeError|RangeError|ReferenceError)\b|node:internal/, describeResult(result));
}

/** Runs `command` with every option set to its bad value at once; each must be named, with the value shown. */
async function assertEachNamed(command: string[], bad: Record<string, string>): Promise<CliResult> {
  const result = await runCli(argsOf(command, command[0] === 'run' ? RUN_DEFAULTS : NOWHERE, bad));
  assertRefused(result);
  const lines = errorLines(result);
  for (const [option, value] of Object.entries(bad)) {
    const line = lines.get(`--${option}`);
    assert.ok(line, `--${option}=${value} is not named:\n${result.stderr}`);
    assert.ok(line.includes(JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)), `--${option}: the value ${JSON.stringify(value)} is not shown: ${line}`);
  }
  return result;
}

const RUN = ['run', 'insert-features'];
const PREPARE = ['prepare', 'insert-features'];

describe('numeric options: negative, zero, non-numbers, absurd sizes (exit 2, each named)', () => {
  const runTable: Record<string, Record<string, string>> = {
    negative: {
      workers: '-3',
      threads: '-1',
      duration: '-5s',
      interval: '-1s',
      retries: '-1',
      'retry-backoff': '-2ms',
      rate: '-5/s',
      'deadlock-poll': '-100ms',
      'slow-log': '-1s',
      'status-capture': '-1s',
      seed: '-1',
      'feature-bytes': '-1',
      port: '-1',
    },
    'zero where it means nothing': {
      workers: '0',
      threads: '0',
      duration: '0',
      interval: '0s',
      'retry-backoff': '0',
      rate: '0/s',
      'deadlock-poll': '0ms',
      'status-capture': '0',
      'feature-bytes': '0',
      port: '0',
      shard: '0/2',
    },
    'not a number': {
      workers: 'abc',
      threads: '1.5',
      duration: 'soon',
      interval: '5x',
      retries: 'ten',
      'retry-backoff': '2 ms later',
      rate: 'fast',
      'deadlock-poll': 'often',
      'slow-log': 'slow',
      'status-capture': 'yes',
      seed: '0x10',
      'feature-bytes': '2KB!',
      port: '33o6',
      shard: 'a/b',
    },
    'number spellings that are not plain': {
      workers: '1e3',
      threads: 'Infinity',
      duration: 'NaN',
      retries: '+5',
      seed: '1_000',
      port: '3306.0',
    },
    'absurd sizes': {
      workers: '10001',
      threads: '257',
      duration: '8d',
      interval: '2h',
      retries: '1001',
      'retry-backoff': '2m',
      rate: '20000000/s',
      'deadlock-poll': '2m',
      'slow-log': '2h',
      'status-capture': '2h',
      seed: '2147483648',
      'feature-bytes': '48M',
      port: '65536',
      shard: '1/1001',
    },
    'huge numbers': {
      workers: '99999999999999999999999',
      duration: '99999999999999999999h',
      'feature-bytes': '1G',
      seed: '1'.repeat(400),
    },
  };
  for (const [kind, bad] of Object.entries(runTable)) {
    test(`run: ${kind}`, async () => {
      await assertEachNamed(RUN, bad);
    });
  }

  const prepareTable: Record<string, Record<string, string>> = {
    negative: { groups: '-1', members: '-10', images: '-1', versions: '-1', 'load-connections': '-4' },
    zero: { groups: '0', members: '0', images: '0', versions: '0', 'load-connections': '0' },
    'not a number': { groups: 'many', members: '1.5', images: '10x', versions: 'v1', 'load-connections': 'four' },
    'absurd sizes': { groups: '16777216', members: '10000001', images: '10001', versions: '65536', 'load-connections': '65' },
  };
  for (const [kind, bad] of Object.entries(prepareTable)) {
    test(`prepare: ${kind}`, async () => {
      await assertEachNamed(PREPARE, bad);
    });
  }

  test('prepare: a version listed twice, and more images than INT UNSIGNED ids', async () => {
    const twice = await runCli(argsOf(PREPARE, NOWHERE, { versions: '1,2,1' }));
    assertRefused(twice);
    assert.match(twice.stderr, /--versions "1,2,1": a version is listed twice/);
    const tooMany = await runCli(argsOf(PREPARE, NOWHERE, { groups: '16000000', members: '1000', images: '1000' }));
    assertRefused(tooMany);
    assert.match(tooMany.stderr, /--groups × --members × --images exceeds the 2\^32 image ids/);
  });

  test('run: scenario options (--batch, --model-version) refuse zero, negatives and fractions', async () => {
    for (const [option, value] of <Array<[string, string]>>[
      ['batch', '0'],
      ['batch', '-1'],
      ['batch', '1.5'],
      ['batch', '1000001'],
      ['model-version', '0'],
    ]) {
      const result = await runCli(argsOf(RUN, RUN_DEFAULTS, { [option]: value }));
      assertRefused(result);
      assert.match(result.stderr, new RegExp(`--${option} "`), `--${option}=${value}`);
    }
  });

  test(
    'run: scenario options show the value typed and refuse number spellings (abc, 1e3, 0x10)',
    async () => {
      const result = await runCli(argsOf(RUN, RUN_DEFAULTS, { batch: 'abc', 'model-version': '1e3', 'groups-used': '0x10' }));
      assertRefused(result);
      const lines = errorLines(result);
      assert.match(lines.get('--batch') ?? '', /"abc"/, result.stderr);
      assert.ok(lines.has('--model-version'), `--model-version=1e3 accepted:\n${result.stderr}`);
      assert.ok(lines.has('--groups-used'), `--groups-used=0x10 accepted:\n${result.stderr}`);
    },
  );

  test(
    'run: durations too short to mean anything are refused with the others (exit 2)',
    async () => {
      await assertEachNamed(RUN, { interval: '0.001ms', duration: '0.5ms', 'deadlock-poll': '0.01ms', 'status-capture': '0.1ms' });
    },
  );

  test('every error at once: one line per option, no more', async () => {
    const bad = runTable['absurd sizes']!;
    const result = await runCli(argsOf(RUN, RUN_DEFAULTS, bad));
    assertRefused(result);
    const said = result.stderr.split('\n').filter((line) => line.trim());
    // "invalid options:", one line per option, the --help hint.
    assert.equal(said.length, Object.keys(bad).length + 2, result.stderr);
  });
});

describe('durations and sizes in their usual spellings', () => {
  test('the parsers: 30s, 5m, 250ms, 1h, 48M, 1G, 64K', () => {
    assert.deepEqual(parseDurationMs('d', '30s'), { ok: true, value: 30_000 });
    assert.deepEqual(parseDurationMs('d', '5m'), { ok: true, value: 300_000 });
    assert.deepEqual(parseDurationMs('d', '250ms'), { ok: true, value: 250 });
    assert.deepEqual(parseDurationMs('d', '1h'), { ok: true, value: 3_600_000 });
    assert.deepEqual(parseDurationMs('d', '90'), { ok: true, value: 90_000 }, 'a bare number is seconds');
    assert.deepEqual(parseSizeBytes('s', '48M'), { ok: true, value: 48 * 1024 ** 2 });
    assert.deepEqual(parseSizeBytes('s', '1G'), { ok: true, value: 1024 ** 3 });
    assert.deepEqual(parseSizeBytes('s', '64K'), { ok: true, value: 65_536 });
    assert.deepEqual(parseSizeBytes('s', '2000'), { ok: true, value: 2000 });
  });

  test('the CLI accepts them: validation passes and only the connection fails (exit 1)', async () => {
    const result = await runCli(
      argsOf(RUN, RUN_DEFAULTS, {
        duration: '5m',
        interval: '30s',
        'retry-backoff': '250ms',
        'deadlock-poll': '100ms',
        'status-capture': '1s',
        'slow-log': '0',
        rate: '120000/m',
        'feature-bytes': '2K',
        workers: '100',
        retries: '0',
        seed: '0',
        shard: '2/2',
      }),
    );
    assert.equal(result.code, 1, describeResult(result));
    assert.match(result.stderr, /connection refused/);
  });
});

describe('hostile --flag and --database values never reach SQL', () => {
  const hostile: Array<[string, string]> = [
    ['a single quote', "it's"],
    ['a double quote', 'say "hi"'],
    ['a backtick', 'a`b'],
    ['a closing backtick and DROP', 'x`; DROP DATABASE mysql; -- '],
    ['; DROP', 'x; DROP TABLE users'],
    ["'; DROP", "x'; DROP DATABASE mysql; --"],
    ['a comment', 'x/*'],
    ['a LIKE wildcard', 'ib_%'],
    ['a path', '../../etc/passwd'],
    ['a dot', 'db.table'],
    ['a space', 'my db'],
    ['unicode letters', 'données'],
    ['CJK', '数据库'],
    ['an emoji', 'db🔥'],
    ['a right-to-left override', 'abc\u202Edcb'],
    ['a zero-width space', 'ab\u200Bc'],
    ['a newline (log injection)', 'x\ninnobench: everything is fine'],
    ['a tab', 'x\ty'],
    ['an escape sequence', 'x\u001b[31mred'],
    ['empty', ''],
    ['10 kB', 'a'.repeat(10_240)],
  ];

  /** The validation the CLI runs (same functions, in process): the error line for each option. */
  function validationErrors(flag: string, database: string): string[] {
    const v = new Validator();
    connectionFrom({ ...NOWHERE, database }, v);
    librarySettings({ flag, seed: '1', 'feature-bytes': '2000' }, v);
    return v.errors;
  }

  test('each hostile value is refused, named, in one bounded line with control characters escaped', () => {
    for (const [what, value] of hostile) {
      const errors = validationErrors(value, value);
      assert.equal(errors.length, 2, `${what}: ${JSON.stringify(errors)}`);
      for (const [index, option] of ['--database', '--flag'].entries()) {
        const line = errors[index]!;
        assert.ok(line.startsWith(`${option}: `), `${what}: ${line}`);
        assert.ok(line.length < 300, `${what}: the line is ${line.length} characters`);
        // JSON quoting escapes control characters: the value cannot forge a line or a colour.
        assert.ok(!/[\n\r\t\u001b]/.test(line), `${what}: a raw control character in ${JSON.stringify(line)}`);
        assert.ok(!line.includes('a'.repeat(100)), `${what}: the 10 kB value is echoed whole`);
      }
    }
  });

  test(
    'invisible and bidirectional characters are escaped in messages too',
    () => {
      for (const value of ['abc\u202Edcb', 'ab\u200Bc']) {
        for (const line of validationErrors(value, value)) assert.ok(!/[\u200B-\u200F\u202A-\u202E\u2066-\u2069]/.test(line), JSON.stringify(line));
      }
    },
  );

  test('the CLI refuses them before connecting (exit 2), both options named in one answer', async () => {
    for (const [what, value] of hostile.filter(([what]) => /DROP|newline|10 kB|emoji|empty/.test(what))) {
      const result = await runCli(argsOf(RUN, RUN_DEFAULTS, { flag: value, database: value }));
      assertRefused(result);
      const lines = errorLines(result);
      assert.ok(lines.has('--flag') && lines.has('--database'), `${what}: ${result.stderr}`);
      assert.equal(result.stderr.split('\n').filter((line) => line.startsWith('innobench:')).length, 1, `${what}: ${result.stderr}`);
      assert.ok(!result.stderr.includes('a'.repeat(100)), `${what}: the 10 kB value is echoed`);
    }
  });

  test('other commands validate --database the same way (prepare, status, cleanup, explain)', async () => {
    for (const command of [['prepare', 'insert-features'], ['status'], ['cleanup', '--all', '--dry-run'], ['explain', 'insert-features']]) {
      const result = await runCli(argsOf(command, NOWHERE, { database: 'x`; DROP DATABASE mysql; --' }));
      assertRefused(result);
      assert.match(result.stderr, /--database/);
    }
  });

  test('--flag edge values that are valid pass validation', async () => {
    for (const flag of ['_', 'A', 'x'.repeat(MAX_FLAG_LENGTH), 'Customer_42']) assert.deepEqual(validationErrors(flag, 'ok_db'), [], flag);
    const result = await runCli(argsOf(RUN, RUN_DEFAULTS, { flag: 'x'.repeat(MAX_FLAG_LENGTH) }));
    assert.equal(result.code, 1, describeResult(result));
    assert.match(result.stderr, /connection refused/);
    assert.match(validationErrors('x'.repeat(MAX_FLAG_LENGTH + 1), 'ok_db')[0] ?? '', /--flag: the clientFlag is \d+ characters; at most \d+/);
  });
});
