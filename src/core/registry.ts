import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type RtsError, rtsError, toRtsError } from './errors.js';
import { type Logger, silentLogger } from './logger.js';
import { defaultRuntimeSettings, type Model, type ModelKind, type RuntimeSettings } from './model.js';
import { type ModelConfig, modelConfigSchema, type VersionPolicy } from './model-config.js';
import { ModelStatistics } from './model-stats.js';
import { combineObservers, type ModelObserver, nullObserver } from './observer.js';
import { parseOrThrow } from './parse.js';

export type ModelState = 'LOADING' | 'READY' | 'UNAVAILABLE' | 'FAILED';

export interface ModelIndexEntry {
  name: string;
  version: string;
  state: ModelState;
  reason: string;
}

export interface RegistryEvents {
  /** A version finished loading (seconds include warm-up). */
  loaded?(name: string, version: string, seconds: number): void;
  /** A model or version failed to load. */
  loadFailed?(name: string, error: RtsError): void;
  /** A model stopped serving (unloaded; its in-flight requests may still be finishing). */
  unloaded?(name: string): void;
}

export interface ModelRegistryOptions {
  /** The model repository folder. */
  root: string;
  /** Model kinds by name (`faq-matcher`, `image-classifier`, …). */
  kinds: readonly ModelKind[];
  /** Only these models are loaded by `loadAll` (all when absent or empty). */
  only?: readonly string[];
  logger?: Logger;
  observer?: ModelObserver;
  events?: RegistryEvents;
  settings?: RuntimeSettings;
  /**
   * When a model's folder has no version yet, ask its kind to build one from
   * shipped data (`ModelKind.build`). Default false.
   */
  buildMissing?: boolean;
}

/** A model in use: call `release` when the request is done with it. */
export interface ModelLease {
  model: Model;
  release(): void;
}

interface Instance {
  model: Model;
  inFlight: number;
  retired: boolean;
  drained?: () => void;
}

interface Entry {
  name: string;
  /** Served instances by version string. */
  versions: Map<string, Instance>;
  state: ModelState;
  reason: string;
  /** The config.json the served versions were loaded with. */
  config?: ModelConfig;
  /** Serialises load/unload of one model. */
  op: Promise<unknown>;
}

const VERSION_DIR = /^[1-9][0-9]*$/;

/**
 * The model registry: a Triton-style model repository on disk
 * (`<root>/<name>/config.json` + numbered version folders), loaded into
 * memory according to each model's version policy.
 *
 * Loading a model again (new version, changed config) loads the new instances
 * first and swaps them in atomically; replaced instances stop taking requests
 * at once and are closed only when their in-flight requests are done, so a
 * reload or unload under traffic drops nothing.
 */
export class ModelRegistry {
  private readonly options: ModelRegistryOptions;
  private readonly kinds: Map<string, ModelKind>;
  private readonly logger: Logger;
  private readonly entries = new Map<string, Entry>();
  private readonly retiring = new Set<Promise<void>>();
  /** Cumulative inference statistics of every model version (the OIP statistics extension). */
  readonly statistics = new ModelStatistics();
  /** What models report to: the caller's observer (metrics) and the statistics. */
  private readonly observer: ModelObserver;

  constructor(options: ModelRegistryOptions) {
    this.options = options;
    this.kinds = new Map(options.kinds.map((k) => [k.kind, k]));
    this.logger = options.logger ?? silentLogger;
    this.observer = combineObservers(options.observer ?? nullObserver, this.statistics);
  }

  get root(): string {
    return this.options.root;
  }

  /** Model folders in the repository (those holding a config.json). */
  async discover(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.options.root);
    } catch (err) {
      throw rtsError('CONFIG', `model repository ${this.options.root} cannot be read: ${(err as Error).message}`);
    }
    const found: string[] = [];
    for (const name of names.sort()) {
      if (await isFile(join(this.options.root, name, 'config.json'))) found.push(name);
    }
    return found;
  }

  /**
   * Load every model of the repository (or those in `only`). Returns the
   * errors of models that failed; `failFast` throws the first one instead.
   */
  async loadAll(options: { failFast?: boolean } = {}): Promise<Map<string, RtsError>> {
    const only = this.options.only?.length ? new Set(this.options.only) : undefined;
    const names = (await this.discover()).filter((n) => !only || only.has(n));
    if (only) {
      for (const n of only) {
        if (!names.includes(n)) throw rtsError('CONFIG', `model "${n}" was asked for but ${this.options.root}/${n}/config.json does not exist`);
      }
    }
    const failures = new Map<string, RtsError>();
    for (const name of names) this.entry(name).state = 'LOADING';
    for (const name of names) {
      try {
        await this.load(name);
      } catch (err) {
        const e = toRtsError(err, 'MODEL_LOAD_FAILED');
        failures.set(name, e);
        if (options.failFast) throw e;
      }
    }
    return failures;
  }

  /** (Re)load a model by its config and version policy, swapping instances in without dropping requests. */
  load(name: string): Promise<void> {
    return this.serialise(name, () => this.doLoad(name));
  }

  /** Stop serving a model; its in-flight requests finish first. */
  unload(name: string): Promise<void> {
    const entry = this.entries.get(name);
    if (!entry) return Promise.reject(rtsError('MODEL_NOT_FOUND', `model "${name}" is not loaded`));
    // Stop taking requests at once; the closing waits for in-flight ones.
    const old = [...entry.versions.values()];
    entry.versions = new Map();
    entry.state = 'UNAVAILABLE';
    entry.reason = 'unloaded';
    this.options.events?.unloaded?.(name);
    return this.serialise(name, async () => {
      await Promise.all(old.map((i) => this.retire(name, i)));
      this.logger.info({ model: name }, 'model unloaded');
    });
  }

  /**
   * Take a model for one request. Without a version, the highest served
   * version. Throws MODEL_NOT_FOUND / VERSION_NOT_FOUND / MODEL_NOT_READY.
   */
  acquire(name: string, version?: string): ModelLease {
    const entry = this.entries.get(name);
    if (!entry) throw rtsError('MODEL_NOT_FOUND', `model "${name}" is not in the repository`, { details: { available: this.names() } });
    let instance: Instance | undefined;
    if (version === undefined || version === '') {
      instance = latest(entry.versions);
    } else {
      instance = entry.versions.get(version);
      if (!instance && entry.state === 'READY') {
        throw rtsError('VERSION_NOT_FOUND', `model "${name}" has no served version "${version}"`, {
          details: { versions: [...entry.versions.keys()] },
        });
      }
    }
    if (!instance) {
      throw rtsError('MODEL_NOT_READY', `model "${name}" is not ready (${entry.state.toLowerCase()}${entry.reason ? `: ${entry.reason}` : ''})`, {
        retryAfterSeconds: 5,
      });
    }
    const inst = instance;
    inst.inFlight++;
    let released = false;
    return {
      model: inst.model,
      release: () => {
        if (released) return;
        released = true;
        inst.inFlight--;
        if (inst.retired && inst.inFlight === 0) inst.drained?.();
      },
    };
  }

  /** Run `fn` with a leased model, releasing it afterwards. */
  async use<T>(name: string, version: string | undefined, fn: (model: Model) => T | Promise<T>): Promise<T> {
    const lease = this.acquire(name, version);
    try {
      return await fn(lease.model);
    } finally {
      lease.release();
    }
  }

  /**
   * `use` for an inference request: its outcome and duration go to the
   * statistics and the observer (`request`), and it counts as the model's
   * last inference.
   */
  async infer<T>(name: string, version: string | undefined, fn: (model: Model) => T | Promise<T>): Promise<T> {
    const lease = this.acquire(name, version);
    const started = performance.now();
    let ok = false;
    try {
      const result = await fn(lease.model);
      ok = true;
      return result;
    } finally {
      this.observer.request?.(lease.model.name, lease.model.version, ok, (performance.now() - started) / 1000);
      lease.release();
    }
  }

  /** The config.json a served model was loaded with. */
  config(name: string): ModelConfig | undefined {
    return this.entries.get(name)?.config;
  }

  /** Names of the models the registry knows (loaded or not). */
  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** Served versions of a model, ascending. */
  versions(name: string): string[] {
    const entry = this.entries.get(name);
    return entry ? [...entry.versions.keys()].sort((a, b) => Number(a) - Number(b)) : [];
  }

  /** Loaded models (latest version of each). */
  models(): Model[] {
    const out: Model[] = [];
    for (const entry of this.entries.values()) {
      const inst = latest(entry.versions);
      if (inst) out.push(inst.model);
    }
    return out;
  }

  state(name: string): { state: ModelState; reason: string } | undefined {
    const e = this.entries.get(name);
    return e ? { state: e.state, reason: e.reason } : undefined;
  }

  /**
   * Server readiness, as Triton defines it: every model the server has loaded
   * (or is loading) is ready, and at least one is. A model unloaded through the
   * repository API leaves that set (its own readiness turns false, the server's
   * stays true for the models it still serves); a model that failed to load
   * under `serve-others` does not hold the server back; with no model left the
   * server is not ready, since it would serve nothing. (deploy/README.md, "Readiness")
   */
  ready(): boolean {
    let readyCount = 0;
    for (const e of this.entries.values()) {
      if (e.state === 'READY') readyCount++;
      else if (e.state === 'LOADING') return false;
    }
    return readyCount > 0;
  }

  /** The repository index (OIP repository extension): one row per version. */
  async index(): Promise<ModelIndexEntry[]> {
    const rows: ModelIndexEntry[] = [];
    const names = new Set([...(await this.discover().catch(() => [] as string[])), ...this.entries.keys()]);
    for (const name of [...names].sort()) {
      const entry = this.entries.get(name);
      if (!entry || entry.versions.size === 0) {
        rows.push({ name, version: '', state: entry?.state ?? 'UNAVAILABLE', reason: entry?.reason ?? 'not loaded' });
        continue;
      }
      for (const version of this.versions(name)) rows.push({ name, version, state: 'READY', reason: '' });
    }
    return rows;
  }

  /** Unload everything (shutdown), waiting for in-flight requests. */
  async close(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((n) => (this.entries.get(n)!.versions.size ? this.unload(n) : undefined)));
    await Promise.all(this.retiring);
  }

  private track(p: Promise<void>): void {
    this.retiring.add(p);
    void p.finally(() => this.retiring.delete(p));
  }

  private entry(name: string): Entry {
    let e = this.entries.get(name);
    if (!e) {
      e = { name, versions: new Map(), state: 'UNAVAILABLE', reason: 'not loaded', op: Promise.resolve() };
      this.entries.set(name, e);
    }
    return e;
  }

  private serialise<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const entry = this.entry(name);
    const run = entry.op.then(fn, fn);
    entry.op = run.catch(() => undefined);
    return run;
  }

  private async doLoad(name: string): Promise<void> {
    const entry = this.entry(name);
    const modelDir = join(this.options.root, name);
    const hadServed = entry.versions.size > 0;
    if (!hadServed) {
      entry.state = 'LOADING';
      entry.reason = '';
    }
    try {
      const config = await readModelConfig(modelDir, name);
      const kind = this.kinds.get(config.kind);
      if (!kind) {
        throw rtsError('MODEL_LOAD_FAILED', `model "${name}": unknown kind "${config.kind}" (known: ${[...this.kinds.keys()].join(', ')})`);
      }
      let available = await listVersions(modelDir);
      if (available.length === 0 && this.options.buildMissing) {
        await this.buildModel(name, config, kind);
        available = await listVersions(modelDir);
      }
      const chosen = selectVersions(available, config.versionPolicy);
      if (chosen.length === 0) {
        throw rtsError('MODEL_LOAD_FAILED', `model "${name}": no version folder matches its version policy (found: ${available.join(', ') || 'none'})`);
      }
      const fresh = new Map<string, Instance>();
      try {
        for (const version of chosen) {
          const started = performance.now();
          const model = await kind.load({
            name,
            version,
            modelDir,
            versionDir: join(modelDir, version),
            config,
            logger: this.logger.child({ model: name, version }),
            observer: this.observer,
            settings: this.options.settings ?? defaultRuntimeSettings,
          });
          const seconds = (performance.now() - started) / 1000;
          this.options.events?.loaded?.(name, version, seconds);
          this.logger.info({ model: name, version, seconds: Number(seconds.toFixed(3)) }, 'model version loaded');
          fresh.set(version, { model, inFlight: 0, retired: false });
        }
      } catch (err) {
        await Promise.all([...fresh.values()].map((i) => i.model.close().catch(() => undefined)));
        throw err;
      }
      const old = [...entry.versions.values()];
      entry.versions = fresh;
      entry.config = config;
      entry.state = 'READY';
      entry.reason = '';
      // Replaced instances close in the background once their requests are done.
      for (const i of old) this.track(this.retire(name, i));
    } catch (err) {
      const e = toRtsError(err, 'MODEL_LOAD_FAILED');
      if (!hadServed) {
        entry.state = 'FAILED';
        entry.reason = e.message;
      }
      this.options.events?.loadFailed?.(name, e);
      this.logger.error({ model: name, code: e.code, err: e.message }, 'model failed to load');
      throw e;
    }
  }

  /**
   * Build the first version of every model (of `names`, default all) that has
   * none, where its kind knows how. Returns the names built.
   */
  async buildMissing(names?: readonly string[]): Promise<string[]> {
    const built: string[] = [];
    for (const name of names ?? (await this.discover())) {
      const modelDir = join(this.options.root, name);
      if ((await listVersions(modelDir)).length > 0) continue;
      const config = await readModelConfig(modelDir, name);
      const kind = this.kinds.get(config.kind);
      if (kind?.build) {
        await this.buildModel(name, config, kind);
        built.push(name);
      }
    }
    return built;
  }

  private async buildModel(name: string, config: ModelConfig, kind: ModelKind): Promise<void> {
    if (!kind.build) return;
    const started = performance.now();
    this.logger.info({ model: name }, 'model has no version yet: building it from shipped data');
    await kind.build({ name, modelDir: join(this.options.root, name), config, logger: this.logger.child({ model: name }) });
    this.logger.info({ model: name, seconds: Number(((performance.now() - started) / 1000).toFixed(1)) }, 'model built');
  }

  /** Stop an instance taking requests; close it once its in-flight requests are done. */
  private async retire(name: string, inst: Instance): Promise<void> {
    inst.retired = true;
    if (inst.inFlight > 0)
      await new Promise<void>((resolve) => {
        inst.drained = resolve;
      });
    try {
      await inst.model.close();
    } catch (err) {
      this.logger.warn({ model: name, version: inst.model.version, err: (err as Error).message }, 'error while closing a model');
    }
  }
}

export async function readModelConfig(modelDir: string, name: string): Promise<ModelConfig> {
  const file = join(modelDir, 'config.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw rtsError('MODEL_LOAD_FAILED', `model "${name}": ${file} is not readable JSON: ${(err as Error).message}`);
  }
  return parseOrThrow(
    modelConfigSchema,
    raw,
    'MODEL_LOAD_FAILED',
    `model "${name}": config.json`,
    (issue) => `field "${issue.path.map(String).join('.') || '(root)'}": ${issue.message}`,
  );
}

/** Numbered version folders of a model, ascending. */
export async function listVersions(modelDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(modelDir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    if (VERSION_DIR.test(n) && (await stat(join(modelDir, n))).isDirectory()) out.push(n);
  }
  return out.sort((a, b) => Number(a) - Number(b));
}

export function selectVersions(available: readonly string[], policy: VersionPolicy): string[] {
  if ('all' in policy) return [...available];
  if ('specific' in policy) {
    const wanted = new Set(policy.specific.versions.map(String));
    return available.filter((v) => wanted.has(v));
  }
  return available.slice(-policy.latest.numVersions);
}

function latest(versions: Map<string, Instance>): Instance | undefined {
  let best: Instance | undefined;
  let bestN = -1;
  for (const [v, inst] of versions) {
    if (Number(v) > bestN) {
      bestN = Number(v);
      best = inst;
    }
  }
  return best;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
