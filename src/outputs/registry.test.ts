import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OUTPUTS, parseOutputSpec } from './registry.js';

test('name=target for every registered output', () => {
  for (const name of Object.keys(OUTPUTS)) {
    const target = OUTPUTS[name]!.target === 'url' ? 'http://127.0.0.1:1/x' : 'out.file';
    assert.deepEqual(parseOutputSpec(`${name}=${target}`), { spec: { name, target } });
  }
});

test('refusals name the option and the value, never a URL password', () => {
  assert.match((parseOutputSpec('kafka=x') as { error: string }).error, /^--out "kafka=x": expected name=target with name one of json, csv, influxdb, prometheus-rw/);
  assert.match((parseOutputSpec('json') as { error: string }).error, /^--out "json": expected name=target/);
  const refused = (parseOutputSpec('influxdb=ftp://u:hunter2@h/db') as { error: string }).error;
  assert.match(refused, /influxdb needs an http\(s\) URL/);
  assert.ok(!refused.includes('hunter2'));
});
