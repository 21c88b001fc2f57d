/**
 * `npm run build`: bundles src/ into dist/ with esbuild, one file per entry point plus shared chunks.
 *
 * A bundle rather than tsc's one-file-per-module output because a cold `migrate-help check` then
 * loads a handful of files instead of a few hundred (measured in docs/bench-engine.md), and because
 * it takes well under a second, so the test run can build every time (test/global-setup.ts) and
 * never runs stale code. Type checking is `npm run lint`'s job. Dependencies stay external: they
 * are installed beside the package, native bindings and wasm files included.
 * `splitting` keeps the commands' dynamic imports lazy: `--version` loads no engine.
 */
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build as esbuild } from 'esbuild';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist');

/** Entry points: dist/<name>.js runs src/<path>. */
export const ENTRY_POINTS = {
  cli: 'src/cli/main.ts',
  main: 'src/main.ts',
  console: 'src/console.ts',
} as const;

export async function build(): Promise<void> {
  await rm(DIST, { recursive: true, force: true });
  const result = await esbuild({
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(Object.entries(ENTRY_POINTS)),
    outdir: DIST,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    chunkNames: 'chunks/[name]-[hash]',
    logLevel: 'warning',
  });
  if (result.errors.length > 0) throw new Error(`build failed with ${result.errors.length} error(s)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await build();
}
