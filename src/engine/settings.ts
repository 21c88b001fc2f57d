/**
 * Engine settings: which database and version the rules judge against, plus the version-range
 * matcher used by `Rule.databases`. Pure; bad values raise an EngineSettingsError whose message
 * is meant to be printed as-is by the CLI or the bot.
 */
import type { ResolvedSettings } from './rules/types.js';
import type { Database, EngineSettings, Severity } from './types.js';
import { DATABASES } from './types.js';

export type Version = [number, number, number];

/**
 * Versions assumed when the caller names a database but no version (current mainstream releases).
 * MySQL and MariaDB carry a patch level because features rules depend on arrived in patch releases
 * (instant ADD COLUMN in 8.0.12, TEXT defaults in 8.0.13); `8.0` alone would read as 8.0.0.
 */
export const DEFAULT_VERSIONS: Readonly<Record<Database, string>> = {
  postgresql: '16',
  mysql: '8.0.40',
  mariadb: '10.11.10',
  sqlite: '3.45',
  oracle: '19',
};

export const DEFAULT_DATABASE: Database = 'postgresql';

const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** Names people type for each vendor (Django ENGINE suffixes included). */
const DATABASE_ALIASES: Readonly<Record<string, Database>> = {
  postgresql: 'postgresql',
  postgres: 'postgresql',
  pg: 'postgresql',
  psql: 'postgresql',
  postgis: 'postgresql',
  mysql: 'mysql',
  mariadb: 'mariadb',
  maria: 'mariadb',
  sqlite: 'sqlite',
  sqlite3: 'sqlite',
  spatialite: 'sqlite',
  oracle: 'oracle',
};

export class EngineSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineSettingsError';
  }
}

/** `postgres`, `django.db.backends.postgresql`, `PostgreSQL` → `postgresql`; throws for anything else. */
export function parseDatabase(name: string): Database {
  const key = name.trim().toLowerCase().split('.').pop() ?? '';
  const database = DATABASE_ALIASES[key];
  if (!database) {
    const nearest = nearestDatabaseName(key);
    const hint = nearest ? ` Did you mean ${nearest}?` : '';
    throw new EngineSettingsError(`Unknown database "${name}". Use one of: ${DATABASES.join(', ')}. Also accepted: ${Object.keys(DATABASE_ALIASES).filter((alias) => !(DATABASES as readonly string[]).includes(alias)).join(', ')}.${hint}`);
  }
  return database;
}

/** Backends people name that are not near-misses of a supported one, so no guess is offered. */
const UNSUPPORTED = new Set(['mssql', 'sqlserver', 'mongodb', 'cassandra']);

/**
 * The supported name closest to a typo (at most two edits away), or null. A plain edit distance is
 * enough for a dozen short names; no library is worth it here.
 */
export function nearestDatabaseName(typed: string): string | null {
  const key = typed.trim().toLowerCase();
  if (UNSUPPORTED.has(key)) return null;
  let best: { name: string; distance: number } | null = null;
  for (const [alias, database] of Object.entries(DATABASE_ALIASES)) {
    const distance = editDistance(key, alias);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name: database, distance };
  }
  return best?.name ?? null;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** `16`, `14.2`, `8.0.32`, `10.11.6-MariaDB`, `v3.45` → numeric parts; throws when no number leads the text. */
export function parseVersion(text: string): Version {
  const match = /^\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/i.exec(text);
  if (!match) {
    throw new EngineSettingsError(`Cannot read database version "${text}". Write it as major[.minor[.patch]], for example 16 or 8.0.32.`);
  }
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) {
    const diff = a[i]! - b[i]!;
    if (diff !== 0) return diff;
  }
  return 0;
}

/**
 * Does `version` satisfy `range`? Ranges are space-separated comparators that must all hold
 * (`>=14.0 <14.4`), alternatives joined by `||`, `*` for any version, and a bare version for an
 * exact match on the parts written (`14` matches 14.x.y). A range we cannot read throws, so a
 * typo in a rule's `databases` is caught by the rule tests rather than silently never matching.
 */
export function versionInRange(version: Version, range: string): boolean {
  return range.split('||').some((alternative) => {
    const comparators = alternative.trim().split(/\s+/).filter(Boolean);
    if (comparators.length === 0) return true;
    return comparators.every((comparator) => matchComparator(version, comparator, range));
  });
}

function matchComparator(version: Version, comparator: string, range: string): boolean {
  if (comparator === '*' || comparator === 'x') return true;
  const match = /^(>=|<=|>|<|=)?(\d+(?:\.\d+){0,2})$/.exec(comparator);
  if (!match) throw new EngineSettingsError(`Cannot read version range "${range}" (at "${comparator}").`);
  const operator = match[1] ?? '=';
  const text = match[2]!;
  const bound = parseVersion(text);
  const cmp = compareVersions(version, bound);
  switch (operator) {
    case '>=':
      return cmp >= 0;
    case '>':
      return cmp > 0;
    case '<=':
      return cmp <= 0;
    case '<':
      return cmp < 0;
    default: {
      // `=14` / `14` compares only the parts written.
      const parts = text.split('.').length;
      return version.slice(0, parts).every((part, i) => part === bound[i]);
    }
  }
}

/** Throws on a range that cannot be read (used by the rule convention tests). */
export function assertValidRange(range: string): void {
  versionInRange([0, 0, 0], range);
}

/** Fill defaults and validate: database name, version text, severity overrides. */
export function resolveSettings(settings: Partial<EngineSettings> = {}): ResolvedSettings {
  const database = settings.database === undefined ? DEFAULT_DATABASE : parseDatabase(settings.database);
  const versionText = settings.databaseVersion?.trim() || DEFAULT_VERSIONS[database];
  const version = parseVersion(versionText);
  for (const [ruleId, severity] of Object.entries(settings.severityOverrides ?? {})) {
    if (!SEVERITIES.includes(severity)) {
      throw new EngineSettingsError(`Severity "${String(severity)}" for rule ${ruleId} is not one of: ${SEVERITIES.join(', ')}.`);
    }
  }
  return {
    database,
    version,
    versionText,
    swappable: { AUTH_USER_MODEL: 'auth.User', ...(settings.swappable ?? {}) },
  };
}

/** True when the target version is at least `text`. */
export function versionAtLeast(settings: ResolvedSettings, text: string): boolean {
  return compareVersions(settings.version, parseVersion(text)) >= 0;
}
