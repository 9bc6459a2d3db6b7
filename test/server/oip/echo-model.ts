import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rtsError } from '../../../src/core/errors.js';
import type { InferOptions, Model, ModelKind, ModelLoadContext, ModelMetadata } from '../../../src/core/model.js';
import type { Tensor, TensorSpec } from '../../../src/core/tensor.js';

/**
 * An identity model for protocol tests: every input comes back unchanged as
 * the output `<input>_out`. The real models take only FP32 and BYTES; this
 * one lets the HTTP tests carry INT64, UINT64, BOOL and FP16 end to end.
 * A request parameter `delay_ms` holds the request in flight that long, and
 * a closed model refuses work, so repository tests can see that reloads and
 * unloads let in-flight requests finish on the instance they started on.
 * A request parameter `hold: "<key>"` holds it until the test releases that key
 * (`holdRequests`), so a test knows for certain that the request is in flight.
 */
const INPUTS: TensorSpec[] = [
  { name: 'i64', datatype: 'INT64', shape: [-1] },
  { name: 'u64', datatype: 'UINT64', shape: [-1] },
  { name: 'flags', datatype: 'BOOL', shape: [-1] },
  { name: 'half', datatype: 'FP16', shape: [-1] },
  { name: 'text', datatype: 'BYTES', shape: [-1] },
  { name: 'scores', datatype: 'FP32', shape: [-1, 3] },
];

interface Hold {
  arrived: () => void;
  released: Promise<void>;
}
const holds = new Map<string, Hold>();

/**
 * Hold the next request sent with parameter `hold: key` inside `infer` until `release()`;
 * `arrived` resolves once it is there (in flight, on the instance that will answer it).
 */
export function holdRequests(key: string): { arrived: Promise<void>; release: () => void } {
  let arrived!: () => void;
  let release!: () => void;
  const arrival = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  holds.set(key, { arrived, released });
  return { arrived: arrival, release };
}

class EchoModel implements Model {
  readonly kind = 'oip-echo';
  readonly metadata: ModelMetadata;
  constructor(
    readonly name: string,
    readonly version: string,
  ) {
    this.metadata = {
      name,
      version,
      kind: this.kind,
      platform: 'rtscore_echo',
      maxBatchSize: 1,
      inputs: INPUTS,
      outputs: INPUTS.map((s) => ({ ...s, name: `${s.name}_out` })),
      labels: { scores_out: ['ant', 'bee', 'cat'] },
    };
  }

  private closed = false;

  async infer(inputs: Tensor[], options: InferOptions = {}): Promise<Tensor[]> {
    if (this.closed) throw rtsError('INTERNAL', `echo version ${this.version} used after close`);
    const delay = Number(options.parameters?.delay_ms ?? 0);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    const hold = holds.get(String(options.parameters?.hold));
    if (hold) {
      holds.delete(String(options.parameters?.hold));
      hold.arrived();
      await hold.released;
    }
    if (this.closed) throw rtsError('INTERNAL', `echo version ${this.version} closed during a request`);
    const out = inputs.map((t) => ({ name: `${t.name}_out`, datatype: t.datatype, shape: t.shape, data: t.data }));
    if (!options.outputs) return out;
    return options.outputs.map((name) => {
      const t = out.find((o) => o.name === name);
      if (!t) throw rtsError('INVALID_INPUT', `output "${name}" needs input "${name.replace(/_out$/, '')}"`);
      return t;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

export const echoKind: ModelKind = {
  kind: 'oip-echo',
  async load(ctx: ModelLoadContext) {
    return new EchoModel(ctx.name, ctx.version);
  },
};

/** Write `<dir>/<name>/config.json` and an empty version 1. */
export async function makeEchoRepo(dir: string, name = 'echo'): Promise<void> {
  await mkdir(join(dir, name, '1'), { recursive: true });
  await writeFile(join(dir, name, 'config.json'), JSON.stringify({ kind: 'oip-echo' }));
}
