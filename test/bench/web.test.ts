import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRegistry } from '../../src/core/registry.js';
import { createServer } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';
import { createLogger } from '../../src/server/logging.js';

/** The demo page (web/) as the server serves it, with its Content-Security-Policy. */
let app: FastifyInstance;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(os.tmpdir(), 'rtscore-web-'));
  const config = loadConfig({ flags: { modelsDir: dir, buildMissing: false, logLevel: 'silent' } });
  const logger = createLogger({ level: 'silent', instanceId: 'test' });
  const registry = new ModelRegistry({ root: dir, kinds: [], logger });
  ({ app } = await createServer({ config, registry, logger }));
  await app.ready();
});

afterAll(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

describe('demo page', () => {
  it('serves index.html at / with the app script and stylesheet', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<script type="module" src="app.js"></script>');
    expect(res.body).toContain('<link rel="stylesheet" href="style.css">');
    // Both tabs, labelled controls.
    for (const id of ['faq-question', 'faq-model', 'faq-topk', 'image-file', 'image-model', 'image-topk', 'api-key']) {
      expect(res.body).toMatch(new RegExp(`<label for="${id}"`));
    }
  });

  it('has nothing the Content-Security-Policy would block: no inline scripts or handlers', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    const scripts = res.body.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toMatch(/\bsrc="[^":]+"/); // same-origin file, never inline
    expect(res.body).not.toMatch(/\son[a-z]+\s*=/i); // no onclick= etc.
    expect(res.body).not.toMatch(/(src|href)="(https?:)?\/\//); // no CDN
  });

  it('serves the script and the stylesheet with their content types', async () => {
    const js = await app.inject({ method: 'GET', url: '/app.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.body).toContain("api('v1/faq/match'");
    expect(js.body).toContain('v1/images/classify');
    const css = await app.inject({ method: 'GET', url: '/style.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });
});
