import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Model, ModelKind, ModelLoadContext } from '../../src/core/model.js';
import { ModelRegistry, selectVersions } from '../../src/core/registry.js';
import type { Tensor } from '../../src/core/tensor.js';

/** A small model kind for exercising the registry: echoes its version, counts closes. */
class EchoKind implements ModelKind {
  readonly kind = 'echo';
  closed: string[] = [];
  built: string[] = [];
  failOn = new Set<string>();
  private closeWaiters = new Map<string, () => void>();
  /** Resolves when `name/version` is closed (already closed: at once). */
  whenClosed(id: string): Promise<void> {
    if (this.closed.includes(id)) return Promise.resolve();
    return new Promise((resolve) => this.closeWaiters.set(id, resolve));
  }
  async load(ctx: ModelLoadContext): Promise<Model> {
    if (this.failOn.has(ctx.version)) throw new Error(`cannot load ${ctx.version}`);
    const closed = this.closed;
    const waiters = this.closeWaiters;
    return {
      name: ctx.name,
      version: ctx.version,
      kind: this.kind,
      metadata: { name: ctx.name, version: ctx.version, kind: this.kind, platform: 'test', inputs: [], outputs: [], maxBatchSize: 1 },
      async infer(): Promise<Tensor[]> {
        return [];
      },
      async close() {
        const id = `${ctx.name}/${ctx.version}`;
        closed.push(id);
        waiters.get(id)?.();
      },
    };
  }
  async build(ctx: { name: string; modelDir: string }): Promise<void> {
    this.built.push(ctx.name);
    await mkdir(join(ctx.modelDir, '1'), { recursive: true });
  }
}

let root: string;
let kind: EchoKind;

async function addModel(name: string, versions: number[], config: object = {}) {
  await mkdir(join(root, name), { recursive: true });
  await writeFile(join(root, name, 'config.json'), JSON.stringify({ kind: 'echo', ...config }));
  for (const v of versions) await mkdir(join(root, name, String(v)), { recursive: true });
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rts-registry-'));
  kind = new EchoKind();
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('version policies', () => {
  it('selects latest N, specific and all', () => {
    expect(selectVersions(['1', '2', '3'], { latest: { numVersions: 1 } })).toEqual(['3']);
    expect(selectVersions(['1', '2', '3'], { latest: { numVersions: 2 } })).toEqual(['2', '3']);
    expect(selectVersions(['1', '2', '3'], { specific: { versions: [1, 3, 7] } })).toEqual(['1', '3']);
    expect(selectVersions(['1', '2'], { all: {} })).toEqual(['1', '2']);
  });
});

describe('ModelRegistry', () => {
  it('loads every model folder, serves the latest version by default and a named one on request', async () => {
    await addModel('a', [1, 2, 10], { versionPolicy: { all: {} } });
    await addModel('b', [3]);
    const reg = new ModelRegistry({ root, kinds: [kind] });
    const failures = await reg.loadAll();
    expect(failures.size).toBe(0);
    expect(reg.ready()).toBe(true);
    expect(reg.versions('a')).toEqual(['1', '2', '10']);
    expect(reg.acquire('a').model.version).toBe('10');
    expect(reg.acquire('a', '2').model.version).toBe('2');
    expect(reg.acquire('b').model.version).toBe('3');
  });

  it('throws 404s for unknown models and versions', async () => {
    await addModel('a', [1]);
    const reg = new ModelRegistry({ root, kinds: [kind] });
    await reg.loadAll();
    expect(() => reg.acquire('nope')).toThrowError(expect.objectContaining({ code: 'RTS_ERR_MODEL_NOT_FOUND', statusCode: 404 }));
    expect(() => reg.acquire('a', '9')).toThrowError(expect.objectContaining({ code: 'RTS_ERR_VERSION_NOT_FOUND', statusCode: 404 }));
  });

  it('reports a failing model and serves the others, or throws with failFast', async () => {
    await addModel('good', [1]);
    await addModel('bad', [1], { kind: 'missing-kind' });
    const reg = new ModelRegistry({ root, kinds: [kind] });
    const failures = await reg.loadAll();
    expect([...failures.keys()]).toEqual(['bad']);
    expect(failures.get('bad')!.message).toMatch(/unknown kind "missing-kind"/);
    expect(reg.state('bad')!.state).toBe('FAILED');
    expect(reg.ready()).toBe(true);
    const strict = new ModelRegistry({ root, kinds: [kind] });
    await expect(strict.loadAll({ failFast: true })).rejects.toMatchObject({ code: 'RTS_ERR_MODEL_LOAD_FAILED' });
  });

  it('names a bad config field', async () => {
    await addModel('a', [1], { batching: { maxBatchSize: 0 } });
    const reg = new ModelRegistry({ root, kinds: [kind] });
    const failures = await reg.loadAll();
    expect(failures.get('a')!.message).toMatch(/batching\.maxBatchSize/);
  });

  it('swaps in a new version on load and closes the old one only after its in-flight requests', async () => {
    await addModel('a', [1]);
    const reg = new ModelRegistry({ root, kinds: [kind] });
    await reg.loadAll();
    const lease = reg.acquire('a');
    await mkdir(join(root, 'a', '2'));
    await reg.load('a');
    expect(reg.acquire('a').model.version).toBe('2');
    // The old instance is retired but still held by a request: the reload has finished and
    // nothing is closed. Releasing the lease is what closes it.
    expect(kind.closed).toEqual([]);
    const closed = kind.whenClosed('a/1');
    lease.release();
    await closed;
    expect(kind.closed).toEqual(['a/1']);
  });

  it('keeps serving the old version when a reload fails', async () => {
    await addModel('a', [1]);
    const reg = new ModelRegistry({ root, kinds: [kind] });
    await reg.loadAll();
    await mkdir(join(root, 'a', '2'));
    kind.failOn.add('2');
    await expect(reg.load('a')).rejects.toMatchObject({ code: 'RTS_ERR_MODEL_LOAD_FAILED' });
    expect(reg.acquire('a').model.version).toBe('1');
    expect(reg.state('a')!.state).toBe('READY');
  });

  it('unloads: new requests are refused, in-flight ones finish first', async () => {
    await addModel('a', [1]);
    const reg = new ModelRegistry({ root, kinds: [kind] });
    await reg.loadAll();
    const lease = reg.acquire('a');
    const unloading = reg.unload('a');
    expect(() => reg.acquire('a')).toThrowError(expect.objectContaining({ code: 'RTS_ERR_MODEL_NOT_READY', statusCode: 503 }));
    lease.release();
    await unloading;
    expect(kind.closed).toEqual(['a/1']);
    const index = await reg.index();
    expect(index).toEqual([{ name: 'a', version: '', state: 'UNAVAILABLE', reason: 'unloaded' }]);
  });

  it('builds a model that has no version when asked to', async () => {
    await addModel('fresh', []);
    const reg = new ModelRegistry({ root, kinds: [kind], buildMissing: true });
    await reg.loadAll();
    expect(kind.built).toEqual(['fresh']);
    expect(reg.acquire('fresh').model.version).toBe('1');
    // Without buildMissing, a model with no version is not built: it fails to load.
    await addModel('fresh2', []);
    const noBuild = new ModelRegistry({ root, kinds: [kind], only: ['fresh2'] });
    await noBuild.loadAll();
    expect(kind.built).toEqual(['fresh']);
    expect(noBuild.state('fresh2')!.state).toBe('FAILED');
  });

  it('loads only the models asked for and rejects a missing one', async () => {
    await addModel('a', [1]);
    await addModel('b', [1]);
    const reg = new ModelRegistry({ root, kinds: [kind], only: ['b'] });
    await reg.loadAll();
    expect(reg.names()).toEqual(['b']);
    const wrong = new ModelRegistry({ root, kinds: [kind], only: ['zzz'] });
    await expect(wrong.loadAll()).rejects.toMatchObject({ code: 'RTS_ERR_CONFIG' });
  });
});
