/** Finding and reading migration files on disk. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { Dirent } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { initParser, parseAppConfigLabel, parseMigration } from '../engine/index.js';
import type { MigrationFile } from '../engine/index.js';
import { ioError, usageError } from './exit.js';
import { compileGlobs } from './glob.js';

/** Folders never searched: dependencies, VCS data, virtualenvs, caches. */
const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'site-packages', 'dist-packages', '__pycache__', '.tox', '.nox', '.venv', 'venv', '.mypy_cache', '.pytest_cache', '.ruff_cache']);

export interface MigrationSource {
  /** Absolute path. */
  abs: string;
  /** Path relative to the cwd, POSIX separators (what reports show). */
  path: string;
  /** The app folder (above `migrations/`), whose apps.py may declare the label; absent for loose files. */
  appDir?: string;
}

export interface DiscoverOptions {
  cwd: string;
  /** Globs (relative to `excludeBase`) of files and folders to leave out. */
  exclude?: readonly string[];
  excludeBase?: string;
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/** Django loads any `.py` in a migrations package whose name does not start with `_`, `.` or `~`. */
export function isMigrationFileName(name: string): boolean {
  return name.endsWith('.py') && !/^[_.~]/.test(name);
}

function isVirtualenv(dir: string, entries: readonly Dirent[]): boolean {
  return entries.some((entry) => entry.name === 'pyvenv.cfg' && entry.isFile()) || basename(dir) === 'site-packages';
}

function readDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    throw ioError(`cannot read folder ${dir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`, 'check the path and its permissions.', error);
  }
}

/** Needs the parser loaded (readMigrations does that first). */
function appLabelFor(appDir: string, cache: Map<string, string | undefined>): string | undefined {
  if (cache.has(appDir)) return cache.get(appDir);
  let label: string | undefined;
  try {
    label = parseAppConfigLabel(readFileSync(join(appDir, 'apps.py'), 'utf8')) ?? undefined;
  } catch {
    label = undefined; // no apps.py: the folder name is the label, as in Django
  }
  cache.set(appDir, label);
  return label;
}

/** Every migration file under the given paths (folders searched for `migrations/`, files taken as they are). */
export function discoverMigrations(paths: readonly string[], options: DiscoverOptions): MigrationSource[] {
  const excluded = compileGlobs(options.exclude ?? []);
  const excludeBase = options.excludeBase ?? options.cwd;
  const isExcluded = (abs: string) => (options.exclude?.length ?? 0) > 0 && excluded(toPosix(relative(excludeBase, abs)));
  const found = new Map<string, MigrationSource>();

  const addMigrationsDir = (dir: string) => {
    for (const entry of readDir(dir)) {
      if (!entry.isFile() || !isMigrationFileName(entry.name)) continue;
      const abs = join(dir, entry.name);
      if (isExcluded(abs) || found.has(abs)) continue;
      found.set(abs, { abs, path: toPosix(relative(options.cwd, abs)) || entry.name, appDir: dirname(dir) });
    }
  };

  const walk = (dir: string) => {
    const entries = readDir(dir);
    if (isVirtualenv(dir, entries)) return;
    for (const entry of entries) {
      if (!entry.isDirectory() || SKIP_DIRS.has(entry.name)) continue;
      const child = join(dir, entry.name);
      if (isExcluded(child)) continue;
      if (entry.name === 'migrations') addMigrationsDir(child);
      else walk(child);
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
    if (stats.isFile()) {
      if (!abs.endsWith('.py')) throw usageError(`${given} is not a Python file.`, 'pass migration .py files or folders that contain migrations/ folders.');
      const inMigrations = basename(dirname(abs)) === 'migrations';
      found.set(abs, { abs, path: toPosix(relative(options.cwd, abs)) || basename(abs), ...(inMigrations ? { appDir: dirname(dirname(abs)) } : {}) });
    } else if (basename(abs) === 'migrations') addMigrationsDir(abs);
    else walk(abs);
  }
  return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Read and parse every source. Unreadable files stop the run (exit 2): a partial graph would mislead. */
export async function readMigrations(sources: readonly MigrationSource[]): Promise<MigrationFile[]> {
  await initParser();
  const labels = new Map<string, string | undefined>();
  return sources.map((source) => {
    let text: string;
    try {
      text = readFileSync(source.abs, 'utf8');
    } catch (error) {
      throw ioError(`cannot read ${source.path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`, 'check the file permissions, or leave it out with "exclude" in the config file.', error);
    }
    const appLabel = source.appDir ? appLabelFor(source.appDir, labels) : undefined;
    return parseMigration(text, { path: source.path, ...(appLabel ? { appLabel } : {}) });
  });
}
