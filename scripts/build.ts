/**
 * `npm run build`: bundles src/ into dist/ with esbuild, one file per entry point plus shared chunks.
 *
 * A bundle rather than tsc's one-file-per-module output because a cold `migrate-help check` then
 * loads a handful of files instead of a few hundred (measured in docs/bench-engine.md), and because
 * it takes well under a second, so the test run can build every time (test/global-setup.ts) and
 * never runs stale code. Type checking is `npm run lint`'s job. Runtime dependencies stay external:
 * they are installed beside the package, native bindings and wasm files included. BUNDLED
 * packages are compiled in instead and are devDependencies.
 * `splitting` keeps the commands' dynamic imports lazy: `--version` loads no engine.
 */
import { readFile, rm } from 'node:fs/promises';
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
  action: 'src/action/main.ts',
  'parse-worker': 'src/cli/parse-worker.ts',
} as const;

/**
 * zod is some hundred small ES modules; loading them is a large part of a cold `check` with a config
 * file, and as one bundled module it costs a fraction of that.
 */
export const BUNDLED = new Set(['zod']);

/** Every runtime dependency, and its subpaths, is left for Node to load from node_modules. */
async function externalPackages(): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  return Object.keys(manifest.dependencies ?? {}).flatMap((name) => [name, `${name}/*`]);
}

export async function build(): Promise<void> {
  const external = await externalPackages();
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
    external,
    sourcemap: 'linked',
    chunkNames: 'chunks/[name]-[hash]',
    logLevel: 'warning',
  });
  if (result.errors.length > 0) throw new Error(`build failed with ${result.errors.length} error(s)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await build();
}
