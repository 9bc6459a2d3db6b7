import { type Command, InvalidArgumentError, Option } from 'commander';
import { rtsError } from '../../core/errors.js';
import { DATASET_CHOICES, type DatasetName, isDatasetName } from '../../tasks/faq/data/datasets.js';
import { runPrepare } from '../../tasks/faq/data/prepare.js';
import { runEvaluate } from '../../tasks/faq/training/evaluate.js';
import { runTrain } from '../../tasks/faq/training/train.js';
import { fraction, int, print } from '../options.js';
import { statusLine } from '../status-line.js';

type Dataset = DatasetName;

function dataset(value: string): Dataset {
  if (!isDatasetName(value)) throw new InvalidArgumentError(`unknown dataset "${value}" (${DATASET_CHOICES})`);
  return value;
}

/** What `train` was given: a preset alone, or the user's files with the preset whose pipeline they get. */
function customData(
  preset: Dataset | undefined,
  o: { data?: string; faqs?: string; format: 'csv' | 'reference'; name?: string },
): { preset: Dataset; source: { data?: { questions: string; faqs: string }; input?: string } } {
  if (o.data === undefined) {
    if (o.faqs !== undefined) throw rtsError('INVALID_INPUT', '--faqs goes with --data (your labelled questions)');
    if (preset === undefined)
      throw rtsError('INVALID_INPUT', `give a preset (${DATASET_CHOICES}) or your data: rtscore train --data questions.csv --faqs faqs.json --name support`);
    return { preset, source: {} };
  }
  if (o.name === undefined) throw rtsError('INVALID_INPUT', 'with --data, name the model: --name <name> (its folder in the model repository)');
  if (o.format === 'reference') {
    if (o.faqs !== undefined) throw rtsError('INVALID_INPUT', "--format reference reads the FAQs from the folder's orig-q and ans files; leave out --faqs");
    return { preset: preset ?? 'faq', source: { input: o.data } };
  }
  if (o.faqs === undefined) throw rtsError('INVALID_INPUT', 'with --data questions.csv, give the FAQs too: --faqs faqs.json');
  return { preset: preset ?? 'banking77', source: { data: { questions: o.data, faqs: o.faqs } } };
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
    .description(
      'train an FAQ matcher into the model repository: a preset (faq, banking77: the shipped data) or your own data with the same pipeline and evaluation',
    )
    .argument('[preset]', `${DATASET_CHOICES}; with --data, the pipeline to use (default: banking77 for a CSV, faq for --format reference)`, dataset)
    .option('--data <path>', 'your labelled questions: a CSV with the columns text,label (or, with --format reference, a folder of orig-q/dup-q/ans.tsv)')
    .option('--faqs <file>', 'your FAQs: a JSON array of {"id", "question", "answer"}; each question\'s label is an FAQ id')
    .addOption(new Option('--format <format>', 'format of --data').choices(['csv', 'reference']).default('csv'))
    .option('--models <dir>', 'model repository', 'models')
    .option('--name <name>', "model name (default: the preset's name; required with --data)")
    .option('--version <v>', 'version folder to write (default: next number)')
    .option('--seed <n>', 'seed of the splits (default 42)', int('seed'))
    .addOption(
      new Option('--fit-on <rows>', 'questions the served pipeline learns from: train, or all (test too; test figures then from a fit without them)')
        .choices(['train', 'all'])
        .default('train'),
    )
    .action(
      async (
        preset: Dataset | undefined,
        o: {
          data?: string;
          faqs?: string;
          format: 'csv' | 'reference';
          models: string;
          name?: string;
          version?: string;
          seed?: number;
          fitOn: 'train' | 'all';
        },
      ) => {
        const own = customData(preset, o);
        const status = statusLine();
        try {
          await runTrain({
            dataset: own.preset,
            modelsDir: o.models,
            ...own.source,
            ...(o.name ? { name: o.name } : {}),
            ...(o.version ? { version: o.version } : {}),
            ...(o.seed !== undefined ? { seed: o.seed } : {}),
            fitOn: o.fitOn,
            print: status.print,
            progress: status.update,
          });
        } finally {
          status.done();
        }
      },
    );
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
