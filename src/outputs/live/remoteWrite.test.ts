import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { uncompress } from 'snappyjs';
import { RemoteWriter } from './remoteWrite.js';
import type { Sample } from './latencyBuckets.js';

/** A receiver answering each POST with the next status of `statuses` (the last one repeats). */
async function receiver(statuses: number[]): Promise<{ url: string; bodies: Buffer[]; headers: Array<Record<string, unknown>>; server: Server }> {
  const bodies: Buffer[] = [];
  const headers: Array<Record<string, unknown>> = [];
  let request = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const status = statuses[Math.min(request++, statuses.length - 1)]!;
      if (status < 300) {
        bodies.push(Buffer.concat(chunks));
        headers.push({ ...req.headers });
      }
      res.writeHead(status).end(status < 300 ? '' : 'not now');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`, bodies, headers, server };
}

/** One counter the tests move, and the collect function that reads it. */
function oneCounter(): { inc(n: number): void; collect: () => Promise<Sample[]> } {
  let value = 0;
  return { inc: (n) => (value += n), collect: async () => [{ labels: { __name__: 'innobench_operations_total' }, value }] };
}

test('transient failures are retried: every push lands, in order, with no warning', async () => {
  const target = await receiver([503, 503, 204]);
  const counter = oneCounter();
  const lines: string[] = [];
  const writer = new RemoteWriter(target.url.replace('http://', 'http://me:p%40ss@'), counter.collect, (line) => lines.push(line), 5);
  try {
    counter.inc(3);
    writer.push();
    counter.inc(4);
    writer.push();
    await writer.flush(5000);
    assert.deepEqual(lines, []);
    assert.equal(writer.sent, 3);
    assert.equal(target.bodies.length, 3);
    // Each body is a snappy-compressed WriteRequest holding the counter's value at that push.
    const values = target.bodies.map((body) => new DataView(Uint8Array.from(uncompress(body)).buffer).getFloat64(uncompress(body).length - 8 - 7, true));
    assert.deepEqual(values, [3, 7, 7]);
    assert.equal(target.headers[0]!['content-encoding'], 'snappy');
    assert.equal(target.headers[0]!['authorization'], `Basic ${Buffer.from('me:p@ss').toString('base64')}`);
    assert.equal(writer.shownUrl, target.url);
  } finally {
    target.server.close();
  }
});

test('a receiver that refuses costs one warning; the end does not wait for retries', async () => {
  const target = await receiver([400]);
  const counter = oneCounter();
  const lines: string[] = [];
  const writer = new RemoteWriter(target.url, counter.collect, (line) => lines.push(line), 1000);
  try {
    for (let i = 0; i < 3; i++) writer.push();
    const started = Date.now();
    await writer.flush(5000);
    assert.ok(Date.now() - started < 2000, 'a 400 is not retried');
    assert.equal(writer.sent, 0);
    assert.equal(writer.dropped, 4);
    assert.equal(lines.filter((line) => line.includes('failed (HTTP 400: not now)')).length, 1, lines.join('\n'));
    assert.match(lines.at(-1)!, /0 of 4 pushes .* delivered; the last did not land/);
  } finally {
    target.server.close();
  }
});
