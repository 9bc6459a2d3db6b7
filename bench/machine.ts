import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { packageVersion } from '../src/cli/version.js';

/** Facts about the machine and software a benchmark ran on, printed and saved with the figures. */
export interface MachineFacts {
  cpu: string;
  /** Logical CPUs this process may use. */
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  rtscore: string;
  onnxruntime: string;
  /** ISO time the benchmark started. */
  date: string;
  /** 1-minute load average when the benchmark started: other work on the machine skews the figures. */
  loadAverage: number;
}

export function machineFacts(): MachineFacts {
  const cpus = os.cpus();
  return {
    cpu: cpuModel() ?? cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism?.() ?? cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    rtscore: packageVersion(),
    onnxruntime: onnxRuntimeVersion(),
    date: new Date().toISOString(),
    loadAverage: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

/** One line for the report header. */
export function describeMachine(m: MachineFacts): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}, onnxruntime-node ${m.onnxruntime}, rtscore ${m.rtscore}; ${m.date}; load average ${m.loadAverage}`;
}

/** /proc/cpuinfo names the model more fully than os.cpus() on some virtual machines. */
function cpuModel(): string | undefined {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => /^model name\s*:/.test(l));
    return line?.split(':').slice(1).join(':').trim() || undefined;
  } catch {
    return undefined;
  }
}

function onnxRuntimeVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    const pkg = require('onnxruntime-node/package.json') as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
