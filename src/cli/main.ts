#!/usr/bin/env node
import { Command } from 'commander';
import { isRtsError } from '../core/errors.js';
import { registerBuildCommands } from './commands/build.js';
import { registerFaqCommands } from './commands/faq.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSpeedtestCommand } from './commands/speedtest.js';
import { packageVersion } from './version.js';

/** `rtscore` — serve models, prepare data, train, evaluate, build models. */
const program = new Command()
  .name('rtscore')
  .description('Real-time scoring of machine-learning models as web services')
  .version(packageVersion())
  // Program options only before the subcommand: `train … --version 3` is the model
  // version, not `rtscore --version`.
  .enablePositionalOptions()
  .showHelpAfterError();

registerServeCommand(program);
registerFaqCommands(program);
registerBuildCommands(program);
registerSpeedtestCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (isRtsError(err)) {
    process.stderr.write(`rtscore: ${err.message}\n`);
  } else {
    process.stderr.write(`rtscore: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});
