import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uncompress } from 'snappyjs';
import { encodeWriteRequest, remoteWriteBody } from './remoteWriteEncoding.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

test('one series: labels sorted by name, then a sample (double little-endian, varint ms timestamp)', () => {
  const bytes = encodeWriteRequest([{ labels: { b: 'c', __name__: 'a' }, samples: [{ value: 1, timestampMs: 1000 }] }]);
  const label = (name: string, value: string): string => hex(Buffer.from([0x0a, name.length, ...Buffer.from(name), 0x12, value.length, ...Buffer.from(value)]));
  const nameLabel = label('__name__', 'a');
  const bLabel = label('b', 'c');
  const sample = '09' + '000000000000f03f' + '10' + 'e807';
  const series = `0a${(nameLabel.length / 2).toString(16).padStart(2, '0')}${nameLabel}0a06${bLabel}120c${sample}`;
  assert.equal(hex(bytes), `0a${(series.length / 2).toString(16)}${series}`);
});

test('timestamps beyond 32 bits and lengths beyond 127 bytes are varints of several bytes', () => {
  const long = 'x'.repeat(200);
  const bytes = encodeWriteRequest([{ labels: { __name__: long }, samples: [{ value: -2.5, timestampMs: 1_796_040_000_250 }] }]);
  // WriteRequest.timeseries: key, then a two-byte length (the body is over 127 bytes).
  assert.equal(bytes[0], 0x0a);
  assert.ok(bytes[1]! & 0x80);
  const tail = hex(bytes.subarray(bytes.length - 16));
  // Sample: -2.5 as a double, then 1796040000250 as a 6-byte varint.
  const ts = 1_796_040_000_250;
  const varint: number[] = [];
  for (let rest = ts; ; rest = Math.floor(rest / 128)) {
    if (rest < 128) {
      varint.push(rest);
      break;
    }
    varint.push((rest % 128) | 0x80);
  }
  assert.equal(varint.length, 6);
  assert.equal(tail, '09' + '00000000000004c0' + '10' + hex(Uint8Array.from(varint)));
});

test('the body is the WriteRequest snappy-compressed in block format', () => {
  const series = Array.from({ length: 50 }, (_, i) => ({ labels: { __name__: 'innobench_operations_total', op: 'insert', run_id: `r${i % 3}` }, samples: [{ value: i, timestampMs: 1_700_000_000_000 + i }] }));
  const body = remoteWriteBody(series);
  const raw = encodeWriteRequest(series);
  assert.ok(body.length < raw.length);
  assert.equal(hex(uncompress(body)), hex(raw));
});
