import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { modelKinds } from '../../src/cli/kinds.js';
import { halfToNumber, numberToHalf } from '../../src/core/datatypes.js';
import * as F from '../tasks/onnx/fixtures.js';
import { argmax, linearProba, maxAbsDiff, regress, textProba } from '../tasks/onnx/reference.js';
import { echoKind, makeEchoRepo } from './oip/echo-model.js';
import { call, startV2Server, type V2Server } from './oip/http.js';

/**
 * KServe V1 (`/v1/models/{name}:predict`) and the reference-style
 * `/models/{name}/score` on models of kind `onnx`, over real HTTP.
 */
const linear = F.linearParams(3, 4, [0, 1, 2], 21);
const strings = F.linearParams(3, 4, ['setosa', 'versicolor', 'virginica'], 22);
const text = F.textParams(23);
const gbm = F.regressorParams(10, 3, 4, 'SUM', 24);
const rows = [
  [5.1, 3.5, 1.4, 0.2],
  [6.2, 2.9, 4.3, 1.3],
  [7.7, 3.0, 6.1, 2.3],
  [-1, 0.5, -0.5, 1],
];

let server: V2Server;
let base: string;

beforeAll(async () => {
  server = await startV2Server(
    [...modelKinds, echoKind],
    async (dir) => {
      await F.writeModelFolder(dir, 'iris', F.linearClassifierModel(linear, true));
      await F.writeModelFolder(dir, 'iris-names', F.linearClassifierModel(strings, false));
      await F.writeModelFolder(dir, 'iris-proba', F.linearClassifierModel(linear, true), { kind: 'onnx', options: { predict: { returns: 'probabilities' } } });
      await F.writeModelFolder(dir, 'intents', F.textPipelineModel(text));
      await F.writeModelFolder(dir, 'gbm', F.treeRegressorModel(gbm));
      await F.writeModelFolder(dir, 'two', F.twoInputModel([1, 2, 3, 4, 5], 0));
      await F.writeModelFolder(dir, 'half', F.fp16Model([0.5, 2, -3]));
      await makeEchoRepo(dir);
    },
    { onnxThreads: 1 },
  );
  base = server.url;
}, 240_000);

afterAll(async () => {
  await server?.stop();
});

const predict = (model: string, body: unknown, query = '') => call(`${base}/v1/models/${model}:predict${query}`, { body: body as object });

describe('POST /v1/models/{name}:predict', () => {
  test("instances → predicted labels, as KServe's scikit-learn server returns them", async () => {
    const r = await predict('iris', { instances: rows });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ predictions: rows.map((x) => argmax(linearProba(linear, x))) });
    const named = await predict('iris-names', { instances: rows });
    expect(named.json.predictions).toEqual(rows.map((x) => strings.labels[argmax(linearProba(strings, x))]));
  });

  test('?probabilities=true → one probability row per instance (predict_proba); config can make it the default', async () => {
    const r = await predict('iris', { instances: rows }, '?probabilities=true');
    expect(r.status).toBe(200);
    expect(r.json.predictions).toHaveLength(rows.length);
    r.json.predictions.forEach((p: number[], i: number) => expect(maxAbsDiff(p, linearProba(linear, rows[i]!))).toBeLessThan(1e-5));
    const byDefault = await predict('iris-proba', { instances: rows });
    expect(
      maxAbsDiff(
        byDefault.json.predictions.flat(),
        rows.flatMap((x) => linearProba(linear, x)),
      ),
    ).toBeLessThan(1e-5);
    const labels = await predict('iris-proba', { instances: rows }, '?probabilities=false');
    expect(labels.json.predictions).toEqual(rows.map((x) => argmax(linearProba(linear, x))));
  });

  test('"inputs" works like "instances"', async () => {
    const r = await predict('iris', { inputs: rows.slice(0, 2) });
    expect(r.json.predictions).toEqual(rows.slice(0, 2).map((x) => argmax(linearProba(linear, x))));
  });

  test('a text pipeline takes one string per instance', async () => {
    const questions = ['I lost my card', 'refund please', 'when will my transfer arrive'];
    const r = await predict('intents', { instances: questions });
    expect(r.status).toBe(200);
    expect(r.json.predictions).toEqual(questions.map((q) => text.classifier.labels[argmax(textProba(text, q))]));
  });

  test('a regressor returns one number per instance', async () => {
    const r = await predict('gbm', { instances: rows });
    expect(
      maxAbsDiff(
        r.json.predictions,
        rows.map((x) => regress(gbm, x)),
      ),
    ).toBeLessThan(1e-4);
  });

  test('several inputs: objects by input name, or columns by input name', async () => {
    const byRow = await predict('two', {
      instances: [
        { a: [1, 2], b: [3, 4, 5] },
        { a: [0, 0], b: [0, 0, 1] },
      ],
    });
    expect(byRow.status).toBe(200);
    expect(byRow.json.predictions).toEqual([1 + 4 + 9 + 16 + 25, 5]);
    const columns = await predict('two', {
      inputs: {
        a: [
          [1, 2],
          [0, 0],
        ],
        b: [
          [3, 4, 5],
          [0, 0, 1],
        ],
      },
    });
    expect(columns.json.predictions).toEqual([55, 5]);
  });

  test('an FP16 model takes JSON numbers (rounded to halves) and answers numbers', async () => {
    const x = [[0.1, 1.5, -2]];
    const r = await predict('half', { instances: x });
    expect(r.status).toBe(200);
    const expected = x[0]!.map((v, i) => halfToNumber(numberToHalf(Math.fround(halfToNumber(numberToHalf(v)) * [0.5, 2, -3][i]!))));
    expect(r.json.predictions).toEqual([expected]);
  });

  test.each([
    ['no instances', {}, /give either "instances" \(one entry per row\) or "inputs"; the model takes "X" FP32 \[-1,4\]/],
    ['both', { instances: rows, inputs: rows }, /give either "instances"/],
    ['empty', { instances: [] }, /"instances" is empty/],
    ['not a list', { instances: 'abc' }, /"instances" must be an array with one entry per row; the model takes "X" FP32 \[-1,4\]/],
    ['wrong row length', { instances: [[1, 2, 3]] }, /input "X": shape \[1,4\] needs 4 elements, but "data" holds 3/],
    [
      'ragged rows',
      {
        instances: [
          [1, 2, 3, 4],
          [1, 2],
        ],
      },
      /input "X": shape \[2,4\] needs 8 elements/,
    ],
    ['strings for a numeric model', { instances: [['a', 'b', 'c', 'd']] }, /input "X": element 0 must be a number \(FP32\)/],
  ])('400 with what the model expects: %s', async (_, body, message) => {
    const r = await predict('iris', body);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(message);
  });

  test('400 for a multi-input model given plain rows, naming its inputs', async () => {
    const r = await predict('two', { instances: [[1, 2, 3, 4, 5]] });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(
      /the model has 2 inputs \("a" FP32 \[-1,2\], "b" FP32 \[-1,3\]\): each entry of "instances" must be an object \{"a": …, "b": …\}/,
    );
  });

  test('404 for an unknown model; 400 for a model without the V1 API', async () => {
    const unknown = await predict('nope', { instances: rows });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatch(/model "nope" is not in the repository/);
    const echo = await predict('echo', { instances: rows });
    expect(echo.status).toBe(400);
    expect(echo.json.error).toMatch(/has no V1 predict API; use \/v2\/models\/echo\/infer/);
  });
});

describe('GET /v1/models[/{name}]', () => {
  test('lists models and answers readiness as KServe does', async () => {
    const list = await call(`${base}/v1/models`);
    expect(list.json.models).toContain('iris');
    const ready = await call(`${base}/v1/models/iris`);
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({ name: 'iris', ready: true });
    const missing = await call(`${base}/v1/models/nope`);
    expect(missing.status).toBe(404);
    expect(typeof missing.json.error).toBe('string');
  });
});

describe("POST /models/{name}/score in the reference's style", () => {
  test('{"input": rows} → {"result": [labels, "Computed in X ms"]}', async () => {
    const r = await call(`${base}/models/iris-names/score`, { body: { input: rows } });
    expect(r.status).toBe(200);
    expect(r.json.result[0]).toEqual(rows.map((x) => strings.labels[argmax(linearProba(strings, x))]));
    expect(r.json.result[1]).toMatch(/^Computed in [0-9.]+ ms$/);
  });

  test("bad rows are a 400 in the API's error shape", async () => {
    const r = await call(`${base}/models/iris/score`, { body: { input: [[1, 2]] } });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/input "X": shape \[1,4\] needs 4 elements/);
  });
});
