/**
 * The page around the report's sections: its styles, uPlot inlined (read from node_modules when
 * the report is written, so nothing is fetched when it is opened), the chart data as JSON and the
 * script that draws each chart from it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ChartSpec } from './charts.js';
import { escapeHtml, scriptJson } from './markup.js';

const require = createRequire(import.meta.url);

/** uPlot's minified script and stylesheet, read from the installed package. */
export function chartLibrary(): { js: string; css: string } {
  return {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
}

const STYLES = `
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 20px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 17px; border-bottom: 1px solid #ccc; padding-bottom: 3px; } h3 { font-size: 14px; }
table { border-collapse: collapse; margin: 6px 0 14px; font-size: 12.5px; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
tr.differs td { background: #fff6d8; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 14px; }
figure.chart { margin: 0; border: 1px solid #e2e2e2; padding: 6px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
.plot { min-height: 300px; }
.plot.empty { min-height: 0; color: #a40; }
.svgs { display: flex; flex-wrap: wrap; gap: 20px; }
.warn { color: #a40; }
.note { color: #555; font-size: 12.5px; }
footer { color: #666; font-size: 12px; margin-top: 24px; }
`;

/** Draws every chart of the #chart-data JSON into its figure. */
const CHART_SCRIPT = `
(function () {
  var charts = JSON.parse(document.getElementById('chart-data').textContent);
  function percentLabel(v) {
    var p = 100 * (1 - 1 / v);
    return (p >= 99 ? p.toFixed(Math.min(6, Math.max(0, Math.round(Math.log10(v)) - 2))) : p.toFixed(0)) + '%';
  }
  charts.forEach(function (chart) {
    var box = document.querySelector('#chart-' + chart.id + ' .plot');
    if (chart.empty) { box.textContent = chart.empty; box.className += ' empty'; return; }
    var series = chart.series.filter(function (s) { return s.x.length > 0; });
    var data = uPlot.join(series.map(function (s) { return [s.x, s.y]; }));
    var hasRight = series.some(function (s) { return s.right; });
    var scales = { x: { time: false }, y: {} };
    if (chart.percentileX) scales.x.distr = 3;
    // Linear axes start at zero, so a 5 % wobble does not fill the chart.
    var fromZero = function (u, min, max) { return [0, max > 0 ? max * 1.05 : 1]; };
    if (chart.yLog) scales.y.distr = 3; else scales.y.range = fromZero;
    if (hasRight) scales.y2 = { range: fromZero };
    var xAxis = { label: chart.xLabel };
    if (chart.percentileX) xAxis.values = function (u, splits) { return splits.map(function (v) { var l = Math.log10(v); return Math.abs(l - Math.round(l)) < 1e-9 ? percentLabel(v) : ''; }); };
    var axes = [xAxis, { label: chart.yLabel, scale: 'y' }];
    if (hasRight) axes.push({ label: chart.y2Label, scale: 'y2', side: 1, grid: { show: false } });
    var xSeries = { label: chart.xLabel };
    if (chart.percentileX) xSeries.value = function (u, v) { return v == null ? '-' : percentLabel(v); };
    var opts = {
      width: Math.max(320, box.clientWidth || 520),
      height: 300,
      scales: scales,
      axes: axes,
      legend: { live: true },
      series: [xSeries].concat(series.map(function (s) {
        var line = { label: s.label, stroke: s.color, width: 1.5, scale: s.right ? 'y2' : 'y', spanGaps: true, points: { show: false } };
        if (s.dash) line.dash = [6, 4];
        return line;
      }))
    };
    new uPlot(opts, data, box);
  });
})();
`;

/** The whole document: `sections` are HTML already, `charts` the data CHART_SCRIPT draws. */
export function pageHtml(title: string, library: { js: string; css: string }, sections: readonly string[], charts: readonly ChartSpec[]): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${library.css}</style>
<style>${STYLES}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${sections.join('\n')}
<script>${library.js}</script>
<script type="application/json" id="chart-data">${scriptJson(charts)}</script>
<script>${CHART_SCRIPT}</script>
</body>
</html>
`;
}
