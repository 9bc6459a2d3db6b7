/**
 * The report page's script: draws the four charts with uPlot (inlined before
 * it) from the JSON in `#report-data`. Kept as plain browser JavaScript in a
 * string: it runs in the page, not in Node, and needs no build step. The data
 * it draws is computed and tested in result.ts; this only plots it.
 */
export const REPORT_PAGE_SCRIPT = `(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var palette = ['#1f6feb', '#d1242f', '#1a7f37', '#8250df', '#bc4c00', '#0a7ea4', '#bf3989', '#6e7781'];
  var charts = [];

  function size(el) {
    return { width: Math.max(280, el.clientWidth), height: 300 };
  }
  function draw(id, opts, aligned) {
    var el = document.getElementById(id);
    var s = size(el);
    opts.width = s.width;
    opts.height = s.height;
    charts.push({ plot: new uPlot(opts, aligned, el), el: el });
  }
  function percentLabel(nines) {
    var p = 100 * (1 - Math.pow(10, -nines));
    var digits = Math.max(0, Math.ceil(nines) - 2);
    return p.toFixed(digits) + '%';
  }
  // Ticks at p0, p50, p90, p99, p99.9, … as far as the data goes.
  function ninesSplits(u, axisIdx, min, max) {
    var out = [0, Math.log10(2)];
    for (var k = 1; k <= Math.floor(max + 1e-9); k++) out.push(k);
    return out.filter(function (v) { return v >= min - 1e-9 && v <= max + 1e-9; });
  }
  function ms(u, v) {
    return v == null ? '–' : v.toFixed(v < 10 ? 2 : 1) + ' ms';
  }

  // 1. Latency percentile curve, one line per run, on a "nines" axis.
  if (data.percentiles.some(function (c) { return c.nines.length > 0; })) {
    var curves = data.percentiles.filter(function (c) { return c.nines.length > 0; });
    draw('chart-percentiles', {
      title: 'Latency by percentile (successful requests)',
      scales: { x: { time: false } },
      axes: [
        { label: 'percentile', splits: ninesSplits, values: function (u, splits) { return splits.map(percentLabel); } },
        { label: 'latency (ms)', size: 60 },
      ],
      series: [{ label: 'percentile', value: function (u, v) { return v == null ? '–' : percentLabel(v); } }].concat(curves.map(function (c, i) {
        return { label: c.label, stroke: palette[i % palette.length], width: 2, spanGaps: true, points: { show: false }, value: ms };
      })),
    }, uPlot.join(curves.map(function (c) { return [c.nines, c.latency]; })));
  }

  // 2. Latency of every request over the test's time, one colour per run, failures apart.
  var times = data.overTime.filter(function (s) { return s.t.length > 0; });
  if (times.length) {
    draw('chart-over-time', {
      title: 'Latency over time (each point a request, by its send time)',
      scales: { x: { time: false } },
      axes: [{ label: 'seconds since the start' }, { label: 'latency (ms)', size: 60 }],
      series: [{ label: 's', value: function (u, v) { return v == null ? '–' : v.toFixed(2) + ' s'; } }].concat(times.map(function (s, i) {
        var colour = s.label === 'failed' ? '#d1242f' : palette[i % palette.length];
        return { label: s.label, stroke: colour, fill: colour, paths: function () { return null; }, points: { show: true, size: 4, stroke: colour, fill: colour }, value: ms };
      })),
    }, uPlot.join(times.map(function (s) { return [s.t, s.latency]; })));
  }

  // 3. Throughput per concurrency, one line per route.
  if (data.throughput.concurrency.length) {
    draw('chart-throughput', {
      title: 'Throughput per concurrency (successful requests/s)',
      scales: { x: { time: false, distr: data.throughput.concurrency.length > 1 ? 3 : 1, log: 2 } },
      axes: [
        { label: 'concurrent clients', values: function (u, splits) { return splits.map(function (v) { return data.throughput.concurrency.indexOf(v) >= 0 ? String(v) : ''; }); } },
        { label: 'requests/s', size: 60 },
      ],
      series: [{ label: 'clients' }].concat(data.throughput.series.map(function (s, i) {
        return { label: s.route, stroke: palette[i % palette.length], width: 2, points: { show: true, size: 8 }, value: function (u, v) { return v == null ? '–' : v.toFixed(1) + ' req/s'; } };
      })),
    }, [data.throughput.concurrency].concat(data.throughput.series.map(function (s) { return s.requestsPerSecond; })));
  }

  // 4. Failed requests per category.
  if (data.errors.length) {
    var names = data.errors.map(function (e) { return e.category; });
    draw('chart-errors', {
      title: 'Failed requests by cause',
      scales: { x: { time: false, range: [-0.5, names.length - 0.5] } },
      axes: [
        { label: 'cause', splits: function () { return names.map(function (n, i) { return i; }); }, values: function (u, splits) { return splits.map(function (v) { return names[v] || ''; }); } },
        { label: 'requests', size: 60 },
      ],
      series: [{ label: 'cause', value: function (u, v) { return v == null ? '–' : names[v]; } }, {
        label: 'failed', stroke: '#d1242f', fill: 'rgba(209, 36, 47, 0.35)', paths: uPlot.paths.bars({ size: [0.6, 80] }), points: { show: false },
      }],
    }, [names.map(function (n, i) { return i; }), data.errors.map(function (e) { return e.count; })]);
  }

  window.addEventListener('resize', function () {
    charts.forEach(function (c) { c.plot.setSize(size(c.el)); });
  });
  document.documentElement.setAttribute('data-charts', String(charts.length));
})();`;
