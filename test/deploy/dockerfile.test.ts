/**
 * The container images, checked by inspection (no image builder needed):
 * pinned bases, multi-stage with production dependencies only, non-root,
 * read-only-root friendly, a HEALTHCHECK, no secrets, and a build context
 * (.dockerignore) that holds what the Dockerfiles copy and nothing secret.
 *
 * With RTSCORE_TEST_IMAGE_BUILD=1 the CPU image is also built for real through
 * deploy/scripts/build-image.sh (a Docker engine, or buildah/podman without a
 * daemon); that needs the base image from its registry, so it is off by default.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { contextSources, inContext, parseDockerfile, type Stage } from './helpers/dockerfile.js';

/** What the images must set (bench/memory.ts measures the same setting). */
const CONTAINER_MALLOC_ENV = { MALLOC_MMAP_THRESHOLD_: '131072' } as const;

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const dockerignore = read('.dockerignore');

const IMAGES = [
  { file: 'deploy/docker/Dockerfile', runtimeBase: /^node:24\.\d+\.\d+-bookworm-slim$/ },
  { file: 'deploy/docker/Dockerfile.gpu', runtimeBase: /^nvidia\/cuda:12\.\d+\.\d+-cudnn-runtime-ubuntu\d+\.\d+$/ },
];

const runs = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
const env = (stage: Stage) =>
  stage.instructions
    .filter((i) => i.keyword === 'ENV')
    .map((i) => i.args)
    .join(' ');

describe.each(IMAGES)('$file', ({ file, runtimeBase }) => {
  const { stages } = parseDockerfile(read(file));
  const build = stages.find((s) => s.name === 'build')!;
  const runtime = stages.at(-1)!;

  it('is multi-stage on pinned base images (no :latest, no untagged)', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    for (const s of stages) {
      expect(s.from, s.name).toMatch(/^[\w./-]+:\d+\.\d+\.\d+[\w.-]*(@sha256:[0-9a-f]{64})?$/);
      expect(s.from).not.toMatch(/:latest\b/);
    }
    // Node 24, the current LTS (Node 20 reached end of life on 2026-04-30).
    expect(build.from).toMatch(/^node:24\.\d+\.\d+-bookworm-slim$/);
    expect(runtime.from).toMatch(runtimeBase);
  });

  it('installs from the lockfile, builds, and keeps production dependencies only', () => {
    const commands = runs(build).join('\n');
    expect(commands).toMatch(/^npm ci$/m);
    expect(commands).toContain('npm run build');
    expect(commands).toContain('npm prune --omit=dev');
    // Copying package*.json before the sources keeps the dependency layer cached.
    const copies = build.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    expect(copies[0]).toBe('package.json package-lock.json ./');
    // The runtime stage takes node_modules from the pruned build stage, never from the context.
    expect(runtime.instructions).toContainEqual({ keyword: 'COPY', args: '--from=build /app/node_modules ./node_modules' });
    expect(contextSources([runtime])).not.toContain('node_modules');
  });

  it("bakes the context's model repository, versions included, building only what is missing; a build argument mounts them instead", () => {
    expect(build.instructions).toContainEqual({ keyword: 'ARG', args: 'BAKE_MODELS=true' });
    // models/ is copied from the context before the models are built, and
    // build-models builds a version only for a model that has none (a trained
    // version in ./models is what the image serves).
    const copyModels = build.instructions.findIndex((i) => i.keyword === 'COPY' && i.args === 'models ./models');
    const buildModels = build.instructions.findIndex((i) => i.keyword === 'RUN' && i.args.includes('node dist/src/cli/main.js build-models'));
    expect(copyModels).toBeGreaterThanOrEqual(0);
    expect(buildModels).toBeGreaterThan(copyModels);
    expect(read('src/cli/commands/build.ts')).toMatch(/registry\.buildMissing\(/);
    const [bake, mount = ''] = build.instructions[buildModels]!.args.split(/\belse\b/);
    expect(bake).not.toMatch(/\brm\b/);
    // Without baking, the image holds no version at all (nothing stale behind a mount).
    expect(mount).toMatch(/find models .*-regex '\.\*\/\[0-9\]\+' -exec rm -rf/);
    expect(env(runtime)).toMatch(/RTSCORE_MODELS_DIR=\/app\/models/);
    expect(env(runtime)).toMatch(/RTSCORE_BUILD_MISSING=false/);
  });

  it('runs as a numeric non-root user, with HOME on /tmp (read-only root filesystem)', () => {
    const users = runtime.instructions.filter((i) => i.keyword === 'USER');
    expect(users).toHaveLength(1);
    const [uid, gid] = users[0]!.args.split(':').map(Number);
    expect(uid).toBeGreaterThanOrEqual(10000);
    expect(gid).toBeGreaterThanOrEqual(10000);
    // The manifests' runAsUser is the same UID.
    expect(read('deploy/k8s/base/deployment.yaml')).toContain(`runAsUser: ${uid}`);
    expect(env(runtime)).toMatch(/HOME=\/tmp/);
    // Nothing is chowned to the app user: code and models stay read-only to it.
    expect(runtime.instructions.some((i) => /--chown|chown /.test(i.args))).toBe(false);
  });

  it('has glibc hand freed big blocks back, the setting the memory benchmark measures', () => {
    expect(env(runtime)).toContain(`MALLOC_MMAP_THRESHOLD_=${CONTAINER_MALLOC_ENV.MALLOC_MMAP_THRESHOLD_}`);
  });

  it('has a HEALTHCHECK that uses node (no curl in the image) on /healthz, and an exec-form entrypoint', () => {
    const hc = runtime.instructions.filter((i) => i.keyword === 'HEALTHCHECK');
    expect(hc).toHaveLength(1);
    expect(hc[0]!.args).toMatch(/CMD \["node", "\/app\/healthcheck\.mjs"\]$/);
    expect(read('deploy/docker/healthcheck.mjs')).toContain("path: '/healthz'");
    expect(runtime.instructions).toContainEqual({ keyword: 'EXPOSE', args: '8080' });
    expect(runtime.instructions).toContainEqual({ keyword: 'ENTRYPOINT', args: '["node", "/app/dist/src/cli/main.js"]' });
    expect(runtime.instructions).toContainEqual({ keyword: 'STOPSIGNAL', args: 'SIGTERM' });
  });

  it('puts no secrets in layers and copies only what .dockerignore lets in', () => {
    const all = stages.flatMap((s) => s.instructions);
    const declared = all
      .filter((i) => i.keyword === 'ARG' || i.keyword === 'ENV')
      .map((i) => i.args)
      .join(' ');
    expect(declared).not.toMatch(/(API_KEY|SECRET|TOKEN|PASSWORD)\w*=/i);
    expect(declared).not.toMatch(/RTSCORE_API_KEYS=/);
    for (const source of contextSources(stages)) {
      expect(existsSync(join(ROOT, source)), `${source} exists`).toBe(true);
      expect(inContext(dockerignore, source), `${source} is in the build context`).toBe(true);
    }
  });

  it('skips the CUDA download on CPU; fetches the CUDA 12 provider on GPU', () => {
    expect(env(build)).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip/);
    const commands = runs(build).join('\n');
    if (file.endsWith('.gpu')) {
      expect(commands).toContain('node node_modules/onnxruntime-node/script/install --onnxruntime-node-install=cuda12');
      expect(commands).toContain('libonnxruntime_providers_cuda.so');
      expect(env(runtime)).toMatch(/RTSCORE_EXECUTION_PROVIDER=cuda/);
      // Node comes from the pinned official image, not a package repository or curl.
      expect(runtime.instructions).toContainEqual({ keyword: 'COPY', args: '--from=build /usr/local/bin/node /usr/local/bin/node' });
    } else {
      expect(commands).not.toContain('cuda12');
    }
  });
});

describe('.dockerignore', () => {
  it('lets in the sources, data and model configs', () => {
    for (const p of [
      'package.json',
      'package-lock.json',
      'src/cli/main.ts',
      'data/banking77/faqs.json',
      'models/faq/config.json',
      'web/index.html',
      'deploy/docker/healthcheck.mjs',
    ]) {
      expect(inContext(dockerignore, p), p).toBe(true);
    }
  });

  it('keeps out secrets, dependencies, build output, tests and the repository', () => {
    for (const p of [
      '.git/config',
      'node_modules/fastify/package.json',
      'dist/src/cli/main.js',
      'test/deploy/manifests.test.ts',
      'src/core/batcher.test.ts',
      'api-keys.txt',
      '.env',
      'deploy/k8s/base/deployment.yaml',
      'tls/server.key',
      'src/tls.pem',
      '.ci/run',
      'coverage/index.html',
      'deploy/k8s/secrets/api-keys.txt',
      'deploy/k8s/secrets/admin-api-keys.txt',
      'models/faq/.DS_Store',
      'models/faq/2/model.json.tmp',
    ]) {
      expect(inContext(dockerignore, p), p).toBe(false);
    }
  });

  it('lets in the model repository with its version folders (what ./models holds is what the image serves)', () => {
    for (const p of [
      'models/resnet152/1/model.onnx',
      'models/faq/1/model.json',
      'models/faq/12/model.json',
      'models/banking77/3',
      'models/my-model/config.json',
    ]) {
      expect(inContext(dockerignore, p), p).toBe(true);
    }
  });
});

const buildRequested = process.env.RTSCORE_TEST_IMAGE_BUILD === '1';
describe.skipIf(!buildRequested)(`image build${buildRequested ? '' : ' (skipped: set RTSCORE_TEST_IMAGE_BUILD=1; needs a builder and the base image)'}`, () => {
  it('builds the CPU image with deploy/scripts/build-image.sh', () => {
    const extra = (process.env.RTSCORE_TEST_IMAGE_BUILD_ARGS ?? '').split(/\s+/).filter(Boolean);
    const result = spawnSync('bash', ['deploy/scripts/build-image.sh', 'cpu', 'localhost/rtscore:test', ...extra], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(result.status, `${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`).toBe(0);
    expect(statSync(join(ROOT, 'deploy/docker/Dockerfile')).isFile()).toBe(true);
  }, 1_800_000);
});

describe('production dependencies (what the image keeps after npm prune --omit=dev)', () => {
  const pkg = JSON.parse(read('package.json')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
    overrides?: Record<string, unknown>;
    '//overrides'?: string[];
  };
  const sources = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    );
  const packageOf = (specifier: string) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
  // Static imports and re-exports, dynamic import('pkg'), and packages whose files
  // are read at run time (require.resolve('pkg/…'), e.g. the speed-test report
  // inlines uPlot's script). tsx appears only in
  // the worker bootstrap for .ts sources (tests, dev); the image runs compiled .js.
  const imported = new Set(
    sources('src')
      .flatMap((f) =>
        [...read(f).matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|\bimport\('([^']+)'\)|\brequire\.resolve\(['`]([^'`$]+)/gm)].map(
          (m) => (m[1] ?? m[2] ?? m[3])!,
        ),
      )
      .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !s.startsWith('tsx/'))
      .map(packageOf),
  );

  it('are exactly the packages src/ imports (bench-only and unused packages stay out of the image)', () => {
    expect([...imported].sort()).toEqual(Object.keys(pkg.dependencies).sort());
    for (const benchOnly of ['autocannon', 'undici']) expect(pkg.devDependencies).toHaveProperty(benchOnly);
  });

  it('every override has a recorded reason', () => {
    for (const name of Object.keys(pkg.overrides ?? {})) {
      expect(
        (pkg['//overrides'] ?? []).some((reason) => reason.startsWith(`${name} `)),
        name,
      ).toBe(true);
    }
  });
});
