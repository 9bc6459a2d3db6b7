/**
 * Scale-out on one machine: several real rtscore replicas on loopback behind a
 * real nginx (Debian's package), as the Kubernetes Service / ingress controller
 * would put them, and what the deployment relies on:
 *   - requests spread over the replicas (counted by X-Rtscore-Instance);
 *   - a replica that listens but is not ready (here: building its model at start,
 *     as with RTSCORE_BUILD_MISSING=true) gets no traffic until /readyz says so;
 *   - a replica sent SIGTERM mid-load drains with zero failed requests and exits 0;
 *   - a draining replica that still accepts connections (RTSCORE_SHUTDOWN_DELAY_MS,
 *     the server-side twin of the pod's preStop sleep) is taken out of rotation.
 *
 * Readiness gating: open-source nginx has no active health checks, so the test
 * runs what Kubernetes runs: a probe loop on every replica's /readyz that keeps
 * the balancer's server list to the ready replicas (helpers/gate.ts; the
 * endpoints controller plus ingress-nginx/kube-proxy in a cluster). Each change
 * is an nginx reload. nginx's passive checks (proxy_next_upstream) cover the
 * moments between a replica going away and the list changing.
 *
 * Clients open a new connection per request to nginx: an nginx *reload* closes
 * idle client keep-alive connections of its old worker, a race the deployment
 * does not have (ingress-nginx changes endpoints without reloading). Between
 * nginx and the replicas connections are kept alive, as in production, and the
 * replicas closing them while draining is part of what is tested.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFaqRepo } from '../helpers/models.js';
import { IMAGENET_LABELS } from '../helpers/vision-models.js';
import { ReadinessGate } from './helpers/gate.js';
import { countByInstance, type LoadResult, runLoad } from './helpers/load.js';
import { RTSCORE_METRICS } from './helpers/metrics.js';
import { NginxBalancer } from './helpers/nginx.js';
import { freePort, Replica, sleep, statusOf, waitFor } from './helpers/replicas.js';
import { nginxTool } from './helpers/tools.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const nginx = nginxTool();
if (!nginx.path) console.warn(`[test/deploy] skipping the scale-out test: ${nginx.missing}`);

const QUESTION = { question: 'My new card has still not arrived, when will it come?' };
/** Shorter than the Deployment's 25 s: the test must not wait that long if something hangs. */
const GRACE_MS = 10_000;

/** The real server, as `rtscore serve` (from source through tsx, no build step needed). */
function serverCommand(port: number, models: string, buildMissing: boolean): string[] {
  return [
    'node',
    '--import',
    'tsx',
    'src/cli/main.ts',
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--models',
    models,
    ...(buildMissing ? [] : ['--no-build-missing']),
  ];
}

const baseEnv: NodeJS.ProcessEnv = {
  RTSCORE_LOG_LEVEL: 'warn',
  RTSCORE_SHUTDOWN_GRACE_MS: String(GRACE_MS),
  RTSCORE_ONNX_THREADS: '1',
  // Authentication on, as in the deployment (probes and metrics stay open).
  RTSCORE_API_KEYS: 'scale-out-test-key',
};
const AUTH = { authorization: 'Bearer scale-out-test-key' };

/**
 * A model repository whose image model has no version yet but says how to
 * generate one (a tiny seeded ResNet-18): a server started with build-missing
 * generates it in a worker thread before it is ready, a real start-up delay.
 */
async function makeSlowStartRepo(dir: string): Promise<void> {
  await makeFaqRepo(dir);
  const modelDir = join(dir, 'resnet');
  mkdirSync(modelDir, { recursive: true });
  writeFileSync(
    join(modelDir, 'config.json'),
    JSON.stringify(
      {
        kind: 'image-classifier',
        description: 'generated at start: keeps the replica not-ready for a while',
        batching: { maxBatchSize: 4, maxQueueDelayMs: 5, maxQueueSize: 64 },
        options: {
          labels: IMAGENET_LABELS,
          topK: 5,
          onnx: { intraOpNumThreads: 1, instances: 1 },
          preprocessing: { inputName: 'input' },
          build: { depth: 18, baseWidth: 8, seed: 7 },
        },
      },
      null,
      2,
    ),
  );
}

/** A replica's exit, or a clear failure if it outlives its grace period. */
async function exitOf(replica: Replica): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${replica.id} still running ${GRACE_MS + 5000} ms after SIGTERM:\n${replica.output.join('\n')}`)),
      GRACE_MS + 5000,
    );
  });
  try {
    return await Promise.race([replica.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function failures(results: LoadResult[]): LoadResult[] {
  return results.filter((r) => r.status !== 200 || !Array.isArray((r.body as { matches?: unknown }).matches) || !r.instance);
}

function describeFailures(results: LoadResult[]): string {
  return failures(results)
    .slice(0, 5)
    .map((r) => `${r.status} ${r.error ?? JSON.stringify(r.body)}`)
    .join('\n');
}

describe.skipIf(!nginx.path)(`scale-out behind nginx${nginx.path ? '' : ` (skipped: ${nginx.missing})`}`, () => {
  let dir: string;
  let balancer: NginxBalancer;
  let gate: ReadinessGate;
  const replicas: Replica[] = [];
  const byId = (id: string) => replicas.find((r) => r.id === id)!;

  async function startReplica(id: string, models: string, options: { buildMissing?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Replica> {
    const port = await freePort();
    const replica = new Replica({
      id,
      port,
      cwd: ROOT,
      command: serverCommand(port, models, options.buildMissing ?? false),
      env: { ...baseEnv, ...options.env },
    });
    replicas.push(replica);
    gate.add(replica);
    return replica;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rtscore-scale-out-'));
    const models = join(dir, 'models');
    await makeFaqRepo(models);
    await makeSlowStartRepo(join(dir, 'models-slow'));
    mkdirSync(join(dir, 'nginx'));
    balancer = new NginxBalancer({ nginx: nginx.path!, dir: join(dir, 'nginx'), port: await freePort() });
    await balancer.start([]);
    gate = new ReadinessGate(balancer, 100);
    await startReplica('replica-1', models);
    // replica-2 keeps serving 1.5 s after SIGTERM with readiness already false.
    await startReplica('replica-2', models, { env: { RTSCORE_SHUTDOWN_DELAY_MS: '1500' } });
    await startReplica('replica-3', models);
    await Promise.all(replicas.map((r) => r.listening(60_000)));
    gate.start();
    await waitFor('three ready replicas behind nginx', async () => ['replica-1', 'replica-2', 'replica-3'].every((id) => gate.isReady(id)), 60_000);
  }, 120_000);

  afterAll(async () => {
    await gate?.stop();
    await Promise.all(replicas.map((r) => r.stop()));
    await balancer?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('spreads requests across the replicas', async () => {
    const results = await runLoad({
      url: `${balancer.origin}/v1/faq/match`,
      body: QUESTION,
      headers: AUTH,
      concurrency: 6,
      maxRequests: 300,
      durationMs: 15_000,
    });
    expect(describeFailures(results)).toBe('');
    const counts = countByInstance(results);
    expect(Object.keys(counts).sort()).toEqual(['replica-1', 'replica-2', 'replica-3']);
    // Round-robin: about a third each; allow for connection timing.
    for (const n of Object.values(counts)) expect(n).toBeGreaterThan(results.length * 0.2);
  });

  it('sends no traffic to a replica until it is ready (it builds its model at start)', async () => {
    const slow = await startReplica('replica-4', join(dir, 'models-slow'), { buildMissing: true });
    // Watch it: it must be seen listening (liveness 200) while not ready (readiness 503),
    // i.e. a balancer that ignored readiness would already send it requests.
    let seenListeningNotReady = false;
    let watching = true;
    const watcher = (async () => {
      while (watching && slow.running) {
        const [live, ready] = await Promise.all([statusOf(slow.origin, '/healthz', 500), statusOf(slow.origin, '/readyz', 500)]);
        if (live === 200 && ready === 503) seenListeningNotReady = true;
        await sleep(25);
      }
    })();
    const results = await runLoad({
      // Steady traffic that leaves the CPU to the starting replica (two cores in CI).
      url: `${balancer.origin}/v1/faq/match`,
      body: QUESTION,
      headers: AUTH,
      concurrency: 2,
      pauseMs: 10,
      maxRequests: 20_000,
      durationMs: 40_000,
      // Until the new replica has been in rotation for a second.
      until: () => {
        const admitted = gate.admission('replica-4');
        return admitted !== undefined && Date.now() - admitted.appliedAt > 1000;
      },
    });
    watching = false;
    await watcher;
    const admission = gate.admission('replica-4');
    expect(admission, slow.output.join('\n')).toBeDefined();
    expect(seenListeningNotReady).toBe(true);
    expect(describeFailures(results)).toBe('');
    // Before the gate saw it ready, it answered nothing; once in rotation, it took its share.
    const served = results.filter((r) => r.instance === 'replica-4');
    expect(served.filter((r) => r.start < admission!.decidedAt)).toEqual([]);
    expect(served.length).toBeGreaterThan(0);
    expect(results.filter((r) => r.end < admission!.decidedAt).length).toBeGreaterThan(20);
  }, 90_000);

  it('drains a replica sent SIGTERM mid-load: zero failed requests, exit code 0', async () => {
    const victim = byId('replica-1');
    let killedAt = 0;
    const kill = setTimeout(() => {
      killedAt = Date.now();
      victim.kill('SIGTERM');
    }, 1000);
    const results = await runLoad({
      url: `${balancer.origin}/v1/faq/match`,
      body: QUESTION,
      headers: AUTH,
      concurrency: 6,
      maxRequests: 5000,
      durationMs: 4000,
    });
    clearTimeout(kill);
    expect(killedAt).toBeGreaterThan(0);
    const exit = await exitOf(victim);
    expect(describeFailures(results)).toBe('');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(victim.exitedAt! - killedAt).toBeLessThan(GRACE_MS);
    const servedByVictim = results.filter((r) => r.instance === victim.id);
    expect(servedByVictim.length).toBeGreaterThan(0);
    // Nothing started after it was gone was answered by it, and the others carried on.
    expect(servedByVictim.filter((r) => r.start > victim.exitedAt!)).toEqual([]);
    const removal = gate.removal(victim.id);
    expect(removal).toBeDefined();
    expect(results.filter((r) => r.start > removal!.appliedAt).length).toBeGreaterThan(10);
  });

  it('takes a draining replica out of rotation while it still accepts connections', async () => {
    const victim = byId('replica-2');
    let killedAt = 0;
    let upWhileDraining = false;
    let probe: Promise<void> = Promise.resolve();
    const kill = setTimeout(() => {
      killedAt = Date.now();
      victim.kill('SIGTERM');
      // During the shutdown delay the process still answers: only readiness says "go away".
      probe = sleep(300).then(async () => {
        const [live, ready] = await Promise.all([statusOf(victim.origin, '/healthz'), statusOf(victim.origin, '/readyz')]);
        upWhileDraining = live === 200 && ready === 503;
      });
    }, 1000);
    const results = await runLoad({
      url: `${balancer.origin}/v1/faq/match`,
      body: QUESTION,
      headers: AUTH,
      concurrency: 6,
      maxRequests: 5000,
      durationMs: 4000,
    });
    clearTimeout(kill);
    await probe;
    expect(killedAt).toBeGreaterThan(0);
    const exit = await exitOf(victim);
    expect(describeFailures(results)).toBe('');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(upWhileDraining).toBe(true);
    const removal = gate.removal(victim.id);
    expect(removal).toBeDefined();
    expect(removal!.decidedAt).toBeGreaterThanOrEqual(killedAt - 150);
    // It was still up for ~1.5 s, but once nginx had the new list no new request went to it
    // (250 ms: nginx's old worker may accept a last connection while the new one starts).
    const late = results.filter((r) => r.instance === victim.id && r.start > removal!.appliedAt + 250);
    expect(late).toEqual([]);
    expect(victim.exitedAt! - removal!.appliedAt).toBeGreaterThan(500);
  });

  it('exposes, with their types, the metrics the dashboard and the autoscaler query', async () => {
    const res = await request(`${byId('replica-3').origin}/metrics`);
    const text = await res.body.text();
    expect(res.statusCode).toBe(200);
    const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    for (const [name, type] of Object.entries(RTSCORE_METRICS)) expect(`${name} ${types.get(name)}`).toBe(`${name} ${type}`);
  });
});
