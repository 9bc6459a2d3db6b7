import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import type { Logger } from '../../../src/core/logger.js';
import type { Tensor } from '../../../src/core/tensor.js';
import { type BuildResnetOptions, buildResnetModel } from '../../../src/tasks/vision/resnet/index.js';
import { SeededRandom } from '../../../src/tasks/vision/resnet/random.js';

const { onnx } = onnxProto;

export async function makeTempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'rtscore-onnx-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function writeResnet(dir: string, file: string, options: BuildResnetOptions): Promise<string> {
  const path = join(dir, file);
  await writeFile(path, buildResnetModel(options));
  return path;
}

/** N×3×size×size FP32 input with seeded normal values. */
export function imageBatch(n: number, seed: number, size = 224): Tensor {
  const random = new SeededRandom(seed);
  return { name: 'input', datatype: 'FP32', shape: [n, 3, size, size], data: random.fillNormal(new Float32Array(n * 3 * size * size), 1) };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

export function maxAbs(a: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]!));
  return max;
}

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  obj?: object;
}

/** A Logger that records what it is told. */
export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (objOrMsg: object | string, msg?: string): void => {
      if (typeof objOrMsg === 'string') lines.push({ level, msg: objOrMsg });
      else lines.push({ level, msg: msg ?? '', obj: objOrMsg });
    };
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return { logger, lines };
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

/**
 * A hand-built three-node model with several inputs and datatypes:
 * sum = a + b (FP32 [N, K], K symbolic, so mismatched K fails inside ONNX
 * Runtime), text_out = Identity(text) (BYTES [N]), ids_out = Identity(ids)
 * (INT64 [N, 2]).
 */
export function multiInputModel(): Uint8Array {
  const T = onnx.TensorProto.DataType;
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'rtscore-test',
    graph: {
      name: 'multi',
      node: [
        { opType: 'Add', name: 'add', input: ['a', 'b'], output: ['sum'] },
        { opType: 'Identity', name: 'text_id', input: ['text'], output: ['text_out'] },
        { opType: 'Identity', name: 'ids_id', input: ['ids'], output: ['ids_out'] },
      ],
      input: [
        valueInfo('a', T.FLOAT, ['N', 'K']),
        valueInfo('b', T.FLOAT, ['N', 'K']),
        valueInfo('text', T.STRING, ['N']),
        valueInfo('ids', T.INT64, ['N', 2]),
      ],
      output: [valueInfo('sum', T.FLOAT, ['N', 'K']), valueInfo('text_out', T.STRING, ['N']), valueInfo('ids_out', T.INT64, ['N', 2])],
    },
  }).finish();
}
