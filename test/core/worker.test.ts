import { describe, expect, it } from 'vitest';
import { runWorkerJob } from '../../src/core/worker.js';

const job = new URL('./fixtures/job-worker.ts', import.meta.url);
type Outcome = 'result' | 'rts-error' | 'error' | 'exit';
const run = (outcome: Outcome, progress: string[] = []) =>
  runWorkerJob<{ bytes: Uint8Array }, string>(job, { outcome }, { what: 'testing', failure: 'MODEL_LOAD_FAILED', onProgress: (p) => progress.push(p) });

describe('one-shot worker jobs', () => {
  it('pass progress on and resolve with the result (transferred buffers arrive intact)', async () => {
    const progress: string[] = [];
    const result = await run('result', progress);
    expect(Array.from(result.bytes)).toEqual([1, 2, 3]);
    expect(progress).toEqual(['started', 'halfway']);
  });

  it('keep the code and status of an RtsError thrown in the worker', async () => {
    await expect(run('rts-error')).rejects.toMatchObject({ code: 'RTS_ERR_BAD_IMAGE', statusCode: 400, message: 'the worker refused the image' });
  });

  it("turn any other failure into the caller's error kind, with what failed", async () => {
    await expect(run('error')).rejects.toMatchObject({ code: 'RTS_ERR_MODEL_LOAD_FAILED', message: 'testing failed: something broke' });
    await expect(run('exit')).rejects.toMatchObject({ code: 'RTS_ERR_MODEL_LOAD_FAILED', message: 'testing worker exited with code 3 before finishing' });
  });
});
