#!/usr/bin/env node
// Runs the built CLI (dist/, written by `npm run build`; `npm ci` runs it through "prepare").
import { setFlagsFromString } from 'node:v8';

// A CLI run is one pass over the tree: V8's default tier-up spends more CPU optimising functions
// than the optimised code then saves. Optimising only the really hot ones is cheaper
// (docs/benchmarks.md). Set before any of our code is compiled; workers share the setting.
setFlagsFromString('--interrupt-budget=270000');

let cli;
try {
  cli = await import('../dist/cli.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/cli.js')) throw error;
  process.stderr.write('migrate-help: the built CLI (dist/cli.js) is missing.\nhint: run `npm run build` in the migrate-help folder, or reinstall the package.\n');
  process.exit(2);
}
process.exitCode = await cli.main();
