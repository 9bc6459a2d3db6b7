import cluster from 'node:cluster';
import type { Command } from 'commander';
import { ModelRegistry } from '../../core/registry.js';
import { serveClusterMetrics } from '../../server/cluster-metrics.js';
import { type ConfigInput, loadConfig } from '../../server/config.js';
import { noModelsError, startServer } from '../../server/serve.js';
import { modelKinds } from '../kinds.js';
import { int, print } from '../options.js';
import { packageVersion } from '../version.js';

/**
 * `rtscore serve`: the server with the models of a repository, building the
 * default models from shipped data when they are missing. With `--workers N`
 * the primary builds what is missing once, then N processes share the port.
 */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve every model of the model repository over HTTP')
    .option('--host <host>', 'address to listen on (RTSCORE_HOST, default 0.0.0.0)')
    .option('--port <port>', 'port (RTSCORE_PORT, default 8080)', int('port'))
    .option('--models <dir>', 'model repository (RTSCORE_MODELS_DIR, default ./models)')
    .option('--only <names>', 'comma-separated models to load (RTSCORE_MODELS)')
    .option('--config <file>', 'JSON config file (RTSCORE_CONFIG)')
    .option('--workers <n>', 'server processes sharing the port (RTSCORE_WORKERS, default 1)', int('workers', 1))
    .option('--no-build-missing', 'do not build missing default models (RTSCORE_BUILD_MISSING)')
    .option('--log-level <level>', 'log level (RTSCORE_LOG_LEVEL, default info)')
    .action(
      async (opts: {
        host?: string;
        port?: number;
        models?: string;
        only?: string;
        config?: string;
        workers?: number;
        buildMissing?: boolean;
        logLevel?: string;
      }) => {
        const flags: ConfigInput = {
          host: opts.host,
          port: opts.port,
          modelsDir: opts.models,
          models: opts.only,
          workers: opts.workers,
          logLevel: opts.logLevel,
          // commander sets buildMissing true by default; only an explicit --no-build-missing overrides the env/file.
          buildMissing: opts.buildMissing === false ? false : undefined,
        };
        const config = loadConfig({ env: process.env, flags, ...(opts.config ? { file: opts.config } : {}) });
        if (config.workers > 1 && cluster.isPrimary) {
          await runPrimary(config.workers, config.buildMissing, config.modelsDir, config.models);
          return;
        }
        await startServer({ config, kinds: modelKinds, version: packageVersion(), handleSignals: true });
      },
    );
}

/** Build missing models once, fork the workers, gather their metrics, pass signals on, exit when they have. */
async function runPrimary(workers: number, buildMissing: boolean, modelsDir: string, only: string[]): Promise<void> {
  // Workers would each fail on an empty repository, and be restarted, forever: say it once, here.
  if ((await new ModelRegistry({ root: modelsDir, kinds: modelKinds }).discover()).length === 0) throw noModelsError(modelsDir);
  if (buildMissing) {
    const registry = new ModelRegistry({ root: modelsDir, kinds: modelKinds, buildMissing: true });
    const built = await registry.buildMissing(only.length ? only : undefined);
    if (built.length) print(`built ${built.join(', ')}`);
  }
  let alive = 0;
  let stopping = false;
  let exitCode = 0;
  const fork = () => {
    const worker = cluster.fork({ RTSCORE_BUILD_MISSING: 'false' });
    alive++;
    worker.on('exit', (code, signal) => {
      alive--;
      if (code) exitCode = code;
      if (!stopping) {
        process.stderr.write(`rtscore: worker ${worker.process.pid} exited (${signal ?? code}); starting another\n`);
        fork();
      } else if (alive === 0) {
        process.exit(exitCode);
      }
    });
  };
  serveClusterMetrics();
  for (let i = 0; i < workers; i++) fork();
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.on('SIGHUP', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGHUP');
  });
}
