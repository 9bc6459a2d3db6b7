import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rtsError } from '../../core/errors.js';
import { listVersions } from '../../core/registry.js';
import { type Inspection, inspectOnnxFile } from './inspect.js';

/**
 * `rtscore add-model <name> <file.onnx>`: put an exported model into the
 * repository as the next version of model `<name>` (kind `onnx`): the folder
 * and a config.json are created when missing, the file is checked first
 * (a file rtscore cannot serve is refused, saying why) and copied in whole
 * or not at all.
 */
export interface AddModelResult {
  modelDir: string;
  version: string;
  path: string;
  createdConfig: boolean;
  inspection: Inspection;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export async function addOnnxModel(modelsDir: string, name: string, file: string): Promise<AddModelResult> {
  if (!NAME.test(name)) throw rtsError('INVALID_INPUT', `model name "${name}" must be letters, digits, . _ - (at most 128, not starting with . _ -)`);
  const inspection = await inspectOnnxFile(file);
  if (inspection.problem) throw rtsError('INVALID_INPUT', `not added: ${inspection.problem}`);
  const modelDir = join(modelsDir, name);
  const configPath = join(modelDir, 'config.json');
  let createdConfig = false;
  let modelFile = 'model.onnx';
  const existing = await readFile(configPath, 'utf8').catch(() => undefined);
  if (existing === undefined) {
    await mkdir(modelDir, { recursive: true });
    await writeFile(configPath, `${JSON.stringify(inspection.config, null, 2)}\n`);
    createdConfig = true;
  } else {
    let config: { kind?: unknown; options?: { file?: unknown } };
    try {
      config = JSON.parse(existing) as typeof config;
    } catch {
      throw rtsError('CONFIG', `${configPath} is not valid JSON; fix it or choose another model name`);
    }
    if (config.kind !== 'onnx') {
      throw rtsError('CONFIG', `model "${name}" exists with kind "${String(config.kind)}"; add-model adds versions to kind "onnx" models only`);
    }
    if (typeof config.options?.file === 'string') modelFile = config.options.file;
  }
  const versions = await listVersions(modelDir);
  const version = String(versions.length === 0 ? 1 : Number(versions.at(-1)) + 1);
  const versionDir = join(modelDir, version);
  const path = join(versionDir, modelFile);
  const partial = join(modelDir, `.${version}.partial`);
  try {
    // Copied beside, then renamed: a server watching the folder never sees half a version.
    await mkdir(partial, { recursive: true });
    await copyFile(file, join(partial, modelFile));
    await rename(partial, versionDir);
  } catch (err) {
    await rm(partial, { recursive: true, force: true });
    throw rtsError('INTERNAL', `could not add ${file} as ${versionDir}: ${(err as Error).message}`, { cause: err });
  }
  return { modelDir, version, path, createdConfig, inspection };
}
