import { Argument, type Command } from 'commander';
import { rtsError } from '../../core/errors.js';
import { ModelRegistry } from '../../core/registry.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logging.js';
import { RESNET_DEPTHS, type ResnetDepth, resnetSummary, writeResnetModel } from '../../tasks/vision/resnet/index.js';
import { modelKinds } from '../kinds.js';
import { int, print } from '../options.js';

/** `rtscore build-model resnet …` and `rtscore build-models`. */
export function registerBuildCommands(program: Command): void {
  program
    .command('build-model')
    .description('write a generated model file: the torchvision ResNet v1.5 architecture as ONNX, with seeded weights')
    .addArgument(new Argument('<arch>', 'architecture').choices(['resnet']))
    .option('--depth <n>', 'ResNet depth: 18, 34, 50, 101 or 152', int('depth', 18), 152)
    .option('--out <file>', 'output ONNX file (default models/resnet<depth>/1/model.onnx)')
    .option('--seed <n>', 'weight seed', int('seed'), 0)
    .option('--base-width <n>', 'channels of the first stage (64 = the real network; small values make tiny test models)', int('base-width', 1), 64)
    .option('--dry-run', 'print the parameter count and multiply-adds without writing')
    .action(async (arch: string, o: { depth: number; out?: string; seed: number; baseWidth: number; dryRun?: boolean }) => {
      if (arch !== 'resnet') throw rtsError('INVALID_INPUT', `unknown architecture "${arch}" (resnet)`);
      if (!RESNET_DEPTHS.includes(o.depth as ResnetDepth)) throw rtsError('INVALID_INPUT', `--depth must be one of ${RESNET_DEPTHS.join(', ')}`);
      const depth = o.depth as ResnetDepth;
      const summary = resnetSummary({ depth, baseWidth: o.baseWidth });
      print(
        `ResNet-${depth}: ${summary.parameters.toLocaleString('en-US')} parameters, ${(summary.multiplyAdds / 1e9).toFixed(2)} G multiply-adds per 224×224 image, ${summary.layers} layers`,
      );
      if (o.dryRun) return;
      const out = o.out ?? `models/resnet${depth}/1/model.onnx`;
      const r = await writeResnetModel(out, { depth, seed: o.seed, baseWidth: o.baseWidth, onProgress: print });
      print(`wrote ${r.path} (${(r.bytes / 1e6).toFixed(1)} MB) in ${r.seconds.toFixed(1)} s`);
    });
  program
    .command('build-models')
    .description('build every model of the repository that has no version yet (train FAQ models, generate the ResNet), then exit')
    .option('--models <dir>', 'model repository (RTSCORE_MODELS_DIR, default ./models)')
    .option('--only <names>', 'comma-separated models')
    .action(async (o: { models?: string; only?: string }) => {
      const config = loadConfig({ env: process.env, flags: { modelsDir: o.models, models: o.only, logLevel: 'info' } });
      const registry = new ModelRegistry({
        root: config.modelsDir,
        kinds: modelKinds,
        buildMissing: true,
        logger: createLogger({ level: 'info', instanceId: 'build' }),
      });
      const built = await registry.buildMissing(config.models.length ? config.models : undefined);
      print(built.length ? `built: ${built.join(', ')}` : 'nothing to build: every model has a version');
    });
}
