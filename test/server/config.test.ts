import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema, loadConfig, OPTIONS, readKeyFile } from '../../src/server/config.js';

describe('loadConfig', () => {
  it('has documented defaults', () => {
    const c = loadConfig();
    expect(c.port).toBe(8080);
    expect(c.host).toBe('0.0.0.0');
    expect(c.modelsDir).toBe('models');
    expect(c.buildMissing).toBe(true);
    expect(c.apiKeys).toEqual([]);
    expect(c.shutdownGraceMs).toBe(25_000);
  });

  it('documents every option with an environment variable', () => {
    const keys = Object.keys(configSchema.shape).sort();
    expect(Object.keys(OPTIONS).sort()).toEqual(keys);
    for (const o of Object.values(OPTIONS)) expect(o.env).toMatch(/^RTSCORE_[A-Z_]+$/);
  });

  it('applies file < environment < flags', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rts-config-'));
    const file = join(dir, 'c.json');
    await writeFile(file, JSON.stringify({ port: 1000, logLevel: 'warn', maxTopK: 50 }));
    const c = loadConfig({ file, env: { RTSCORE_PORT: '2000', RTSCORE_API_KEYS: 'a, b,,c', RTSCORE_BUILD_MISSING: 'false' }, flags: { port: 3000 } });
    expect(c.port).toBe(3000);
    expect(c.logLevel).toBe('warn');
    expect(c.maxTopK).toBe(50);
    expect(c.apiKeys).toEqual(['a', 'b', 'c']);
    expect(c.buildMissing).toBe(false);
  });

  it('stops on a wrong value, naming the option and its variable', () => {
    expect(() => loadConfig({ env: { RTSCORE_PORT: 'eighty' } })).toThrow(/port \(RTSCORE_PORT\)/);
    expect(() => loadConfig({ env: { RTSCORE_LOG_LEVEL: 'loud' } })).toThrow(/logLevel \(RTSCORE_LOG_LEVEL\)/);
    expect(() => loadConfig({ flags: { workers: 0 } })).toThrow(/workers/);
    expect(() => loadConfig({ env: { RTSCORE_TLS_CERT: '/x.pem' } })).toThrow(/tlsKey/);
  });

  it('rejects unknown keys in a config file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rts-config-'));
    const file = join(dir, 'c.json');
    await writeFile(file, JSON.stringify({ prot: 80 }));
    expect(() => loadConfig({ file })).toThrow(/unknown option\(s\) prot/);
    await writeFile(file, '{not json');
    expect(() => loadConfig({ file })).toThrow(/config file/);
  });
});

describe('readKeyFile', () => {
  it('reads one key per line, skipping blanks and comments', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rts-keys-'));
    const file = join(dir, 'keys');
    await writeFile(file, '# operators\nkey-one\n\n  key-two  \r\n');
    expect(readKeyFile(file)).toEqual(['key-one', 'key-two']);
  });

  it('refuses a key file that holds no key (it would turn authentication or the admin guard off)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rts-keys-'));
    const file = join(dir, 'keys');
    await writeFile(file, '# no keys yet\n\n');
    expect(() => readKeyFile(file)).toThrow(/holds no key/);
    expect(() => readKeyFile(join(dir, 'missing'))).toThrow(/API key file/);
  });
});
