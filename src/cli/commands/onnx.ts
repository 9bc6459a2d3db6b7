import type { Command } from 'commander';
import { loadConfig } from '../../server/config.js';
import { addOnnxModel } from '../../tasks/onnx/add-model.js';
import { formatInspection, inspectOnnxFile } from '../../tasks/onnx/inspect.js';
import { print } from '../options.js';

/** `rtscore inspect <file.onnx>` and `rtscore add-model <name> <file.onnx>`: bring your own ONNX model. */
export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description(
      'describe an ONNX file as rtscore would serve it: producer, opsets, inputs and outputs (OIP datatypes and shapes), fixes applied at load, a suggested config.json',
    )
    .argument('<file>', 'the .onnx file')
    .option('--json', 'print the report as JSON')
    .action(async (file: string, o: { json?: boolean }) => {
      const report = await inspectOnnxFile(file);
      if (o.json) print(JSON.stringify(report, null, 2));
      else for (const line of formatInspection(report)) print(line);
      if (report.problem) process.exitCode = 1;
    });
}

export function registerAddModelCommand(program: Command): void {
  program
    .command('add-model')
    .description('add an ONNX file to the model repository as the next version of a model of kind "onnx" (folder and config.json created when missing)')
    .argument('<name>', 'model name (the URL path segment)')
    .argument('<file>', 'the .onnx file')
    .option('--models <dir>', 'model repository (RTSCORE_MODELS_DIR, default ./models)')
    .action(async (name: string, file: string, o: { models?: string }) => {
      const config = loadConfig({ env: process.env, flags: { modelsDir: o.models } });
      const added = await addOnnxModel(config.modelsDir, name, file);
      if (added.createdConfig) print(`created ${added.modelDir}/config.json: ${JSON.stringify(added.inspection.config)}`);
      print(`added ${file} as version ${added.version} of "${name}": ${added.path}`);
      for (const note of added.inspection.served?.notes ?? []) print(`at load: ${note}`);
      print(`serve it: rtscore serve --models ${config.modelsDir}   (a running server picks it up on POST /v2/repository/models/${name}/load)`);
      print(`call it:  curl -s localhost:8080/v1/models/${name}:predict -H 'content-type: application/json' -d '{"instances": [...]}'`);
    });
}
