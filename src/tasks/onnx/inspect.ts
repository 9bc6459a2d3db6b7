import { readFile } from 'node:fs/promises';
import { isRtsError, rtsError } from '../../core/errors.js';
import { decodeModel, describeValue, type ValueDescription } from './graph.js';
import { type PreparedModel, prepareModel } from './prepare.js';

/**
 * What `rtscore inspect <file.onnx>` reports: where the file comes from, what
 * it takes and returns (as the ONNX graph declares it and as rtscore will
 * serve it), the fixes applied at load, and a config.json to start from.
 */
export interface Inspection {
  file: string;
  bytes: number;
  producer: string;
  irVersion: number;
  opsets: { domain: string; version: number }[];
  operators: string[];
  /** Outputs as the file declares them (a ZipMap output is a sequence of maps). */
  declaredOutputs: ValueDescription[];
  /** Undefined when the model cannot be served; `problem` says why. */
  served?: PreparedModel;
  problem?: string;
  config: Record<string, unknown>;
}

export async function inspectOnnxFile(path: string): Promise<Inspection> {
  const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
    throw rtsError('INVALID_INPUT', `cannot read ${path} (${err.code ?? err.message})`);
  });
  const model = decodeModel(bytes, path);
  const declaredOutputs = (model.graph?.output ?? []).map(describeValue);
  let served: PreparedModel | undefined;
  let problem: string | undefined;
  try {
    served = prepareModel(bytes, path);
  } catch (err) {
    if (!isRtsError(err)) throw err;
    problem = err.message;
  }
  const batchable = served?.inputs.every((i) => i.shape?.[0] === -1) === true;
  const config: Record<string, unknown> = { kind: 'onnx' };
  // No queue delay: requests that arrive while a run is busy are batched, a lone one runs at once.
  if (batchable) config.batching = { maxBatchSize: 8, maxQueueDelayMs: 0 };
  return {
    file: path,
    bytes: bytes.length,
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' ') || 'unknown',
    irVersion: served?.irVersion ?? 0,
    opsets: served?.opsets ?? [],
    operators: served?.operators ?? [...new Set((model.graph?.node ?? []).map((n) => (n.domain ? `${n.domain}:${n.opType}` : (n.opType ?? ''))))].sort(),
    declaredOutputs,
    ...(served ? { served } : {}),
    ...(problem ? { problem } : {}),
    config,
  };
}

function describe(v: ValueDescription): string {
  return v.kind === 'tensor' ? `${v.name}  ${v.datatype} [${v.shape!.join(', ')}]` : `${v.name}  ${v.type} (not a tensor)`;
}

/** The report as text, one fact per line. */
export function formatInspection(r: Inspection): string[] {
  const lines = [
    `file:       ${r.file} (${r.bytes.toLocaleString('en-US')} bytes)`,
    `producer:   ${r.producer}`,
    `opsets:     ${r.opsets.map((o) => `${o.domain} ${o.version}`).join(', ') || 'unknown'}  (IR version ${r.irVersion})`,
    `operators:  ${r.operators.join(', ')}`,
  ];
  if (r.served) {
    lines.push('inputs (OIP datatype, shape; -1 = any size):');
    for (const i of r.served.inputs) lines.push(`  ${describe(i)}`);
    lines.push('outputs as served:');
    for (const o of r.served.outputs) {
      const labels = r.served.labels[o.name];
      lines.push(`  ${describe(o)}${labels ? `  classes ${JSON.stringify(labels)}` : ''}`);
    }
    const changed = r.declaredOutputs.filter((o) => o.kind !== 'tensor');
    if (changed.length > 0) lines.push(`declared in the file as: ${changed.map(describe).join('; ')}`);
    lines.push(...(r.served.notes.length > 0 ? ['fixed at load:', ...r.served.notes.map((n) => `  ${n}`)] : ['fixed at load: nothing (served as it is)']));
  } else {
    lines.push('outputs declared:', ...r.declaredOutputs.map((o) => `  ${describe(o)}`));
    lines.push(`cannot be served: ${r.problem}`);
  }
  lines.push('suggested config.json:', JSON.stringify(r.config, null, 2));
  return lines;
}
