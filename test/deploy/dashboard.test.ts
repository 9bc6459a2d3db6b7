/**
 * The Grafana dashboard (deploy/k8s/components/monitoring/dashboards/rtscore.json):
 * it parses, every query names metrics rtscore really exposes (with the right
 * series for their type), and it shows what the operations guide promises:
 * request rate, latency percentiles, errors, queue depth, batch sizes and
 * per-pod CPU and memory.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { K8S_DIR } from './helpers/kustomize.js';
import { familyOf, PROCESS_METRICS, RTSCORE_METRICS, seriesIn } from './helpers/metrics.js';

interface Target {
  expr: string;
  refId: string;
  datasource?: { uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: Target[];
  gridPos: { h: number; w: number; x: number; y: number };
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string }[] };
}

const dashboard = JSON.parse(readFileSync(join(K8S_DIR, 'components/monitoring/dashboards/rtscore.json'), 'utf8')) as Dashboard;
const panels = dashboard.panels.filter((p) => p.type !== 'row');
const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
const catalogue = { ...RTSCORE_METRICS, ...PROCESS_METRICS };

/** The expressions of the panel whose title matches. */
function queriesOf(title: RegExp): string[] {
  const matching = panels.filter((p) => title.test(p.title));
  expect(matching.length, `a panel titled ${title}`).toBeGreaterThan(0);
  return matching.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

describe('Grafana dashboard', () => {
  it('is a dashboard with unique panel ids, each panel on the data source variable', () => {
    expect(dashboard.uid).toBe('rtscore-overview');
    expect(panels.length).toBeGreaterThanOrEqual(10);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's own variable syntax, compared literally.
      expect(p.datasource?.uid, p.title).toBe('${datasource}');
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
    }
  });

  it('queries only metrics rtscore exposes, histograms through _bucket/_sum/_count', () => {
    const unknown = exprs.flatMap(({ panel, expr }) =>
      seriesIn(expr)
        .filter((s) => !familyOf(s, catalogue))
        .map((s) => `${panel}: ${s}`),
    );
    expect(unknown).toEqual([]);
    const used = new Set(exprs.flatMap(({ expr }) => seriesIn(expr).map((s) => familyOf(s, catalogue))));
    // Every rtscore metric of the contract appears somewhere on the dashboard.
    expect([...Object.keys(RTSCORE_METRICS)].filter((m) => !used.has(m))).toEqual([]);
  });

  it('uses only template variables it defines, and its expressions are balanced', () => {
    const defined = new Set(dashboard.templating.list.map((v) => v.name));
    for (const { panel, expr } of exprs) {
      for (const [, name] of expr.matchAll(/\$(?!__)(\w+)/g)) expect(defined.has(name!), `${panel}: $${name}`).toBe(true);
      for (const [open, close] of ['()', '{}', '[]']) {
        let depth = 0;
        for (const ch of expr) {
          if (ch === open) depth++;
          if (ch === close) depth--;
          expect(depth, `${panel}: ${expr}`).toBeGreaterThanOrEqual(0);
        }
        expect(depth, `${panel}: ${expr}`).toBe(0);
      }
      // Counters and histogram series are only meaningful as rates.
      for (const s of seriesIn(expr)) {
        if (s.endsWith('_total') || /_(bucket|sum|count)$/.test(s)) {
          expect(expr, `${panel}: ${s} outside rate()/increase()`).toMatch(new RegExp(`(rate|increase)\\(${s}\\b`));
        }
      }
    }
  });

  it('shows request rate, latency percentiles, errors, queue depth, batch sizes and per-pod CPU and memory', () => {
    expect(queriesOf(/^Request rate/).join()).toMatch(/rate\(rtscore_http_requests_total/);
    const latency = queriesOf(/^Latency percentiles$/).join('\n');
    for (const q of ['0.5', '0.9', '0.99'])
      expect(latency).toContain(`histogram_quantile(${q}, sum by (le) (rate(rtscore_http_request_duration_seconds_bucket`);
    expect(queriesOf(/^Errors$/).join()).toMatch(/status=~"5\.\."/);
    expect(queriesOf(/^Queue depth/).join()).toMatch(/rtscore_queue_depth/);
    expect(queriesOf(/^Batch size/).join()).toMatch(/rtscore_batch_size_sum.*rtscore_batch_size_count/s);
    expect(queriesOf(/^CPU per pod$/).join()).toMatch(/sum by \(pod\) \(rate\(process_cpu_seconds_total/);
    expect(queriesOf(/^Memory per pod$/).join()).toMatch(/sum by \(pod\) \(process_resident_memory_bytes/);
  });
});
