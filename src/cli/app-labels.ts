/**
 * App labels as Django gives them: from the app's AppConfig wherever the package declares it
 * (apps.py, __init__.py, any module of the package, `default_app_config`), else the folder name.
 * Two folders with one label stop the run, as Django does ("Application labels aren't unique").
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { initParser } from '../engine/index.js';
import { appConfigLabel, readAppModule } from '../engine/parse/apps-config.js';
import type { AppConfigDecl } from '../engine/parse/apps-config.js';
import { usageError } from './exit.js';
import type { MigrationSource, Skipped } from './sources.js';

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** apps.py and __init__.py first (where Django looks), then the package's other modules. */
function appModules(appDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(appDir).filter((name) => name.endsWith('.py') && name !== 'apps.py' && name !== '__init__.py').sort();
  } catch {
    names = [];
  }
  return ['apps.py', '__init__.py', ...names].map((name) => join(appDir, name)).filter((path) => existsSync(path));
}

function pickConfig(configs: readonly AppConfigDecl[], defaultAppConfig: string | null, folder: string): AppConfigDecl | undefined {
  const named = defaultAppConfig ? configs.find((config) => config.className === defaultAppConfig.split('.').pop()) : undefined;
  const forThisApp = (config: AppConfigDecl) => config.label !== null || config.name === folder || (config.name?.endsWith(`.${folder}`) ?? false);
  return named ?? configs.find((config) => config.isDefault) ?? configs.find(forThisApp) ?? configs[0];
}

/** The label of the app in `appDir`. Needs the parser loaded. */
export function appLabelOf(appDir: string): string {
  const configs: AppConfigDecl[] = [];
  let defaultAppConfig: string | null = null;
  for (const path of appModules(appDir)) {
    const text = readText(path);
    if (text === null) continue;
    const facts = readAppModule(text);
    configs.push(...facts.configs);
    if (basename(path) === '__init__.py') defaultAppConfig ??= facts.defaultAppConfig;
  }
  const config = pickConfig(configs, defaultAppConfig, basename(appDir));
  return (config && appConfigLabel(config)) ?? basename(appDir);
}

export interface LabelOptions {
  cwd: string;
  /** MIGRATION_MODULES: labels mapped to null have their migrations turned off. */
  migrationModules?: Readonly<Record<string, string | null>>;
  skipped?: Skipped[];
}

/**
 * Give each source its label, drop the folders Django would not load (MIGRATION_MODULES None or
 * pointing elsewhere), and refuse two folders with one label. Loads the parser.
 */
export async function labelSources(sources: readonly MigrationSource[], options: LabelOptions): Promise<MigrationSource[]> {
  await initParser();
  return resolveLabels(sources, options).sources;
}

export function resolveLabels(sources: readonly MigrationSource[], options: Partial<LabelOptions> = {}): { sources: MigrationSource[] } {
  const cache = new Map<string, string>();
  const labelled = sources.map((source) => {
    if (source.label !== undefined || !source.appDir) return source;
    let label = cache.get(source.appDir);
    if (label === undefined) {
      label = appLabelOf(source.appDir);
      cache.set(source.appDir, label);
    }
    return { ...source, label };
  });
  const modules = options.migrationModules ?? {};
  const configuredDirs = new Set(labelled.filter((source) => source.label !== undefined && modules[source.label] && source.migrationsDir && basename(source.migrationsDir) !== 'migrations').map((source) => source.label));
  const kept: MigrationSource[] = [];
  const skippedDirs = new Set<string>();
  for (const source of labelled) {
    const label = source.label;
    const dir = source.migrationsDir;
    const disabled = label !== undefined && label in modules && modules[label] === null;
    const moved = label !== undefined && dir !== undefined && basename(dir) === 'migrations' && configuredDirs.has(label);
    if (dir && (disabled || moved)) {
      if (!skippedDirs.has(dir)) options.skipped?.push({ path: relative(options.cwd ?? '.', dir).split('\\').join('/') || dir, reason: disabled ? 'migrations-disabled' : 'migration-module-moved' });
      skippedDirs.add(dir);
      continue;
    }
    kept.push(source);
  }
  assertUniqueLabels(kept, options.cwd ?? '.');
  return { sources: kept };
}

function assertUniqueLabels(sources: readonly MigrationSource[], cwd: string): void {
  const dirsByLabel = new Map<string, Set<string>>();
  for (const source of sources) {
    if (source.label === undefined || !source.migrationsDir) continue;
    const dirs = dirsByLabel.get(source.label) ?? new Set<string>();
    dirs.add(source.migrationsDir);
    dirsByLabel.set(source.label, dirs);
  }
  const duplicates = [...dirsByLabel].filter(([, dirs]) => dirs.size > 1);
  if (duplicates.length === 0) return;
  const shown = duplicates.map(([label, dirs]) => `${label} (${[...dirs].map((dir) => relative(cwd, dir).split('\\').join('/') || dir).sort().join(' and ')})`);
  throw usageError(
    `Application labels aren't unique, duplicates: ${shown.join('; ')}. Django refuses to load two apps with one label.`,
    'give one app an AppConfig with its own `label`, leave one out with "exclude" in the config file, or pass only one of the folders.',
  );
}
