/**
 * The live page: one HTML document with uPlot inlined (nothing is fetched from elsewhere) that
 * follows the run through server-sent events from /events: `settings` once (the run's redacted
 * configuration), `interval` per interval record, `end` with the final summary. The charts draw
 * what the interval records hold; the closing table shows run.json's summary as it was written.
 */
import { chartLibrary } from '../../report/page.js';

const STYLES = `
body { font: 14px system-ui, sans-serif; margin: 1em 2em; color: #222; }
h1 { font-size: 1.3em; margin: 0 0 .3em; } h2 { font-size: 1.05em; margin: 1.2em 0 .3em; }
#state { font-weight: bold; } .running { color: #1f77b4; } .ended { color: #2ca02c; } .failed { color: #d62728; }
.now { display: flex; gap: 2em; flex-wrap: wrap; margin: .6em 0; } .now div { min-width: 8em; } .now b { display: block; font-size: 1.4em; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 1em; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 2px 8px; text-align: right; } td:first-child, th:first-child { text-align: left; }
pre { background: #f6f6f6; padding: .5em; max-height: 20em; overflow: auto; }
`;

/** The run now, its summary once it ends, the four charts and the settings. */
const MARKUP = `
<h1>innobench live · <span id="run">waiting for the run</span> · <span id="state" class="running">connecting</span></h1>
<div class="now">
  <div>interval<b id="now-seq">–</b></div><div>ops/s<b id="now-ops">–</b></div><div>Com_insert/s<b id="now-com">–</b></div>
  <div>p99 ms<b id="now-p99">–</b></div><div>operations so far<b id="now-total">–</b></div><div>errors so far<b id="now-errors">–</b></div>
</div>
<section id="final" hidden><h2>Summary (run.json)</h2><table><tbody id="final-table"></tbody></table>
<p id="report"></p></section>
<div class="charts"><div id="c-throughput"></div><div id="c-latency"></div><div id="c-errors"></div><div id="c-server"></div></div>
<h2>Settings (secrets removed)</h2><pre id="settings"></pre>
`;

/** Follows /events: each interval record extends the charts, `end` fills the summary table. */
const SCRIPT = `
'use strict';
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const CHARTS = {
  throughput: { title: 'Throughput (per second)', series: ['harness ops/s', 'server Com_insert/s'] },
  latency: { title: 'Latency per interval (ms)', series: ['p50', 'p95', 'p99'] },
  errors: { title: 'Errors, retries, deadlocks per interval', series: ['errors', 'retries', 'deadlocks', 'lock-wait timeouts'] },
  server: { title: 'Server counters (per second) and Threads_running', series: ['Innodb_data_fsyncs/s', 'Innodb_log_writes/s', 'Threads_running'], right: 'Threads_running' },
};
const data = {};
const plots = {};
for (const [id, chart] of Object.entries(CHARTS)) {
  data[id] = [[], ...chart.series.map(() => [])];
  const box = document.getElementById('c-' + id);
  plots[id] = new uPlot({
    title: chart.title, width: Math.min(720, box.clientWidth || 560), height: 260,
    scales: { x: { time: false } },
    axes: [{ label: 'elapsed s' }, {}, ...(chart.right ? [{ scale: 'right', side: 1, label: chart.right, grid: { show: false } }] : [])],
    series: [{ label: 's' }, ...chart.series.map((label, i) => ({ label, stroke: COLORS[i], width: 1.5, ...(label === chart.right ? { scale: 'right' } : {}) }))],
  }, data[id], box);
}
let totalOps = 0;
let totalErrors = 0;
const text = (id, value) => { document.getElementById(id).textContent = value; };
const fmt = (n) => (n >= 100 ? Math.round(n).toLocaleString('en') : String(Math.round(n * 100) / 100));
const perSec = (status, name) => (status && status.delta[name] !== undefined ? status.delta[name] / status.seconds : null);
function push(id, x, values) {
  data[id][0].push(x);
  values.forEach((v, i) => data[id][i + 1].push(v));
  plots[id].setData(data[id]);
}
function onInterval(s) {
  const a = s.all;
  totalOps += a.counts.ops;
  totalErrors += a.counts.errors;
  const com = perSec(s.status, 'Com_insert');
  push('throughput', s.elapsedSec, [a.opsPerSec, com]);
  push('latency', s.elapsedSec, [a.latencyMs.p50, a.latencyMs.p95, a.latencyMs.p99]);
  push('errors', s.elapsedSec, [a.counts.errors, a.counts.retries, a.counts.deadlocks, a.counts.lockWaitTimeouts]);
  push('server', s.elapsedSec, [perSec(s.status, 'Innodb_data_fsyncs'), perSec(s.status, 'Innodb_log_writes'), s.status ? s.status.gauges.Threads_running ?? null : null]);
  text('now-seq', s.seq);
  text('now-ops', fmt(a.opsPerSec));
  text('now-com', com === null ? '–' : fmt(com));
  text('now-p99', a.latencyMs.p99);
  text('now-total', totalOps.toLocaleString('en'));
  text('now-errors', totalErrors.toLocaleString('en'));
}
function onSettings(s) {
  text('run', s.runId + ' (' + s.scenario + ')');
  text('settings', JSON.stringify({ startedAt: s.startedAt, server: s.server, config: s.config }, null, 2));
  const state = document.getElementById('state');
  state.textContent = 'running';
}
function onEnd(e) {
  const state = document.getElementById('state');
  state.textContent = e.state;
  state.className = e.state === 'completed' ? 'ended' : e.state === 'failed' ? 'failed' : 'running';
  const s = e.summary || {};
  const lat = s.latencyMs || {};
  const rows = [['state', e.state], ['end reason', s.endReason], ['elapsed s', s.elapsedSec], ['operations', s.ops], ['ops/s', s.opsPerSec], ['rows', s.rows],
    ['errors', s.errors], ['retries', s.retries], ['deadlocks', s.deadlocks], ['exhausted', s.exhausted], ['dropped', s.dropped],
    ['p50 ms', lat.p50], ['p95 ms', lat.p95], ['p99 ms', lat.p99], ['max ms', lat.max], ['accounting', s.accounting ? s.accounting.note : '–']];
  if (e.error) rows.push(['error', e.error]);
  const body = document.getElementById('final-table');
  for (const [name, value] of rows) {
    const tr = body.insertRow();
    tr.id = 'final-' + name.replace(/[^a-z0-9]+/gi, '-');
    tr.insertCell().textContent = name;
    tr.insertCell().textContent = value === undefined ? '–' : String(value);
  }
  const report = document.getElementById('report');
  report.append('HTML report: ');
  const link = document.createElement('a');
  link.href = 'report';
  link.textContent = e.reportFile || 'report';
  report.append(link, ' (the link works while innobench runs; the file stays)');
  document.getElementById('final').hidden = false;
}
const events = new EventSource('events');
events.addEventListener('settings', (m) => onSettings(JSON.parse(m.data)));
events.addEventListener('interval', (m) => onInterval(JSON.parse(m.data)));
events.addEventListener('end', (m) => { events.close(); onEnd(JSON.parse(m.data)); });
events.onerror = () => { if (events.readyState === EventSource.CLOSED) text('state', 'disconnected'); };
`;

/** The page; `library` defaults to the installed uPlot (tests pass their own). */
export function livePage(library: { js: string; css: string } = chartLibrary()): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>innobench live</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style>${library.css}</style>
<style>${STYLES}</style></head><body>${MARKUP}<script>${library.js}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
