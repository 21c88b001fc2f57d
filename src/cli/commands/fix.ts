/** `fix <migration file>`: the safe replacement migrations for its risky operations. Returns data; writes only with --write. */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { FixInputError, generateFix } from '../../engine/fix/index.js';
import type { FixResult } from '../../engine/fix/index.js';
import { loadSqlParser } from '../../engine/sql/index.js';
import { labelSources } from '../app-labels.js';
import { engineSettings } from './check.js';
import { loadConfig } from '../config.js';
import { ioError, usageError } from '../exit.js';
import { discoverMigrations, readMigrations } from '../files.js';
import { projectRootOf } from '../project.js';

export interface FixOptions {
  file: string;
  cwd: string;
  database?: string;
  dbVersion?: string;
  config?: string;
  write?: boolean;
}

export interface FixOutcome {
  result: FixResult | null;
  /** Set when there was nothing to fix: the reason. */
  nothing?: string;
  /** Paths written (with --write), relative as shown. */
  written: string[];
}

function readSource(abs: string, shown: string): string {
  try {
    return readFileSync(abs, 'utf8');
  } catch (error) {
    throw ioError(`cannot read ${shown} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`, 'check the path of the migration file.', error);
  }
}

/** The migration and the rest of its project, read as `check` reads a single file. */
async function readProject(options: FixOptions, abs: string) {
  const { config, path: configPath } = await loadConfig(options.cwd, options.config);
  const discover = (paths: string[]) => discoverMigrations(paths, { cwd: options.cwd, exclude: config.exclude ?? [], excludeBase: configPath ? dirname(configPath) : options.cwd });
  const named = discover([options.file]);
  const source = named[0];
  if (!source?.appDir) throw usageError(`${options.file} is not inside a migrations/ folder.`, 'pass a migration file, e.g. `migrate-help fix shop/migrations/0002_book_stock.py`.');
  const all = new Map(named.map((s) => [s.abs, s]));
  for (const context of discover([projectRootOf(source.appDir)])) if (!all.has(context.abs)) all.set(context.abs, context);
  const sources = await labelSources([...all.values()], { cwd: options.cwd, migrationModules: {}, skipped: [] });
  const files = await readMigrations(sources);
  const path = sources.find((s) => s.abs === abs)?.path ?? source.path;
  return { files, path, settings: engineSettings(config, options) };
}

/** Refuse before writing anything: every new file must be new, only the original may be replaced. */
function writeFiles(result: FixResult, dir: string, original: string): string[] {
  const targets = result.files.map((file) => ({ file, abs: join(dir, `${file.name}.py`) }));
  const clash = targets.find(({ abs }) => abs !== original && existsSync(abs));
  if (clash) throw usageError(`${clash.file.path} already exists; fix writes new files next to the original and replaces only the original.`, 'move or delete that file (or run without --write and copy what you need).');
  for (const { abs, file } of targets) {
    const temp = `${abs}.migrate-help-tmp`;
    writeFileSync(temp, file.source);
    renameSync(temp, abs);
  }
  return result.files.map((file) => file.path);
}

export async function fix(options: FixOptions): Promise<FixOutcome> {
  const abs = resolve(options.cwd, options.file);
  if (!existsSync(abs)) throw usageError(`no such file: ${options.file}`, 'pass the path of one migration file.');
  if (!abs.endsWith('.py')) throw usageError(`${options.file} is not a Python file.`, 'pass one migration .py file.');
  const text = readSource(abs, options.file);
  const project = await readProject(options, abs);
  await loadSqlParser();
  let result: FixResult;
  try {
    result = generateFix({ files: project.files, path: project.path, source: text, settings: project.settings });
  } catch (error) {
    if (!(error instanceof FixInputError)) throw error;
    if (error.code === 'no-risk') return { result: null, nothing: `${error.message} ${error.hint}`, written: [] };
    throw usageError(error.message, error.hint);
  }
  const written = options.write && result.files.length > 0 ? writeFiles(result, dirname(abs), abs) : [];
  return { result, written };
}
