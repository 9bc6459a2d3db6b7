import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildResnetModel,
  encodeResnetModel,
  RESNET_DEPTHS,
  type ResnetDepth,
  resnetModelProto,
  resnetSummary,
  writeResnetModel,
} from '../../../../src/tasks/vision/resnet/index.js';
import { writeEncoded } from '../../../../src/tasks/vision/resnet/stream-encode.js';
import { makeTempDir } from '../../../backends/onnx/helpers.js';

const { onnx } = onnxProto;

/** torchvision's parameter counts: sum(p.numel() for p in torchvision.models.resnetN().parameters()). */
const TORCHVISION_PARAMETERS: Record<ResnetDepth, number> = {
  18: 11_689_512,
  34: 21_797_672,
  50: 25_557_032,
  101: 44_549_160,
  152: 60_192_808,
};
/** torchvision's model docs ("GFLOPS", which count multiply-adds) for 224×224 inputs. */
const TORCHVISION_GMACS: Record<ResnetDepth, number> = { 18: 1.81, 34: 3.66, 50: 4.09, 101: 7.8, 152: 11.51 };

interface Graph {
  node: onnxProto.onnx.INodeProto[];
  input: onnxProto.onnx.IValueInfoProto[];
  output: onnxProto.onnx.IValueInfoProto[];
  initializer: { name: string; dims: number[]; dataType: number; rawData: Uint8Array }[];
}

/** The graph with the schema's optional fields made definite. */
function graphOf(model: onnxProto.onnx.IModelProto): Graph {
  const g = model.graph!;
  return {
    node: g.node ?? [],
    input: g.input ?? [],
    output: g.output ?? [],
    initializer: (g.initializer ?? []).map((t) => ({
      name: t.name ?? '',
      dims: (t.dims ?? []).map(Number),
      dataType: t.dataType ?? 0,
      rawData: t.rawData ?? new Uint8Array(0),
    })),
  };
}

function opCounts(model: onnxProto.onnx.IModelProto): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const node of graphOf(model).node) counts[node.opType!] = (counts[node.opType!] ?? 0) + 1;
  return counts;
}

function dims(info: onnxProto.onnx.IValueInfoProto): (number | string)[] {
  return info.type!.tensorType!.shape!.dim!.map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue)));
}

describe('resnetSummary', () => {
  it.each(RESNET_DEPTHS)("ResNet-%i has torchvision's parameter count and compute", (depth) => {
    const s = resnetSummary({ depth });
    expect(s.parameters).toBe(TORCHVISION_PARAMETERS[depth]);
    expect(s.multiplyAdds / 1e9).toBeCloseTo(TORCHVISION_GMACS[depth], 1);
    expect(Math.abs(s.multiplyAdds / 1e9 - TORCHVISION_GMACS[depth])).toBeLessThan(0.006);
    expect(s.layers).toBe(depth);
  });

  it('counts ResNet-152 exactly: 60,192,808 parameters, ≈11.5 G multiply-adds, 155 convolutions', () => {
    const s = resnetSummary({ depth: 152 });
    expect(s.parameters).toBe(60_192_808);
    expect(s.multiplyAdds).toBe(11_513_626_624);
    expect(s.convolutions).toBe(155);
    expect(s.weightBytes).toBe(4 * (s.parameters + s.buffers));
  });

  it('scales with the options', () => {
    expect(resnetSummary({ depth: 50, numClasses: 10 }).parameters).toBe(25_557_032 - 990 * 2049);
    const small = resnetSummary({ depth: 50, imageSize: 112 });
    expect(small.multiplyAdds).toBeLessThan(resnetSummary({ depth: 50 }).multiplyAdds / 3.5);
    expect(resnetSummary({ depth: 18, baseWidth: 8 }).parameters).toBeLessThan(300_000);
  });

  it('rejects options outside the architecture', () => {
    expect(() => resnetSummary({ depth: 19 as ResnetDepth })).toThrow(expect.objectContaining({ code: 'RTS_ERR_INVALID_INPUT' }));
    expect(() => resnetSummary({ depth: 18, baseWidth: 0 })).toThrow(/baseWidth/);
    expect(() => resnetSummary({ depth: 18, seed: -1 })).toThrow(/seed/);
  });
});

describe('buildResnetModel', () => {
  const tiny = { depth: 18, baseWidth: 8 } as const;
  let bytes: Uint8Array;
  let model: onnxProto.onnx.ModelProto;
  beforeAll(() => {
    bytes = buildResnetModel(tiny);
    model = onnx.ModelProto.decode(bytes);
  });

  it('writes an opset-13 ModelProto with a symbolic batch dimension', () => {
    expect(Number(model.irVersion)).toBe(8);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 13]]);
    const graph = graphOf(model);
    expect(graph.input.map((i) => i.name)).toEqual(['input']);
    expect(dims(graph.input[0]!)).toEqual(['N', 3, 224, 224]);
    expect(graph.input[0]!.type!.tensorType!.elemType).toBe(onnx.TensorProto.DataType.FLOAT);
    expect(graph.output.map((o) => o.name)).toEqual(['logits']);
    expect(dims(graph.output[0]!)).toEqual(['N', 1000]);
  });

  it('has the torchvision ResNet-18 graph and state_dict names', () => {
    // Op counts of torchvision.models.resnet18() exported with torch.onnx (opset 13, BN kept), Identity nodes aside.
    expect(opCounts(model)).toEqual({
      Conv: 20,
      BatchNormalization: 20,
      Relu: 17,
      MaxPool: 1,
      Add: 8,
      GlobalAveragePool: 1,
      Flatten: 1,
      Gemm: 1,
    });
    const inits = new Map(graphOf(model).initializer.map((t) => [t.name, t.dims]));
    expect(inits.size).toBe(102); // torchvision's state_dict without num_batches_tracked
    expect(inits.get('conv1.weight')).toEqual([8, 3, 7, 7]);
    expect(inits.get('layer2.0.downsample.0.weight')).toEqual([16, 8, 1, 1]);
    expect(inits.get('layer4.1.bn2.running_var')).toEqual([64]);
    expect(inits.get('fc.weight')).toEqual([1000, 64]);
    expect(inits.get('fc.bias')).toEqual([1000]);
  });

  it('stores exactly the summarised parameters and buffers as float32 raw_data', () => {
    const summary = resnetSummary(tiny);
    let elements = 0;
    for (const t of graphOf(model).initializer) {
      const n = t.dims.reduce((a, b) => a * b, 1);
      expect(t.dataType).toBe(onnx.TensorProto.DataType.FLOAT);
      expect(t.rawData.length).toBe(4 * n);
      elements += n;
    }
    expect(elements).toBe(summary.parameters + summary.buffers);
  });

  it('gives every BatchNorm finite, positive running variances', () => {
    for (const t of graphOf(model).initializer.filter((i) => i.name.endsWith('running_var'))) {
      const values = new Float32Array(new Uint8Array(t.rawData).buffer);
      expect(values.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    }
  });

  it('is deterministic: same seed, same bytes; another seed, other weights', () => {
    expect(Buffer.from(buildResnetModel(tiny)).equals(Buffer.from(bytes))).toBe(true);
    const other = buildResnetModel({ ...tiny, seed: 1 });
    expect(other.length).toBe(bytes.length);
    expect(Buffer.from(other).equals(Buffer.from(bytes))).toBe(false);
  });

  it('has the ResNet-152 and ResNet-50 structures (bottlenecks, projection shortcuts)', () => {
    // Counts from torchvision.models.resnet152()/resnet50() exported to ONNX (see the report of issue 3).
    const r152 = resnetModelProto({ depth: 152, baseWidth: 2, numClasses: 10 });
    expect(opCounts(r152)).toEqual({
      Conv: 155,
      BatchNormalization: 155,
      Relu: 151,
      MaxPool: 1,
      Add: 50,
      GlobalAveragePool: 1,
      Flatten: 1,
      Gemm: 1,
    });
    expect(graphOf(r152).initializer.length).toBe(777);
    const r50 = resnetModelProto({ depth: 50, baseWidth: 2, numClasses: 10 });
    expect(opCounts(r50)).toMatchObject({ Conv: 53, Relu: 49, Add: 16 });
    // v1.5: the stride of a downsampling bottleneck is on its 3×3 conv.
    const strides = (name: string): number[] => {
      const node = graphOf(r50).node.find((n) => n.name === name)!;
      return node.attribute!.find((a) => a.name === 'strides')!.ints!.map(Number);
    };
    expect(strides('layer2.0.conv1')).toEqual([1, 1]);
    expect(strides('layer2.0.conv2')).toEqual([2, 2]);
    expect(strides('layer2.0.downsample.0')).toEqual([2, 2]);
  });

  it('declares symbolic height and width with dynamicSpatial', () => {
    const m = resnetModelProto({ depth: 18, baseWidth: 4, dynamicSpatial: true });
    expect(dims(graphOf(m).input[0]!)).toEqual(['N', 3, 'H', 'W']);
  });
});

describe('writeResnetModel', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await makeTempDir()));
  afterAll(() => cleanup());

  it('writes the file (creating folders), reports progress and leaves no partial file', async () => {
    const path = join(dir, 'resnet18', '1', 'model.onnx');
    const progress: string[] = [];
    const result = await writeResnetModel(path, { depth: 18, baseWidth: 8, onProgress: (m) => progress.push(m) });
    const summary = resnetSummary({ depth: 18, baseWidth: 8 });
    expect(result).toMatchObject({ path, parameters: summary.parameters, multiplyAdds: summary.multiplyAdds });
    expect(result.bytes).toBe((await stat(path)).size);
    expect(result.bytes).toBeGreaterThan(summary.weightBytes);
    expect(result.seconds).toBeGreaterThan(0);
    expect(Buffer.from(await readFile(path)).equals(Buffer.from(buildResnetModel({ depth: 18, baseWidth: 8 })))).toBe(true);
    expect(progress[0]).toMatch(/ResNet-18/);
    expect(progress.some((m) => /writing/.test(m))).toBe(true);
    expect(await readdir(join(dir, 'resnet18', '1'))).toEqual(['model.onnx']);
  });
});

describe('writeEncoded', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await makeTempDir()));
  afterAll(() => cleanup());

  it.each([1 << 20, 4096, 64])('streams the encoder output byte for byte as finish() would (chunks of %i bytes)', async (chunk) => {
    const options = { depth: 18, baseWidth: 8, numClasses: 100 } as const;
    const expected = Buffer.from(buildResnetModel(options));
    const path = join(dir, `stream-${chunk}.onnx`);
    const file = await open(path, 'w');
    try {
      expect(await writeEncoded(encodeResnetModel(options), file, chunk)).toBe(expected.length);
    } finally {
      await file.close();
    }
    expect((await readFile(path)).equals(expected)).toBe(true);
  });
});
