/** Entry point of the GitHub Action (action.yml runs it with the runner's environment). */
import { runAction } from './run.js';

process.exitCode = await runAction({ env: process.env, cwd: process.cwd(), stdout: (text) => process.stdout.write(text) });
