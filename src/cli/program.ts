import { Command } from 'commander';
import { registerBuildCommands } from './commands/build.js';
import { registerFaqCommands } from './commands/faq.js';
import { registerAddModelCommand, registerInspectCommand } from './commands/onnx.js';
import { registerServeCommand } from './commands/serve.js';
import { packageVersion } from './version.js';

/** `rtscore` — serve models, prepare data, train, evaluate, build models (built, not run: tests read its help). */
export function buildProgram(): Command {
  const program = new Command()
    .name('rtscore')
    .description('Real-time scoring of machine-learning models as web services')
    .version(packageVersion())
    // Program options only before the subcommand: `train … --version 3` is the model
    // version, not `rtscore --version`.
    .enablePositionalOptions()
    // A usage error is one line (`rtscore help <command>` has the rest).
    .configureOutput({ outputError: (text, write) => write(`rtscore: ${text.replace(/^error: /, '')}`) });

  registerServeCommand(program);
  registerFaqCommands(program);
  registerBuildCommands(program);
  registerInspectCommand(program);
  registerAddModelCommand(program);
  return program;
}
