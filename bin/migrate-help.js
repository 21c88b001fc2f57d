#!/usr/bin/env node
// Runs the built CLI (dist/, written by `npm run build`; `npm ci` runs it through "prepare").
let cli;
try {
  cli = await import('../dist/cli.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/cli.js')) throw error;
  process.stderr.write('migrate-help: the built CLI (dist/cli.js) is missing.\nhint: run `npm run build` in the migrate-help folder, or reinstall the package.\n');
  process.exit(2);
}
process.exitCode = await cli.main();
