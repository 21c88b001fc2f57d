/**
 * The module a parse worker runs. Compiled output (dist/) has parse-worker.js next to this file.
 * From TypeScript sources (tsx, vitest, npm run bench:*) a worker would otherwise have to load tsx
 * and compile the engine again on every start (~2 s); instead the worker and the parser are
 * bundled once with esbuild (installed with tsx) into node_modules/.cache/migrate-help/ and reused
 * while none of the bundled files changes.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Where a worker's code comes from. */
export type WorkerSource = { kind: 'module'; url: URL } | { kind: 'tsx'; url: URL };

interface Manifest {
  version: 1;
  entry: string;
  bundle: string;
  /** Absolute input path → `mtimeMs:size` when the bundle was built. */
  inputs: Record<string, string>;
}

const MANIFEST_VERSION = 1;
let pending: Promise<WorkerSource> | null = null;

/** Resolve (and if needed build) the worker module once per process. */
export function workerSource(): Promise<WorkerSource> {
  pending ??= locate().catch((error: unknown) => {
    pending = null;
    throw error;
  });
  return pending;
}

async function locate(): Promise<WorkerSource> {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return { kind: 'module', url: new URL('./parse-worker.js', here) };
  const entry = fileURLToPath(new URL('./parse-worker.ts', here));
  try {
    const cacheDir = cacheDirectory();
    const cached = cachedBundle(cacheDir, entry);
    if (cached) return { kind: 'module', url: pathToFileURL(cached) };
    return { kind: 'module', url: pathToFileURL(await build(cacheDir, entry)) };
  } catch {
    // No esbuild or a read-only node_modules: fall back to compiling in the worker with tsx (slow start, same result).
    return { kind: 'tsx', url: new URL(`file://${entry}`) };
  }
}

/** node_modules/.cache/migrate-help of the project that installed web-tree-sitter (so bare imports resolve from there). */
function cacheDirectory(): string {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('web-tree-sitter');
  const marker = `${sep}node_modules${sep}`;
  const at = entry.lastIndexOf(marker);
  if (at === -1) throw new Error(`web-tree-sitter is not inside node_modules: ${entry}`);
  return join(entry.slice(0, at + marker.length), '.cache', 'migrate-help');
}

function stamp(path: string): string | null {
  try {
    const stats = statSync(path);
    return `${stats.mtimeMs}:${stats.size}`;
  } catch {
    return null;
  }
}

function cachedBundle(cacheDir: string, entry: string): string | null {
  const manifestPath = join(cacheDir, 'parse-worker.json');
  if (!existsSync(manifestPath)) return null;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  } catch {
    return null;
  }
  if (manifest.version !== MANIFEST_VERSION || manifest.entry !== entry) return null;
  for (const [path, expected] of Object.entries(manifest.inputs)) if (stamp(path) !== expected) return null;
  const bundle = join(cacheDir, manifest.bundle);
  return existsSync(bundle) ? bundle : null;
}

async function build(cacheDir: string, entry: string): Promise<string> {
  const esbuild = await import('esbuild');
  const root = process.cwd();
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // web-tree-sitter finds its own .wasm next to its module: keep it a normal import.
    external: ['web-tree-sitter'],
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: root,
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild produced no output');
  const inputs: Record<string, string> = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const path = resolve(root, input);
    const current = stamp(path);
    if (current !== null) inputs[path] = current;
  }
  const hash = createHash('sha256').update(output.contents).digest('hex').slice(0, 16);
  const bundleName = `parse-worker-${hash}.mjs`;
  mkdirSync(cacheDir, { recursive: true });
  const bundlePath = join(cacheDir, bundleName);
  // Write then rename: two processes building at once never see a half-written file.
  const temporary = `${bundlePath}.${process.pid}.tmp`;
  writeFileSync(temporary, output.contents);
  renameSync(temporary, bundlePath);
  const manifest: Manifest = { version: MANIFEST_VERSION, entry, bundle: bundleName, inputs };
  const manifestTemporary = join(cacheDir, `parse-worker.json.${process.pid}.tmp`);
  writeFileSync(manifestTemporary, JSON.stringify(manifest));
  renameSync(manifestTemporary, join(cacheDir, 'parse-worker.json'));
  return bundlePath;
}
