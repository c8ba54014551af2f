import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDurationMs, parseInteger, parseSizeBytes, type Parsed } from './units.js';

function value<T>(parsed: Parsed<T>): T {
  assert.ok(parsed.ok, `expected a value, got error: ${parsed.ok ? '' : parsed.error}`);
  return parsed.value;
}

function error<T>(parsed: Parsed<T>): string {
  assert.ok(!parsed.ok, `expected an error, got value ${parsed.ok ? String(parsed.value) : ''}`);
  return parsed.error;
}

test('durations: units and bare numbers (seconds)', () => {
  const cases: Array<[unknown, number]> = [
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['250ms', 250],
    ['90', 90_000],
    [90, 90_000],
    ['1.5s', 1500],
    [' 2M ', 120_000], // case-insensitive, trimmed
    ['1H', 3_600_000],
    ['168h', 7 * 24 * 3_600_000], // the default maximum, inclusive
  ];
  for (const [input, expected] of cases) assert.equal(value(parseDurationMs('duration', input)), expected, `input ${JSON.stringify(input)}`);
});

test('durations: rejects nonsense, zero, negatives and absurd values, naming the option', () => {
  const cases: unknown[] = ['-1', -1, '0', 0, '0s', '0ms', 'abc', '5x', '', ' ', 's', '1e3', '1 s', '5s5', 'Infinity', 'NaN', '169h', '99999999999h', '1d', undefined, null];
  for (const input of cases) {
    const message = error(parseDurationMs('duration', input));
    assert.match(message, /^--duration /, `input ${JSON.stringify(input)}: ${message}`);
  }
  assert.match(error(parseDurationMs('duration', 'abc')), /expected a duration/);
  assert.match(error(parseDurationMs('duration', '0')), /greater than zero/);
  assert.match(error(parseDurationMs('duration', '169h')), /at most/);
});

test('durations: a custom maximum applies and is named in the message', () => {
  assert.equal(value(parseDurationMs('interval', '1h', 3_600_000)), 3_600_000);
  const message = error(parseDurationMs('interval', '61m', 3_600_000));
  assert.match(message, /^--interval "61m": must be at most 3600s$/);
});

test('durations: a long hostile input is shortened in the message', () => {
  const message = error(parseDurationMs('duration', 'x'.repeat(10_000)));
  assert.ok(message.length < 200, `message is ${message.length} characters`);
  assert.match(message, /^--duration /);
});

test('sizes: bytes and binary units', () => {
  const cases: Array<[unknown, number]> = [
    ['2000', 2000],
    [2000, 2000],
    ['64K', 64 * 1024],
    ['64k', 64 * 1024],
    ['48M', 48 * 1024 * 1024],
    ['1G', 1024 ** 3],
    ['1g', 1024 ** 3],
    ['64KB', 64 * 1024],
    ['1.5K', 1536],
  ];
  for (const [input, expected] of cases) assert.equal(value(parseSizeBytes('feature-bytes', input)), expected, `input ${JSON.stringify(input)}`);
});

test('sizes: rejects nonsense and out-of-range values, naming the option', () => {
  const cases: unknown[] = ['-1', '0', 'abc', '5x', '', '1P', '12 M', 'M', '1e3', '0.0001'];
  for (const input of cases) {
    const message = error(parseSizeBytes('feature-bytes', input));
    assert.match(message, /^--feature-bytes /, `input ${JSON.stringify(input)}: ${message}`);
  }
  assert.match(error(parseSizeBytes('feature-bytes', '64K', 1, 65535)), /^--feature-bytes "64K": must be at most 65535$/);
  assert.match(error(parseSizeBytes('feature-bytes', '10', 100)), /must be at least 100/);
  assert.equal(value(parseSizeBytes('feature-bytes', '65535', 1, 65535)), 65535);
});

test('integers: within bounds, inclusive', () => {
  assert.equal(value(parseInteger('workers', '1', 1, 10)), 1);
  assert.equal(value(parseInteger('workers', '10', 1, 10)), 10);
  assert.equal(value(parseInteger('workers', 7, 1, 10)), 7);
  assert.equal(value(parseInteger('workers', ' 5 ', 1, 10)), 5);
  assert.equal(value(parseInteger('seed', '-5', -10, 10)), -5);
  assert.equal(value(parseInteger('seed', '0', 0, 10)), 0);
});

test('integers: rejects out of bounds, fractions and nonsense, naming the option', () => {
  const cases: Array<[unknown, RegExp]> = [
    ['0', /must be between 1 and 10/],
    ['11', /must be between 1 and 10/],
    ['-3', /must be between 1 and 10/],
    ['1.5', /expected a whole number/],
    ['abc', /expected a whole number/],
    ['', /expected a whole number/],
    ['1e2', /expected a whole number/],
    ['0x10', /expected a whole number/],
    ['5x', /expected a whole number/],
    ['99999999999999999999999', /must be between/],
    [undefined, /expected a whole number/],
  ];
  for (const [input, why] of cases) {
    const message = error(parseInteger('workers', input, 1, 10));
    assert.match(message, /^--workers /, `input ${JSON.stringify(input)}: ${message}`);
    assert.match(message, why, `input ${JSON.stringify(input)}: ${message}`);
  }
});
