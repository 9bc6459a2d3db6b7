import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOnnxMetadataProps } from '../../../src/backends/onnx/index.js';
import { makeTempDir, writeResnet } from './helpers.js';

const { onnx } = onnxProto;

describe('readOnnxMetadataProps', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  beforeAll(async () => {
    temp = await makeTempDir();
  });
  afterAll(async () => {
    await temp.cleanup();
  });

  it("reads a generated ResNet's metadata_props (weights: random) past its graph", async () => {
    const path = await writeResnet(temp.dir, 'resnet.onnx', { depth: 18, baseWidth: 8, seed: 3 });
    const props = await readOnnxMetadataProps(path);
    expect(props).toMatchObject({ architecture: 'resnet18-v1.5', weights: 'random', seed: '3', base_width: '8' });
  });

  it('reads props written before the graph, and none from a model without them', async () => {
    const graph = { name: 'g', node: [], input: [], output: [] };
    const withProps = onnx.ModelProto.encode({ irVersion: 8, metadataProps: [{ key: 'weights', value: 'trained' }], graph }).finish();
    const withoutProps = onnx.ModelProto.encode({ irVersion: 8, producerName: 'x', graph }).finish();
    await writeFile(join(temp.dir, 'a.onnx'), withProps);
    await writeFile(join(temp.dir, 'b.onnx'), withoutProps);
    expect(await readOnnxMetadataProps(join(temp.dir, 'a.onnx'))).toEqual({ weights: 'trained' });
    expect(await readOnnxMetadataProps(join(temp.dir, 'b.onnx'))).toEqual({});
  });

  it('stops quietly on bytes that are not a ModelProto', async () => {
    const path = join(temp.dir, 'junk.onnx');
    await writeFile(path, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
    expect(await readOnnxMetadataProps(path)).toEqual({});
    await writeFile(join(temp.dir, 'empty.onnx'), '');
    expect(await readOnnxMetadataProps(join(temp.dir, 'empty.onnx'))).toEqual({});
  });
});
