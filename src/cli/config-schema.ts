/**
 * The config file's schema and its validation. Its own module because zod is a large part of a cold
 * start: config.ts imports it only when there is a config file to read.
 */
import { z } from 'zod';
import { parseDatabase } from '../engine/settings.js';
import { DATABASES } from '../engine/types.js';
import { configError } from './exit.js';

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
