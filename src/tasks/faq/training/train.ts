/**
 * `rtscore train <model>`: fit the dataset's matcher on the training duplicates (in a
 * worker thread), write a new version folder of the model repository, and evaluate it on
 * the held-out test duplicates.
 *
 * With validation on (the default) a second fit, on the training questions minus a
 * stratified validation split, runs at the same time in a second worker; its validation
 * metrics are what model selection looks at (the test split is only reported).
 *
 * With `fitOn: 'all'` (the served build) the version's pipeline is fitted on every labelled
 * question, test split included: the recipe was chosen on validation, so the test questions
 * are better spent as training data. Its test figures then come from the same recipe
 * fitted on the training questions alone (a further fit, in parallel), and `evaluate`
 * refuses to score that version on a split it was trained on.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeAtomically } from '../../../core/atomic-write.js';
import { rtsError } from '../../../core/errors.js';
import type { PipelineProgressEvent } from '../../../text/index.js';
import { DATASET_CHOICES } from '../data/datasets.js';
import type { CustomDataFiles } from '../data/load-custom.js';
import { defaultPreparedDir } from '../data/paths.js';
import { loadOrPrepare, runPrepare } from '../data/prepare.js';
import type { DatasetName, PreparedSet } from '../data/types.js';
import { defaultModelConfig, FAQ_MATCHER_KIND, type FaqEntry, latestVersion } from '../model-files.js';
import { baselineMetrics, type EvaluationReport, evaluateScores } from './evaluate.js';
import { type FitJob, type FitResult, fitPipeline, fitPipelineInWorker } from './fit.js';
import { formatMetrics, type RankMetrics } from './metrics.js';
import { defaultRecipes, type MatcherRecipe } from './pipelines.js';
import { classIndex, trainingTexts, validationSplit } from './training-data.js';

export interface TrainOptions {
  /** The preset: its data (unless `data` or `input` is given), preparation defaults and recipe. */
  dataset: DatasetName;
  /** Train on these files (labelled questions + FAQs) with the preset's pipeline, instead of the shipped data. */
  data?: CustomDataFiles;
  /** Train on this folder of the preset's raw format (the reference's three TSVs for `faq`). */
  input?: string;
  /** Model repository (default `models`). */
  modelsDir?: string;
  /** Model name = its folder in the repository (default: the dataset's name). */
  name?: string;
  /** Version folder to create (default: one more than the highest existing). Never overwritten. */
  version?: string;
  print?: (line: string) => void;
  /** Progress lines a terminal may overwrite in place (default: `print`). */
  progress?: (line: string) => void;
  /** Seed of the validation split (default: the prepared set's seed, 42). Also the split seed when preparing. */
  seed?: number;
  /** Prepared set folder (default `work-data/<dataset>`, prepared there when missing); `false` = prepare in memory. */
  preparedDir?: string | false;
  /** What to train (default: the dataset's chosen recipe, see pipelines.ts). */
  recipe?: MatcherRecipe;
  /** Also fit without the validation split and report validation metrics (default true). */
  validate?: boolean;
  /** Fit in worker threads (default true; tests on tiny data may fit in-process). */
  inWorker?: boolean;
  /**
   * Questions the version's pipeline is fitted on: 'train' (default; the test figures are
   * then its own) or 'all' (training and test questions; see above).
   */
  fitOn?: 'train' | 'all';
}

export interface TrainingInfo {
  /** The preset trained with. */
  dataset: DatasetName;
  /** Where the questions came from. */
  source: string;
  model: string;
  version: string;
  recipe: MatcherRecipe;
  seed: number;
  prepare: PreparedSet['stats']['params'];
  data: {
    faqs: number;
    trainQuestions: number;
    testQuestions: number;
    trainingExamples: number;
    validationQuestions: number | null;
    /** Questions the served pipeline was fitted on ('all' = training and test). Absent in older files: 'train'. */
    fitOn: 'train' | 'all';
  };
  features: number;
  fit: { ms: number; iterations: number; converged: boolean };
  /** With fitOn 'all': the fit on the training questions alone that gave the test figures. */
  heldOutFit?: { ms: number; iterations: number; converged: boolean };
  validationFit: { ms: number; iterations: number; converged: boolean } | null;
  durations: { prepareMs: number; trainMs: number; totalMs: number };
  validation: RankMetrics | null;
  test: RankMetrics;
  /** Time to score one question (median / p95 over up to 200 test questions, ms). */
  latency: FitResult['latency'] | null;
  createdAt: string;
}

export interface TrainResult {
  name: string;
  version: string;
  versionDir: string;
  training: TrainingInfo;
  report: EvaluationReport;
}

/** `m:ss` (or `h:mm:ss`) for progress lines. */
export function clock(ms: number): string {
  const t = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/**
 * Progress of one fit as lines: feature blocks, then each epoch (`epoch 3/8`, with the
 * elapsed time and an ETA from the mean epoch so far) or L-BFGS iteration (every 10th or
 * every 2 s; no ETA: it stops when converged, at most `maxIter`). `progress` gets the lines
 * a terminal may overwrite; `print` the final one.
 */
function progressPrinter(
  label: string,
  print: (line: string) => void,
  progress: (line: string) => void,
  features: number,
  total: number | undefined,
): (e: PipelineProgressEvent) => void {
  const started = performance.now();
  let last = started;
  let trainStarted: number | undefined;
  return (e) => {
    const now = performance.now();
    const elapsed = `elapsed ${clock(now - started)}`;
    if (e.stage === 'vectorize') {
      progress(`[${label}] vectorised feature block ${(e.block ?? 0) + 1}/${features}, ${elapsed}`);
    } else if (e.stage === 'train') {
      trainStarted ??= now;
      const iter = e.iter ?? 0;
      if (e.unit === 'epoch') {
        const eta = total && iter > 0 ? `, ETA ${clock(((now - trainStarted) / iter) * (total - iter))}` : '';
        progress(`[${label}] epoch ${iter}${total ? `/${total}` : ''}: loss ${e.loss?.toFixed(5)}, ${elapsed}${eta}`);
      } else if (iter % 10 === 0 || now - last > 2000) {
        last = now;
        const gradient = e.gradNorm === undefined ? '' : `, gradient ${e.gradNorm.toExponential(2)}`;
        progress(`[${label}] iteration ${iter}${total ? ` (at most ${total})` : ''}: loss ${e.loss?.toFixed(5)}${gradient}, ${elapsed}`);
      }
    } else {
      print(`[${label}] fitted after ${e.iter} ${e.unit ?? 'iteration'}s (loss ${e.loss?.toFixed(5)}) in ${clock(now - started)}`);
    }
  };
}

/** Epochs (MLP) or the iteration limit (logistic regression) of a recipe, for progress lines. */
function plannedSteps(recipe: MatcherRecipe): number | undefined {
  const c = recipe.pipeline.classifier as { type?: string; epochs?: number; maxIter?: number } | undefined;
  return c?.type === 'mlp' ? c.epochs : c?.maxIter;
}

export async function runTrain(options: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  const { dataset } = options;
  const print = options.print ?? (() => {});
  const name = options.name ?? dataset;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
    throw rtsError('INVALID_INPUT', `model name ${JSON.stringify(name)} must be letters, digits, '.', '_' or '-'`);
  const modelDir = resolve(options.modelsDir ?? 'models', name);
  const recipe = options.recipe ?? defaultRecipes[dataset];
  if (!recipe) throw rtsError('INVALID_INPUT', `unknown dataset ${JSON.stringify(dataset)} (expected ${DATASET_CHOICES})`);
  const version = options.version ?? String(Number((await latestVersion(modelDir)) ?? 0) + 1);
  if (!/^[1-9]\d*$/.test(version)) throw rtsError('INVALID_INPUT', `version must be a positive integer, got ${JSON.stringify(version)}`);
  const versionDir = join(modelDir, version);
  if (existsSync(versionDir)) throw rtsError('INVALID_INPUT', `${versionDir} already exists; choose another version`);

  // Data.
  const own = options.data ?? options.input;
  const seedOption = options.seed === undefined ? {} : { seed: options.seed };
  const set =
    own !== undefined
      ? await runPrepare({ dataset, out: false, print, ...seedOption, ...(options.data ? { custom: options.data } : { input: options.input! }) })
      : options.preparedDir === false
        ? await runPrepare({ dataset, out: false, print, ...seedOption })
        : await loadOrPrepare(dataset, options.preparedDir ?? defaultPreparedDir(dataset), print, options.seed);
  const source = options.data ? `${options.data.questions} + ${options.data.faqs}` : (options.input ?? `the shipped ${dataset} data`);
  const prepareMs = performance.now() - started;
  const seed = options.seed ?? set.stats.params.seed;
  const nClasses = set.originals.length;
  const fitOn = options.fitOn ?? 'train';
  const trainOnly = trainingTexts(set, set.train, recipe.addFaqText);
  const full = fitOn === 'all' ? trainingTexts(set, [...set.train, ...set.test], recipe.addFaqText) : trainOnly;
  const validate = options.validate ?? true;
  const vs = validate ? validationSplit(set.train, seed) : undefined;
  print(
    `training ${name} version ${version} on ${own !== undefined ? `${source} (${dataset} preset)` : dataset}: ${nClasses} FAQs, ${set.train.length} training questions` +
      `${recipe.addFaqText ? ' + the FAQ texts' : ''}, ${set.test.length} test questions` +
      (fitOn === 'all' ? ` (the served fit also learns from the test questions; test figures from a fit without them)` : '') +
      (vs ? `; validation fit on ${vs.fit.length}, validated on ${vs.validation.length}` : ''),
  );

  // Fits (the final one and, in parallel, the validation one).
  const testTexts = set.test.map((q) => q.text);
  const finalJob: FitJob = {
    options: recipe.pipeline,
    texts: full.texts,
    y: full.y,
    nClasses,
    ...(fitOn === 'train' ? { evalTexts: testTexts } : {}),
    latencyTexts: set.test.slice(0, 200).map((q) => q.text),
  };
  const heldOutJob: FitJob | undefined =
    fitOn === 'all' ? { options: recipe.pipeline, texts: trainOnly.texts, y: trainOnly.y, nClasses, evalTexts: testTexts } : undefined;
  const valJob: FitJob | undefined = vs && {
    options: recipe.pipeline,
    nClasses,
    ...trainingTexts(set, vs.fit, recipe.addFaqText),
    evalTexts: vs.validation.map((q) => q.text),
  };
  const nBlocks = recipe.pipeline.features.length;
  const fit = (job: FitJob, label: string): Promise<FitResult> => {
    const onProgress = progressPrinter(label, print, options.progress ?? print, nBlocks, plannedSteps(recipe));
    if (options.inWorker === false) return Promise.resolve().then(() => fitPipeline(job, onProgress));
    return fitPipelineInWorker(job, onProgress);
  };
  const trainStarted = performance.now();
  const [finalFit, heldOutFit, valFit] = await Promise.all([
    fit(finalJob, 'final'),
    heldOutJob ? fit(heldOutJob, 'held-out') : undefined,
    valJob ? fit(valJob, 'validation') : undefined,
  ]);
  const trainMs = performance.now() - trainStarted;

  // Metrics.
  const classOf = classIndex(set);
  const test = evaluateScores((heldOutFit ?? finalFit).evalProba!, nClasses, set.test, classOf);
  const validation = valFit && vs ? evaluateScores(valFit.evalProba!, nClasses, vs.validation, classOf) : null;
  const faqs: FaqEntry[] = set.originals.map((o) => ({ id: o.id, answerId: o.answerId, question: o.question, answer: o.answer }));
  const baseline = baselineMetrics(set, faqs, set.test);
  if (validation) print(`validation: ${formatMetrics(validation)}`);
  print(`test:       ${formatMetrics(test)}`);
  print(`baseline:   ${formatMetrics(baseline)} (TF-IDF cosine similarity, test)`);
  if (finalFit.latency) print(`scoring one question: median ${finalFit.latency.medianMs.toFixed(3)} ms, p95 ${finalFit.latency.p95Ms.toFixed(3)} ms`);

  const fitInfo = (f: FitResult): TrainingInfo['fit'] => ({ ms: Math.round(f.fitMs), iterations: f.nIter, converged: f.converged });
  const training: TrainingInfo = {
    dataset,
    source,
    model: name,
    version,
    recipe,
    seed,
    prepare: set.stats.params,
    data: {
      faqs: nClasses,
      trainQuestions: set.train.length,
      testQuestions: set.test.length,
      trainingExamples: full.texts.length,
      validationQuestions: vs ? vs.validation.length : null,
      fitOn,
    },
    features: finalFit.nFeatures,
    fit: fitInfo(finalFit),
    ...(heldOutFit ? { heldOutFit: fitInfo(heldOutFit) } : {}),
    validationFit: valFit ? fitInfo(valFit) : null,
    durations: { prepareMs: Math.round(prepareMs), trainMs: Math.round(trainMs), totalMs: Math.round(performance.now() - started) },
    validation,
    test,
    latency: finalFit.latency ?? null,
    createdAt: new Date().toISOString(),
  };
  const report: EvaluationReport = {
    dataset,
    model: name,
    version,
    split: 'test',
    metrics: test,
    baseline,
    faqCount: nClasses,
    evaluatedAt: training.createdAt,
  };

  // Write the version atomically: a hidden temporary folder renamed into place, so the
  // registry never sees a half-written version.
  await mkdir(modelDir, { recursive: true });
  const configPath = join(modelDir, 'config.json');
  if (!existsSync(configPath)) {
    const config =
      own === undefined
        ? defaultModelConfig(dataset)
        : // Not a shipped set: no `dataset` option (that would point tools at the shipped questions).
          { kind: FAQ_MATCHER_KIND, description: `FAQ matcher trained on ${source}`, options: { topK: 5 } };
    await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);
  }
  await writeAtomically(versionDir, async (tmp) => {
    await mkdir(tmp);
    await Promise.all([
      writeFile(join(tmp, 'pipeline.bin'), finalFit.bytes),
      writeFile(join(tmp, 'faqs.json'), `${JSON.stringify(faqs, null, 2)}\n`),
      writeFile(join(tmp, 'training.json'), `${JSON.stringify(training, null, 2)}\n`),
      writeFile(join(tmp, 'metrics.json'), `${JSON.stringify(report, null, 2)}\n`),
    ]);
  });
  training.durations.totalMs = Math.round(performance.now() - started);
  print(`wrote ${versionDir} (pipeline.bin ${(finalFit.bytes.length / 1e6).toFixed(2)} MB) in ${(training.durations.totalMs / 1000).toFixed(1)} s`);
  return { name, version, versionDir, training, report };
}
