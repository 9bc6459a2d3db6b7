import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { REPORT_PAGE_SCRIPT } from './report-page.js';
import { type ReportData, reportData, type SpeedtestResult } from './result.js';
import { fmt } from './stats.js';

/**
 * The speed test's HTML report: one self-contained file (uPlot's script and
 * styles and the data inlined, nothing fetched), so it can be mailed, kept as
 * a CI artefact or opened offline. Tables are plain HTML; charts are drawn by
 * uPlot from the JSON embedded in `#report-data`.
 */
const require = createRequire(import.meta.url);

function uplotAsset(file: string): string {
  return readFileSync(require.resolve(`uplot/dist/${file}`), 'utf8');
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Text safe inside a <script> element: no `</script`, no `<!--`. */
const scriptSafe = (s: string): string => s.replace(/<(\/script|!--)/gi, '\\u003c$1');

/** JSON safe inside <script type="application/json">: `<` escaped, still valid JSON. */
const jsonForScript = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

function summaryTable(data: ReportData): string {
  const head = ['run', 'clients', 'requests', 'ok', 'failed', 'req/s', 'avg ms (wall/n)', 'mean ms', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'];
  const rows = data.summaries.map((s) => [
    s.label,
    String(s.concurrency),
    String(s.requests),
    String(s.ok),
    String(s.failed),
    fmt(s.requestsPerSecond),
    fmt(s.averageMs),
    fmt(s.latency.mean),
    fmt(s.latency.p50),
    fmt(s.latency.p90),
    fmt(s.latency.p99),
    fmt(s.latency.max),
  ]);
  return table('summary', head, rows);
}

function errorTable(data: ReportData): string {
  if (data.errors.length === 0) return '<p class="ok">No request failed: every answer had a success status and a well-formed body.</p>';
  const total = data.summaries.reduce((n, s) => n + s.requests, 0);
  return table(
    'errors',
    ['cause', 'requests', 'share', 'first example'],
    data.errors.map((e) => [e.category, String(e.count), `${fmt((100 * e.count) / total)} %`, e.example]),
  );
}

function table(id: string, head: string[], rows: string[][]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<div class="scroll"><table id="${id}"><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table></div>`;
}

const STYLE = `
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1180px; padding: 1rem; color: #1f2328; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; } h2 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; }
.meta { color: #59636e; margin: 0; } dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: .75rem 0; }
dt { color: #59636e; } dd { margin: 0; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; } table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid #d1d9e0; text-align: right; white-space: nowrap; }
th:first-child, td:first-child, #errors td:last-child { text-align: left; } #errors td:last-child { white-space: normal; overflow-wrap: anywhere; }
.chart { min-height: 300px; width: 100%; } .ok { color: #1a7f37; } footer { margin-top: 2rem; color: #59636e; font-size: .85rem; }
`;

export function renderReport(result: SpeedtestResult, options: { samplesFile?: string } = {}): string {
  const data = reportData(result);
  const settings = Object.entries(data.settings)
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(String(v))}</dd>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.title)}</title>
<style>${scriptSafe(uplotAsset('uPlot.min.css'))}</style>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(data.title)}</h1>
<p class="meta">${escapeHtml(data.startedAt)} · ${escapeHtml(data.tool)}</p>
<dl><dt>target</dt><dd>${escapeHtml(data.target)}</dd>${data.model ? `<dt>model</dt><dd>${escapeHtml(data.model)}</dd>` : ''}${settings}</dl>
</header>
<main>
<h2>Summary</h2>
${summaryTable(data)}
<p class="meta">req/s: successful requests per second of wall time; avg ms (wall/n): the reference's "average time"; latencies are those of successful requests, measured by the client from sending to reading the whole answer.</p>
<h2>Latency percentiles</h2>
<div class="chart" id="chart-percentiles"></div>
<h2>Latency over time</h2>
<div class="chart" id="chart-over-time"></div>
<h2>Throughput per concurrency</h2>
<div class="chart" id="chart-throughput"></div>
<h2>Errors</h2>
${errorTable(data)}
${data.errors.length ? '<div class="chart" id="chart-errors"></div>' : ''}
</main>
<footer>Charts drawn with uPlot (MIT), inlined.${options.samplesFile ? ` Raw per-request samples: ${escapeHtml(options.samplesFile)}.` : ''}</footer>
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${scriptSafe(uplotAsset('uPlot.iife.min.js'))}</script>
<script>${scriptSafe(REPORT_PAGE_SCRIPT)}</script>
</body>
</html>
`;
}
