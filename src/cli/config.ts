/** The config file: `.migrate-help.json` or `migrate-help.config.json`, found upward from the cwd. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { parseDatabase } from '../engine/settings.js';
import { DATABASES } from '../engine/types.js';
import { configError } from './exit.js';

export const CONFIG_NAMES = ['.migrate-help.json', 'migrate-help.config.json'] as const;

const severity = z.enum(['error', 'warning', 'info']);

export const configSchema = z.strictObject({
  // Aliases (postgres, pg, sqlite3…) as on the command line; the engine names the choices for anything else.
  database: z.string().min(1).refine(isDatabaseName, { message: `Invalid option: expected one of ${DATABASES.join(', ')} (or an alias such as postgres, pg)` }).optional(),
  databaseVersion: z.union([z.string().regex(/^\d+(\.\d+){0,2}$/, 'use major[.minor[.patch]], e.g. "16" or "8.0.32"'), z.number().nonnegative()]).optional(),
  disable: z.array(z.string().min(1)).optional(),
  enable: z.array(z.string().min(1)).optional(),
  severity: z.record(z.string().min(1), severity).optional(),
  swappable: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'setting names are UPPER_CASE'), z.string().regex(/^\w+\.\w+$/, 'use "app_label.ModelName"')).optional(),
  exclude: z.array(z.string().min(1)).optional(),
  /** The project's DEFAULT_AUTO_FIELD: `sql` needs it for the id of many-to-many join tables. */
  defaultAutoField: z.string().regex(/^(django\.db\.models\.)?(Big|Small)?AutoField$/, 'use "django.db.models.BigAutoField" (or AutoField, SmallAutoField)').optional(),
  zeroDowntimeBackend: z.boolean().optional(),
  /** A settings module to read MIGRATION_MODULES from, relative to the config file. */
  settings: z.string().min(1).optional(),
  /** MIGRATION_MODULES written out: app label → dotted module (or null: migrations turned off). */
  migrationModules: z.record(z.string().min(1), z.string().regex(/^\w+(\.\w+)*$/, 'use a dotted module path, e.g. "dojo.db_migrations"').nullable()).optional(),
  /** Baseline file used by `check` when --baseline is not given, relative to the config file. */
  baseline: z.string().min(1).optional(),
});

function isDatabaseName(name: string): boolean {
  try {
    parseDatabase(name);
    return true;
  } catch {
    return false;
  }
}

export type Config = z.infer<typeof configSchema>;

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the file read; undefined when none was found. */
  path?: string;
}

/** The nearest config file at or above `cwd`. */
export function findConfig(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    for (const name of CONFIG_NAMES) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Parse and validate config text; every problem named, one per line, in a single error. */
export function parseConfig(text: string, path: string): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw configError(`${path} is not valid JSON (${(error as Error).message}).`, 'the config file must be a JSON object, e.g. {"database": "postgresql", "disable": []}.');
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(top level)'}: ${issue.message}`);
    throw configError(`${path} is invalid: ${problems.join('; ')}.`, 'allowed keys: database, databaseVersion, disable, enable, severity, swappable, exclude, defaultAutoField, settings, migrationModules, baseline, zeroDowntimeBackend (see docs/cli.md, "Config file").');
  }
  return parsed.data;
}

/** `--config <file>` when given, else the nearest config file, else an empty config. */
export function loadConfig(cwd: string, explicit?: string): LoadedConfig {
  const path = explicit ? resolve(cwd, explicit) : findConfig(cwd);
  if (!path) return { config: {} };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw configError(`cannot read config file ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`, explicit ? 'check the path given to --config.' : 'fix the file permissions or remove the file.');
  }
  const shown = relative(cwd, path) || path;
  return { config: parseConfig(text, shown.startsWith('..') && shown.split('/').length > 4 ? path : shown), path };
}
