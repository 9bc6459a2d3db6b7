import { join } from 'node:path';
import { OnnxSessionPool, sessionOptionsOf, validateInputs, validateOutputNames } from '../../backends/onnx/index.js';
import { Batcher } from '../../core/batcher.js';
import type { PredictOptions, RowPrediction, RowPredictor } from '../../core/capabilities.js';
import { isRtsError, rtsError } from '../../core/errors.js';
import type { InferOptions, ModelKind, ModelLoadContext, ModelMetadata } from '../../core/model.js';
import { describeSpec, type Tensor, type TensorSpec } from '../../core/tensor.js';
import { readAndPrepare } from './load-prepared.js';
import { type OnnxModelOptions, parseOnnxModelOptions } from './options.js';
import type { PreparedModel } from './prepare.js';
import { concatRows, predictionsOf, rowCount, splitRows } from './rows.js';

/**
 * The `onnx` model kind: any ONNX file a user brings (scikit-learn through
 * skl2onnx, LightGBM/XGBoost through onnxmltools, PyTorch, TensorFlow),
 * served as the model describes itself. Inputs, outputs, datatypes and
 * shapes come from the graph; converter quirks (ZipMap, StringNormalizer's
 * locale) are fixed at load (prepare.ts). Optional config renames inputs and
 * outputs, picks default outputs and class labels, and batches requests
 * along a dynamic first dimension.
 */
export const onnxModelKind: ModelKind = { kind: 'onnx', load: loadOnnxModel };

async function loadOnnxModel(ctx: ModelLoadContext): Promise<RowPredictor> {
  const options = parseOnnxModelOptions(ctx.config.options, ctx.name);
  const path = join(ctx.versionDir, options.file);
  const prepared = await readAndPrepare(path, options.locale === undefined ? {} : { locale: options.locale }, `model "${ctx.name}" version ${ctx.version}`);
  for (const note of prepared.notes) ctx.logger.info({ model: ctx.name, version: ctx.version, file: path }, note);
  let pool: OnnxSessionPool;
  try {
    pool = await OnnxSessionPool.open(path, {
      ...sessionOptionsOf(options.onnx, ctx.settings),
      warmup: options.onnx.warmup,
      logger: ctx.logger,
      ...(prepared.bytes ? { modelBytes: prepared.bytes } : {}),
    });
  } catch (err) {
    throw withLoadHint(err, prepared);
  }
  try {
    const model = new OnnxModel(ctx, options, prepared, pool);
    if (options.onnx.warmup && ctx.config.batching.maxBatchSize > 1) await pool.warmup(ctx.config.batching.maxBatchSize);
    return model;
  } catch (err) {
    await pool.close();
    throw err;
  }
}

/** ONNX Runtime's load errors, with what to do about the common ones. */
function withLoadHint(err: unknown, prepared: PreparedModel): unknown {
  if (!isRtsError(err)) return err;
  const text = err.message;
  const opsets = prepared.opsets.map((o) => `${o.domain} ${o.version}`).join(', ');
  let hint = '';
  if (/opset|not a registered function|Could not find an implementation|No Op registered|Unrecognized attribute/i.test(text)) {
    hint = ` — the model uses an operator or opset this ONNX Runtime lacks (model opsets: ${opsets}); re-export with a lower target opset (skl2onnx: target_opset=…, torch.onnx.export: opset_version=17) or without that operator`;
  } else if (/locale/i.test(text)) {
    hint = ' — set options.locale in config.json to a locale this system has (`locale -a` lists them, e.g. "C.UTF-8")';
  } else if (/ir version|Unsupported model IR version/i.test(text)) {
    hint = ` — the file's IR version ${prepared.irVersion} is newer than this ONNX Runtime reads; re-export with an older onnx package`;
  }
  if (hint !== '') err.message += hint;
  return err;
}

interface Request {
  inputs: Tensor[];
  rows: number;
}

class OnnxModel implements RowPredictor {
  readonly capability = 'row-predictor' as const;
  readonly kind = 'onnx';
  readonly name: string;
  readonly version: string;
  readonly metadata: ModelMetadata;

  private readonly pool: OnnxSessionPool;
  private readonly options: OnnxModelOptions;
  /** Client name → model name, for inputs and outputs. */
  private readonly inputNames: Map<string, string>;
  private readonly outputNames: Map<string, string>;
  /** Model output name → client name. */
  private readonly outputAliases: Map<string, string>;
  private readonly defaultOutputs: string[];
  private readonly labelsOutput: string;
  private readonly probabilitiesOutput: string | undefined;
  private readonly batcher: Batcher<Request, Tensor[]> | undefined;

  constructor(ctx: ModelLoadContext, options: OnnxModelOptions, prepared: PreparedModel, pool: OnnxSessionPool) {
    this.name = ctx.name;
    this.version = ctx.version;
    this.pool = pool;
    this.options = options;

    const rename = (specs: readonly TensorSpec[], renames: Record<string, string>, what: string) => {
      for (const from of Object.keys(renames)) {
        if (!specs.some((s) => s.name === from)) {
          throw rtsError('CONFIG', `model "${ctx.name}": options.${what} renames "${from}", but the model's ${what} are ${specs.map(describeSpec).join(', ')}`);
        }
      }
      return specs.map((s) => ({ ...s, name: renames[s.name] ?? s.name }));
    };
    const inputs = rename(pool.inputs, options.inputs, 'inputs');
    const outputs = rename(pool.outputs, options.outputs, 'outputs');
    this.inputNames = new Map(inputs.map((s, i) => [s.name, pool.inputs[i]!.name]));
    this.outputNames = new Map(outputs.map((s, i) => [s.name, pool.outputs[i]!.name]));
    this.outputAliases = new Map(outputs.map((s, i) => [pool.outputs[i]!.name, s.name]));
    this.defaultOutputs = validateOutputNames(outputs, options.defaultOutputs);

    const labels: Record<string, string[]> = {};
    for (const [output, list] of Object.entries(prepared.labels)) {
      const alias = this.outputAliases.get(output);
      if (alias !== undefined) labels[alias] = list;
    }
    for (const [output, list] of Object.entries(options.labels)) {
      if (!this.outputNames.has(output)) throw rtsError('CONFIG', `model "${ctx.name}": options.labels names "${output}", which is not an output`);
      labels[output] = list;
    }

    this.labelsOutput =
      pickOutput(options.predict.labels, outputs, 'predict.labels', ctx.name) ??
      outputs.find((o) => o.name === 'label')?.name ??
      (outputs.filter((o) => o.datatype !== 'FP32' && o.datatype !== 'FP64' && o.datatype !== 'FP16').length === 1
        ? outputs.find((o) => o.datatype !== 'FP32' && o.datatype !== 'FP64' && o.datatype !== 'FP16')!.name
        : this.defaultOutputs[0]!);
    this.probabilitiesOutput =
      pickOutput(options.predict.probabilities, outputs, 'predict.probabilities', ctx.name) ??
      outputs.find((o) => labels[o.name] !== undefined)?.name ??
      outputs.find((o) => o.name === 'probabilities')?.name;

    const batching = ctx.config.batching;
    if (batching.maxBatchSize > 1) {
      const fixed = inputs.filter((s) => s.shape[0] !== -1);
      if (fixed.length > 0) {
        throw rtsError(
          'CONFIG',
          `model "${ctx.name}": batching.maxBatchSize ${batching.maxBatchSize} concatenates requests along dimension 0, which is fixed for ${fixed.map(describeSpec).join(', ')}; export the model with a dynamic first (batch) dimension or set maxBatchSize to 1`,
        );
      }
      const { observer } = ctx;
      this.batcher = new Batcher<Request, Tensor[]>({
        maxBatchSize: batching.maxBatchSize,
        maxQueueDelayMs: batching.maxQueueDelayMs,
        maxQueueSize: batching.maxQueueSize,
        concurrency: pool.instances,
        run: (items) => this.runBatch(items),
        onBatch: (size, seconds) => observer.batch?.(this.name, this.version, size, seconds),
        onQueueWait: (seconds) => observer.queueWait?.(this.name, this.version, seconds),
        onDepth: (depth) => observer.queueDepth?.(this.name, this.version, depth),
        onCancelled: () => observer.cancelled?.(this.name, this.version),
      });
    }

    const properties: Record<string, string> = {
      provider: pool.provider,
      instances: String(pool.instances),
      producer: prepared.producer,
      opsets: prepared.opsets.map((o) => `${o.domain} ${o.version}`).join(', '),
      predictions: `${this.labelsOutput}${this.probabilitiesOutput ? ` (probabilities: ${this.probabilitiesOutput})` : ''}`,
    };
    if (prepared.notes.length > 0) properties.fixes = prepared.notes.join('; ');
    for (const [output, list] of Object.entries(labels)) properties[`classes.${output}`] = JSON.stringify(list);
    this.metadata = {
      name: ctx.name,
      version: ctx.version,
      kind: this.kind,
      platform: 'onnxruntime_onnx',
      inputs,
      outputs,
      maxBatchSize: batching.maxBatchSize,
      properties,
      labels,
    };
  }

  async infer(inputs: Tensor[], options: InferOptions = {}): Promise<Tensor[]> {
    validateInputs(this.metadata.inputs, inputs);
    const wanted =
      options.outputs === undefined || options.outputs.length === 0 ? this.defaultOutputs : validateOutputNames(this.metadata.outputs, options.outputs);
    if (options.signal?.aborted) throw rtsError('CANCELLED', 'the request was cancelled');
    const modelInputs = inputs.map((t) => ({ name: this.inputNames.get(t.name)!, datatype: t.datatype, shape: t.shape, data: t.data }));
    let outputs: Tensor[];
    if (this.batcher === undefined) {
      outputs = await this.pool.run(
        modelInputs,
        wanted.map((n) => this.outputNames.get(n)!),
      );
    } else {
      outputs = await this.batcher.submit({ inputs: modelInputs, rows: rowCount(modelInputs[0]!) }, options.signal);
    }
    const byName = new Map(outputs.map((t) => [this.outputAliases.get(t.name)!, t]));
    return wanted.map((name) => ({ ...byName.get(name)!, name }));
  }

  async predict(inputs: Tensor[], options: PredictOptions): Promise<RowPrediction[]> {
    const probabilities = options.probabilities ?? this.options.predict.returns === 'probabilities';
    if (probabilities && this.probabilitiesOutput === undefined) {
      throw rtsError(
        'INVALID_INPUT',
        `model "${this.name}" has no class probability output; ask for labels, or name the output in options.predict.probabilities`,
      );
    }
    const output = probabilities ? this.probabilitiesOutput! : this.labelsOutput;
    const [tensor] = await this.infer(inputs, { outputs: [output], ...(options.signal ? { signal: options.signal } : {}) });
    return predictionsOf(tensor!, !probabilities);
  }

  async close(): Promise<void> {
    await this.batcher?.close();
    await this.pool.close();
  }

  /**
   * One batch: requests whose inputs have the same trailing dimensions are
   * stacked along dimension 0 and run once; every output comes back, split.
   */
  private async runBatch(items: Request[]): Promise<Tensor[][]> {
    const allOutputs = this.pool.outputs.map((o) => o.name);
    const groups = new Map<string, number[]>();
    items.forEach((item, i) => {
      const key = item.inputs
        .map((t) => `${t.name}:${t.shape.slice(1).join(',')}`)
        .sort()
        .join(';');
      groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    const results = new Array<Tensor[]>(items.length);
    await Promise.all(
      [...groups.values()].map(async (members) => {
        if (members.length === 1) {
          results[members[0]!] = await this.pool.run(items[members[0]!]!.inputs, allOutputs);
          return;
        }
        const names = items[members[0]!]!.inputs.map((t) => t.name);
        const stacked = names.map((name) => concatRows(members.map((m) => items[m]!.inputs.find((t) => t.name === name)!)));
        const outputs = await this.pool.run(stacked, allOutputs);
        const rows = members.map((m) => items[m]!.rows);
        const parts = outputs.map((t) => splitRows(t, rows));
        members.forEach((m, j) => {
          results[m] = parts.map((p) => p[j]!);
        });
      }),
    );
    return results;
  }
}

function pickOutput(name: string | undefined, outputs: readonly TensorSpec[], field: string, model: string): string | undefined {
  if (name === undefined) return undefined;
  if (!outputs.some((o) => o.name === name)) {
    throw rtsError('CONFIG', `model "${model}": options.${field} is "${name}", but the outputs are ${outputs.map(describeSpec).join(', ')}`);
  }
  return name;
}
