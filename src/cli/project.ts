/**
 * The project around the paths given, as Django sees it: MIGRATION_MODULES (from a settings module
 * or the config file) and the project root, whose migrations are context for a single file.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { initParser } from '../engine/index.js';
import { readMigrationModules } from '../engine/parse/apps-config.js';
import { CONFIG_NAMES } from './config.js';
import type { Config } from './config.js';
import { ioError } from './exit.js';
import type { MigrationModuleDir } from './files.js';

export interface ProjectModules {
  /** Label → dotted module, or null (migrations off). */
  modules: Record<string, string | null>;
  /** The folders those modules resolved to. */
  dirs: MigrationModuleDir[];
  /** What could not be resolved, in words for the summary. */
  notes: string[];
}

/** `path/to/settings.py`, or a dotted module (`mysite.settings`) relative to the cwd. */
function settingsPath(given: string, base: string): string {
  const asPath = resolve(base, given);
  if (existsSync(asPath) || given.endsWith('.py') || given.includes('/')) return asPath;
  return resolve(base, `${given.split('.').join('/')}.py`);
}

async function settingsModules(path: string, shown: string): Promise<Record<string, string | null>> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw ioError(`cannot read the settings module ${shown} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`, 'pass the path of the settings file, e.g. --settings mysite/settings.py.', error);
  }
  await initParser();
  return readMigrationModules(text) ?? {};
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Folders a dotted module may live under, nearest first: the settings file's ancestors, the cwd, the config folder. */
function moduleRoots(cwd: string, settingsFile: string | undefined, configPath: string | undefined): string[] {
  const roots: string[] = [];
  for (let dir = settingsFile ? dirname(settingsFile) : undefined; dir; ) {
    roots.push(dir);
    const parent = dirname(dir);
    dir = parent === dir ? undefined : parent;
  }
  roots.push(cwd);
  if (configPath) roots.push(dirname(configPath));
  return [...new Set(roots)];
}

/** MIGRATION_MODULES from --settings (or the config's `settings`), with the config's own map on top. */
export async function loadMigrationModules(options: { cwd: string; settings?: string; config: Config; configPath?: string }): Promise<ProjectModules> {
  const configBase = options.configPath ? dirname(options.configPath) : options.cwd;
  const settingsFile = options.settings ? settingsPath(options.settings, options.cwd) : options.config.settings ? settingsPath(options.config.settings, configBase) : undefined;
  const fromSettings = settingsFile ? await settingsModules(settingsFile, options.settings ?? options.config.settings ?? settingsFile) : {};
  const modules = { ...fromSettings, ...(options.config.migrationModules ?? {}) };
  const roots = moduleRoots(options.cwd, settingsFile, options.configPath);
  const dirs: MigrationModuleDir[] = [];
  const notes: string[] = [];
  for (const [label, module] of Object.entries(modules)) {
    if (module === null) continue;
    const relativeDir = join(...module.split('.'));
    const dir = roots.map((root) => join(root, relativeDir)).find(isDir);
    if (dir) dirs.push({ label, dir });
    else notes.push(`MIGRATION_MODULES maps ${label} to ${module}, but no folder ${relativeDir} was found under ${roots.length === 1 ? roots[0] : 'the settings folder, its parents or the working folder'}.`);
  }
  return { modules, dirs, notes };
}

const ROOT_MARKERS = ['manage.py', '.git', 'pyproject.toml', 'setup.py', 'setup.cfg', ...CONFIG_NAMES];

/** The project root above an app folder: the nearest folder holding manage.py, .git, pyproject.toml… */
export function projectRootOf(appDir: string): string {
  for (let dir = dirname(appDir); ; ) {
    if (ROOT_MARKERS.some((marker) => existsSync(join(dir, marker)))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return dirname(appDir);
    dir = parent;
  }
}
