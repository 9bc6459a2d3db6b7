import { join, resolve } from 'node:path';
import { packageRoot } from '../../../core/package-root.js';
import { type DatasetName, datasetPresets } from './datasets.js';

/** The shipped data of each dataset (under the package's `data/`). */
export function defaultInput(dataset: DatasetName): string {
  return join(packageRoot(), 'data', datasetPresets[dataset].folder);
}

/** Where `prepare` writes and `train` reads a prepared set: `work-data/<dataset>` (current directory). */
export function defaultPreparedDir(dataset: DatasetName): string {
  return resolve('work-data', dataset);
}
