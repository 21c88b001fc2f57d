/**
 * Builds dist/ once before the tests: the CLI, bot and console tests run the built code as users do
 * (bin/migrate-help.js, `npm start`), and building every run means they never test a stale build.
 */
import { build } from '../scripts/build.js';

export default async function setup(): Promise<void> {
  await build();
}
