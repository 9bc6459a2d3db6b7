#!/usr/bin/env node
import { describeCliError } from './errors.js';
import { buildProgram } from './program.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    process.stderr.write(`rtscore: ${describeCliError(err)}\n`);
    process.exit(1);
  });
