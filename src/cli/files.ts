/** Finding and reading migration files on disk, as Django would find them. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { Dirent } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import ignore from 'ignore';
import type { Ignore } from 'ignore';
import { initParser } from '../engine/index.js';
import type { MigrationFile } from '../engine/index.js';
import { ioError, usageError } from './exit.js';
import { resolveLabels } from './app-labels.js';
import { compileGlobs } from './glob.js';
import { readAndParseAll } from './parse-pool.js';
import type { MigrationSource, SkipReason, Skipped } from './sources.js';

export type { MigrationSource, SkipReason, Skipped } from './sources.js';

/** Folders never searched and not worth a mention: VCS data and caches. */
const QUIET_SKIPS = new Set(['.git', '.hg', '.svn', '__pycache__', '.mypy_cache', '.pytest_cache', '.ruff_cache']);
/** Folders skipped with a reason the summary names. */
const NAMED_SKIPS: ReadonlyMap<string, SkipReason> = new Map([
  ['node_modules', 'dependencies'],
  ['site-packages', 'virtualenv'],
  ['dist-packages', 'virtualenv'],
  ['.venv', 'virtualenv'],
  ['venv', 'virtualenv'],
  ['.tox', 'virtualenv'],
  ['.nox', 'virtualenv'],
]);
/** Test fixtures of other tools (and of Django's own test suite) hold migrations that are not the project's. */
const FIXTURE_DIR = /^(?:__fixtures__|fixtures|testdata|test_data|test_migrations\w*)$/;

/** A migration folder named by MIGRATION_MODULES: the app label and its folder (absolute). */
export interface MigrationModuleDir {
  label: string;
  dir: string;
}

export interface DiscoverOptions {
  cwd: string;
  /** Globs (relative to `excludeBase`) of files and folders to leave out. */
  exclude?: readonly string[];
  excludeBase?: string;
  /** Migration folders not named `migrations`, from MIGRATION_MODULES. */
  migrationModules?: readonly MigrationModuleDir[];
  /** Filled with what was left out and why. */
  skipped?: Skipped[];
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/** Django loads any `.py` in a migrations package whose name does not start with `_`, `.` or `~`. */
export function isMigrationFileName(name: string): boolean {
  return name.endsWith('.py') && !/^[_.~]/.test(name);
}

function readDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    throw ioError(`cannot read folder ${dir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`, 'check the path and its permissions.', error);
  }
}

interface IgnoreLayer {
  base: string;
  rules: Ignore;
}

function gitignoreLayer(dir: string): IgnoreLayer | null {
  const file = join(dir, '.gitignore');
  if (!existsSync(file)) return null;
  try {
    return { base: dir, rules: ignore().add(readFileSync(file, 'utf8')) };
  } catch {
    return null; // an unreadable .gitignore hides nothing, as with git
  }
}

/** The .gitignore files above `dir`, up to the repository root (the folder holding `.git`). */
function ancestorLayers(dir: string): IgnoreLayer[] {
  const chain: string[] = [];
  let current = dirname(dir);
  for (;;) {
    chain.unshift(current);
    if (existsSync(join(current, '.git'))) break;
    const parent = dirname(current);
    if (parent === current) return []; // not in a repository: only the .gitignore files below the paths given count
    current = parent;
  }
  return chain.map(gitignoreLayer).filter((layer): layer is IgnoreLayer => layer !== null);
}

function isIgnored(layers: readonly IgnoreLayer[], abs: string, isDir: boolean): boolean {
  return layers.some((layer) => {
    const rel = toPosix(relative(layer.base, abs));
    return rel !== '' && !rel.startsWith('..') && layer.rules.ignores(isDir ? `${rel}/` : rel);
  });
}

/** Every migration file under the given paths (folders searched for migration folders, files taken as they are). */
export function discoverMigrations(paths: readonly string[], options: DiscoverOptions): MigrationSource[] {
  const excluded = compileGlobs(options.exclude ?? []);
  const excludeBase = options.excludeBase ?? options.cwd;
  const isExcluded = (abs: string) => (options.exclude?.length ?? 0) > 0 && excluded(toPosix(relative(excludeBase, abs)));
  const moduleDirs = new Map((options.migrationModules ?? []).map((module) => [module.dir, module.label]));
  const found = new Map<string, MigrationSource>();
  const skip = (abs: string, reason: SkipReason) => options.skipped?.push({ path: toPosix(relative(options.cwd, abs)) || basename(abs), reason });

  const addMigrationsDir = (dir: string, layers: readonly IgnoreLayer[]) => {
    const label = moduleDirs.get(dir);
    for (const entry of readDir(dir)) {
      if (!entry.isFile() || !isMigrationFileName(entry.name)) continue;
      const abs = join(dir, entry.name);
      if (found.has(abs)) continue;
      if (isExcluded(abs)) skip(abs, 'exclude');
      else if (isIgnored(layers, abs, false)) skip(abs, 'gitignore');
      else found.set(abs, { abs, path: toPosix(relative(options.cwd, abs)) || entry.name, appDir: dirname(dir), migrationsDir: dir, ...(label ? { label } : {}) });
    }
  };

  const skipReason = (child: string, name: string, entries: readonly Dirent[], layers: readonly IgnoreLayer[]): SkipReason | null => {
    const named = NAMED_SKIPS.get(name);
    if (named) return named;
    if (entries.some((entry) => entry.name === 'pyvenv.cfg' && entry.isFile())) return 'virtualenv';
    if (isExcluded(child)) return 'exclude';
    if (isIgnored(layers, child, true)) return 'gitignore';
    if (FIXTURE_DIR.test(name)) return 'test-fixtures';
    return null;
  };

  const walk = (dir: string, entries: readonly Dirent[], inherited: readonly IgnoreLayer[]) => {
    const own = gitignoreLayer(dir);
    const layers = own ? [...inherited, own] : inherited;
    for (const entry of entries) {
      if (!entry.isDirectory() || QUIET_SKIPS.has(entry.name)) continue;
      const child = join(dir, entry.name);
      // Named skips need no listing; the rest are judged on the folder's content.
      const childEntries = NAMED_SKIPS.has(entry.name) ? [] : readDir(child);
      const reason = skipReason(child, entry.name, childEntries, layers);
      if (reason) skip(child, reason);
      else if (entry.name === 'migrations' || moduleDirs.has(child)) addMigrationsDir(child, layers);
      else walk(child, childEntries, layers);
    }
  };

  for (const given of paths) {
    const abs = resolve(options.cwd, given);
    let stats;
    try {
      stats = statSync(abs);
    } catch {
      throw usageError(`no such file or folder: ${given}`, 'pass the project root or a migrations folder, e.g. `migrate-help check .`.');
    }
    // A path named on the command line is read even where discovery would skip it.
    if (stats.isFile()) {
      if (!abs.endsWith('.py')) throw usageError(`${given} is not a Python file.`, 'pass migration .py files or folders that contain migrations/ folders.');
      const dir = dirname(abs);
      const isMigrationsDir = basename(dir) === 'migrations' || moduleDirs.has(dir);
      const label = moduleDirs.get(dir);
      found.set(abs, { abs, path: toPosix(relative(options.cwd, abs)) || basename(abs), ...(isMigrationsDir ? { appDir: dirname(dir), migrationsDir: dir } : {}), ...(label ? { label } : {}) });
    } else if (basename(abs) === 'migrations' || moduleDirs.has(abs)) addMigrationsDir(abs, ancestorLayers(abs));
    else walk(abs, readDir(abs), ancestorLayers(abs));
  }
  return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Read and parse every source. Unreadable files stop the run (exit 2): a partial graph would mislead. */
export async function readMigrations(sources: readonly MigrationSource[]): Promise<MigrationFile[]> {
  await initParser();
  const labelled = sources.some((source) => source.appDir && source.label === undefined) ? resolveLabels(sources).sources : sources;
  return (await readAndParseAll(labelled)).outcomes.map((outcome) => {
    if ('file' in outcome) return outcome.file;
    throw ioError(`cannot read ${outcome.failure.path} (${outcome.failure.reason}).`, 'check the file permissions, or leave it out with "exclude" in the config file.', outcome.failure);
  });
}
