// The `orchestrator` command (package.json "bin", through bin/orchestrator.mjs). Errors are one line and exit 1.
import { errorMessage } from '../../lib/errors/index.js';
import { buildProgram } from './program.js';

buildProgram()
  .parseAsync()
  .catch((err: unknown) => {
    process.stderr.write(`orchestrator: ${errorMessage(err)}\n`);
    process.exit(1);
  });
