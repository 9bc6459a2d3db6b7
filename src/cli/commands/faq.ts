import { InvalidArgumentError, Option, type Command } from 'commander';
import { DATASET_CHOICES, isDatasetName, type DatasetName } from '../../tasks/faq/data/datasets.js';
import { runEvaluate } from '../../tasks/faq/training/evaluate.js';
import { runPrepare } from '../../tasks/faq/data/prepare.js';
import { runTrain } from '../../tasks/faq/training/train.js';
import { fraction, int, print } from '../options.js';

type Dataset = DatasetName;

function dataset(value: string): Dataset {
  if (!isDatasetName(value)) throw new InvalidArgumentError(`unknown dataset "${value}" (${DATASET_CHOICES})`);
  return value;
}

/** `rtscore prepare|train|evaluate <faq|banking77>`. */
export function registerFaqCommands(program: Command): void {
  program
    .command('prepare')
    .description('clean, filter and split an FAQ data set; faq = Stack Exchange duplicates, banking77 = labelled questions')
    .argument('<dataset>', DATASET_CHOICES, dataset)
    .option('--input <dir>', 'folder with orig-q/dup-q/ans.tsv(.gz) (faq) or train.csv + faqs.json (banking77)')
    .option('--out <dir>', 'where to write the prepared set (default work-data/<dataset>)')
    .option('--min-text <n>', 'minimum cleaned text length (default: 150 for faq, 0 for banking77)', int('min-text'))
    .option('--min-dupes <n>', 'minimum questions per FAQ (default: 5 for faq, 1 for banking77)', int('min-dupes'))
    .option('--test-size <f>', 'share of each class held out for test (default 0.21)', fraction('test-size'))
    .option('--seed <n>', 'split seed (default 42)', int('seed'))
    .action(async (ds: Dataset, o: { input?: string; out?: string; minText?: number; minDupes?: number; testSize?: number; seed?: number }) => {
      await runPrepare({ dataset: ds, ...o, print });
    });
  program
    .command('train')
    .description('train an FAQ model into the model repository (prepares the data if needed)')
    .argument('<dataset>', DATASET_CHOICES, dataset)
    .option('--models <dir>', 'model repository', 'models')
    .option('--name <name>', 'model name (default: the dataset name)')
    .option('--version <v>', 'version folder to write (default: next number)')
    .option('--seed <n>', 'seed (default 42)', int('seed'))
    .addOption(new Option('--fit-on <rows>', 'questions the served pipeline learns from: train, or all (test too; test figures then from a fit without them)').choices(['train', 'all']).default('train'))
    .action(async (ds: Dataset, o: { models: string; name?: string; version?: string; seed?: number; fitOn: 'train' | 'all' }) => {
      await runTrain({ dataset: ds, modelsDir: o.models, ...(o.name ? { name: o.name } : {}), ...(o.version ? { version: o.version } : {}), ...(o.seed !== undefined ? { seed: o.seed } : {}), fitOn: o.fitOn, print });
    });
  program
    .command('evaluate')
    .description('rank of the true FAQ on the test split: Accuracy@1/2/3 and mean rank')
    .argument('<dataset>', DATASET_CHOICES, dataset)
    .option('--models <dir>', 'model repository', 'models')
    .option('--name <name>', 'model name (default: the dataset name)')
    .option('--version <v>', 'model version (default: latest)')
    .action(async (ds: Dataset, o: { models: string; name?: string; version?: string }) => {
      await runEvaluate({ dataset: ds, modelsDir: o.models, ...(o.name ? { name: o.name } : {}), ...(o.version ? { version: o.version } : {}), print });
    });
}
