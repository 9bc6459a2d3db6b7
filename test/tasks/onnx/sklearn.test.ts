import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { modelKinds } from '../../../src/cli/kinds.js';
import { call, startV2Server, type V2Server } from '../../server/oip/http.js';
import * as F from './fixtures.js';
import { maxAbsDiff } from './reference.js';

/**
 * Cross-check against scikit-learn itself: test/fixtures/sklearn/make_reference.py
 * trained real estimators (iris, diabetes, a small intent corpus) and wrote
 * their parameters with scikit-learn's own predict / predict_proba /
 * transform. Here the graphs skl2onnx emits for them are built from those
 * parameters (default ZipMap included), served from folders holding only
 * {"kind": "onnx"}, and must give scikit-learn's labels and its
 * probabilities within 1e-5, over `:predict` and OIP v2.
 */
const ref = JSON.parse(readFileSync(new URL('../../fixtures/sklearn/reference.json', import.meta.url), 'utf8'));

let server: V2Server;

beforeAll(async () => {
  server = await startV2Server(
    modelKinds,
    async (dir) => {
      await F.writeModelFolder(dir, 'lr', F.linearClassifierModel(ref.logistic_regression, true));
      await F.writeModelFolder(dir, 'lr-names', F.linearClassifierModel(ref.logistic_regression_names, true));
      await F.writeModelFolder(dir, 'lr-nozipmap', F.linearClassifierModel(ref.logistic_regression_names, false));
      await F.writeModelFolder(dir, 'rf', F.treeClassifierModel(ref.random_forest, true));
      await F.writeModelFolder(dir, 'rf-binary', F.treeClassifierModel(ref.random_forest_binary, true));
      await F.writeModelFolder(dir, 'gbr', F.treeRegressorModel(ref.gradient_boosting_regressor));
      await F.writeModelFolder(dir, 'rfr', F.treeRegressorModel(ref.random_forest_regressor));
      await F.writeModelFolder(dir, 'scaler', F.scalerNormalizerModel(ref.scaler_normalizer));
      await F.writeModelFolder(dir, 'text', F.textPipelineModel(ref.tfidf_logistic_regression));
    },
    { onnxThreads: 1 },
  );
}, 240_000);

afterAll(async () => {
  await server?.stop();
});

const predict = (model: string, instances: unknown[], probabilities = false) =>
  call(`${server.url}/v1/models/${model}:predict${probabilities ? '?probabilities=true' : ''}`, { body: { instances } });

describe.each([
  ['lr', 'logistic_regression'],
  ['lr-names', 'logistic_regression_names'],
  ['lr-nozipmap', 'logistic_regression_names'],
  ['rf', 'random_forest'],
  ['rf-binary', 'random_forest_binary'],
  ['text', 'tfidf_logistic_regression'],
])('classifier %s (scikit-learn %s)', (model, key) => {
  test(":predict gives scikit-learn's labels, ?probabilities=true its predict_proba within 1e-5", async () => {
    const expected = ref[key];
    const labels = await predict(model, expected.X);
    expect(labels.status).toBe(200);
    expect(labels.json.predictions).toEqual(expected.predict);
    const proba = await predict(model, expected.X, true);
    expect(maxAbsDiff(proba.json.predictions.flat(), expected.predict_proba.flat())).toBeLessThan(1e-5);
  });

  test('OIP v2 gives the same labels and probabilities', async () => {
    const expected = ref[key];
    const text = typeof expected.X[0] === 'string';
    const input = text
      ? { name: 'input', datatype: 'BYTES', shape: [expected.X.length, 1], data: expected.X }
      : { name: 'X', datatype: 'FP32', shape: [expected.X.length, expected.X[0].length], data: expected.X };
    const r = await call(`${server.url}/v2/models/${model}/infer`, { body: { inputs: [input] } });
    expect(r.status).toBe(200);
    expect(r.json.outputs[0].data).toEqual(expected.predict);
    expect(maxAbsDiff(r.json.outputs[1].data, expected.predict_proba.flat())).toBeLessThan(1e-5);
  });
});

test.each([
  ['gbr', 'gradient_boosting_regressor'],
  ['rfr', 'random_forest_regressor'],
])("regressor %s matches scikit-learn's predict (float32 relative error < 1e-5)", async (model, key) => {
  const expected = ref[key];
  const r = await predict(model, expected.X);
  expect(r.status).toBe(200);
  r.json.predictions.forEach((v: number, i: number) =>
    expect(Math.abs(v - expected.predict[i]) / Math.max(1, Math.abs(expected.predict[i]))).toBeLessThan(1e-5),
  );
});

test("StandardScaler + Normalizer with float64 input matches scikit-learn's transform", async () => {
  const expected = ref.scaler_normalizer;
  const r = await call(`${server.url}/v2/models/scaler/infer`, {
    body: { inputs: [{ name: 'X', datatype: 'FP64', shape: [expected.X.length, 4], data: expected.X }] },
  });
  expect(r.status).toBe(200);
  expect(maxAbsDiff(r.json.outputs[0].data, expected.transform.flat())).toBeLessThan(1e-5);
});
