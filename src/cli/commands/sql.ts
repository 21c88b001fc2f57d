/** `sql <path…>`: the SQL Django would run for each migration, with lock, rewrite and scan facts. Returns data; prints nothing. */
import { dirname } from 'node:path';
import { loadSqlParser, predictSql } from '../../engine/sql/index.js';
import type { MigrationSql } from '../../engine/sql/index.js';
import { parseDatabase, resolveSettings } from '../../engine/settings.js';
import { loadConfig } from '../config.js';
import { usageError } from '../exit.js';
import { discoverMigrations, readMigrations } from '../files.js';

export interface SqlOptions {
  paths: string[];
  cwd: string;
  database?: string;
  dbVersion?: string;
  config?: string;
  /** DEFAULT_AUTO_FIELD, overriding the config file's `defaultAutoField`. */
  defaultAutoField?: string;
}

export interface SqlResult {
  database: string;
  version: string;
  migrations: MigrationSql[];
}

export async function sql(options: SqlOptions): Promise<SqlResult> {
  const { config, path: configPath } = await loadConfig(options.cwd, options.config);
  const sources = discoverMigrations(options.paths, { cwd: options.cwd, exclude: config.exclude ?? [], excludeBase: configPath ? dirname(configPath) : options.cwd });
  if (sources.length === 0) {
    throw usageError(`no migration files found under ${options.paths.join(', ')}.`, 'pass the Django project root (the folder holding your apps), e.g. `migrate-help sql .`.');
  }
  const database = parseDatabase(options.database ?? config.database ?? 'postgresql');
  const version = options.dbVersion ?? (config.databaseVersion === undefined ? undefined : String(config.databaseVersion));
  const settings = resolveSettings({ database, ...(version ? { databaseVersion: version } : {}) });
  const [files] = await Promise.all([readMigrations(sources), database === 'postgresql' ? loadSqlParser() : Promise.resolve()]);
  const target = { database, version: settings.versionText };
  // Every file is read so the replayed state and catalog are complete; only the paths asked for are printed.
  const defaultAutoField = (options.defaultAutoField ?? config.defaultAutoField)?.split('.').pop();
  const migrations = predictSql(files, target, { ...(config.swappable ? { swappable: config.swappable } : {}), ...(defaultAutoField ? { defaultAutoField } : {}) });
  return { database, version: target.version, migrations };
}
