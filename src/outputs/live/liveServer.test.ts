import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { LiveServer, parseListen } from './liveServer.js';

test('--listen: [host:]port, 127.0.0.1 unless a host is given', () => {
  assert.deepEqual(parseListen('9464'), { ok: true, value: { host: '127.0.0.1', port: 9464 } });
  assert.deepEqual(parseListen('0.0.0.0:9464'), { ok: true, value: { host: '0.0.0.0', port: 9464 } });
  assert.deepEqual(parseListen('[::1]:0'), { ok: true, value: { host: '::1', port: 0 } });
  assert.deepEqual(parseListen('localhost:80'), { ok: true, value: { host: 'localhost', port: 80 } });
  for (const bad of ['', 'abc', '70000', 'host:', ':80:1', 'http://x:80']) assert.equal(parseListen(bad).ok, false, bad);
});

test('routes: page, metrics, run.json (404 before the run), events replayed to a late subscriber', async () => {
  const registry = new Registry();
  let run: string | null = null;
  let scrapes = 0;
  const server = await LiveServer.start({ host: '127.0.0.1', port: 0 }, { metrics: () => registry.metrics(), contentType: registry.contentType, page: () => '<p>page</p>', runFile: () => run, reportFile: () => null, onScrape: () => scrapes++ });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(await (await fetch(server.url)).text(), '<p>page</p>');
    assert.equal((await fetch(server.url + 'run.json')).status, 404);
    run = '{"runId":"r"}';
    assert.equal(await (await fetch(server.url + 'run.json')).text(), run);
    const metrics = await fetch(server.url + 'metrics');
    assert.equal(metrics.headers.get('content-type'), registry.contentType);
    assert.equal(scrapes, 1);
    assert.equal((await fetch(server.url + 'report')).status, 404);
    assert.equal((await fetch(server.url + 'nothing')).status, 404);
    assert.equal((await fetch(server.url, { method: 'POST' })).status, 405);
    server.send('settings', { runId: 'r' });
    server.send('interval', { seq: 1 });
    const events = await fetch(server.url + 'events');
    assert.equal(events.headers.get('content-type'), 'text/event-stream');
    const reader = events.body!.getReader();
    let text = '';
    server.send('end', { state: 'completed' });
    while (!text.includes('event: end')) text += new TextDecoder().decode((await reader.read()).value);
    assert.equal(text, 'event: settings\ndata: {"runId":"r"}\n\nevent: interval\ndata: {"seq":1}\n\nevent: end\ndata: {"state":"completed"}\n\n');
    await reader.cancel();
  } finally {
    await server.close();
  }
});
