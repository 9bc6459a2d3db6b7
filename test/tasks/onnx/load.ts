import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowPredictor } from '../../../src/core/capabilities.js';
import { defaultRuntimeSettings } from '../../../src/core/model.js';
import { modelConfigSchema } from '../../../src/core/model-config.js';
import { nullObserver } from '../../../src/core/observer.js';
import { onnxModelKind } from '../../../src/tasks/onnx/model.js';
import { captureLogger, type LogLine } from '../../backends/onnx/helpers.js';
import { writeModelFolder } from './fixtures.js';

/** Load a fixture through the `onnx` model kind (no server), as the registry would. */
export async function loadFixture(
  model: Uint8Array,
  config: object = { kind: 'onnx' },
): Promise<{ model: RowPredictor; lines: LogLine[]; close(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'rtscore-byom-'));
  const dir = await writeModelFolder(root, 'm', model, config);
  const { logger, lines } = captureLogger();
  try {
    const loaded = (await onnxModelKind.load({
      name: 'm',
      version: '1',
      modelDir: dir,
      versionDir: join(dir, '1'),
      config: modelConfigSchema.parse(config),
      logger,
      observer: nullObserver,
      settings: { ...defaultRuntimeSettings, intraOpThreads: 1 },
    })) as RowPredictor;
    return {
      model: loaded,
      lines,
      close: async () => {
        await loaded.close();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw err;
  }
}
