/** `check <path…>`: lint migrations and report risky operations. Returns data; prints nothing. */
import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { analyze, rules as registry } from '../../engine/index.js';
import type { EngineSettings, Report, RuleMeta, Severity } from '../../engine/index.js';
import { loadConfig } from '../config.js';
import type { Config } from '../config.js';
import { usageError } from '../exit.js';
import { discoverMigrations, readMigrations } from '../files.js';
import type { MigrationSource } from '../files.js';
import { changedFilesSince } from '../git.js';

export type FailOn = Severity | 'never';

export interface CheckOptions {
  paths: string[];
  cwd: string;
  database?: string;
  dbVersion?: string;
  config?: string;
  disable?: string[];
  enable?: string[];
  since?: string;
  /** The project runs django-pg-zero-downtime-migrations' backend (`--pg-zero-downtime`). */
  pgZeroDowntime?: boolean;
}

export interface CheckResult {
  report: Report;
  /** Paths linted (relative, POSIX); the other files were read as context. */
  targets: string[];
  sources: MigrationSource[];
  configPath?: string;
  /** Set when there was nothing to lint, with the reason (e.g. no migration changed since the ref). */
  nothingToLint?: string;
  /** Rule metadata for reporters (SARIF help texts). */
  rules: readonly RuleMeta[];
}

/** Settings for the engine: flags win over the config file, lists are merged. */
export function engineSettings(config: Config, options: Pick<CheckOptions, 'database' | 'dbVersion' | 'disable' | 'enable' | 'pgZeroDowntime'>): Partial<EngineSettings> {
  const version = options.dbVersion ?? (config.databaseVersion === undefined ? undefined : String(config.databaseVersion));
  const database = options.database ?? config.database;
  return {
    ...(database ? { database: database as EngineSettings['database'] } : {}),
    ...(version ? { databaseVersion: version } : {}),
    disabledRules: [...new Set([...(config.disable ?? []), ...(options.disable ?? [])])],
    enabledRules: [...new Set([...(config.enable ?? []), ...(options.enable ?? [])])],
    ...(config.severity ? { severityOverrides: config.severity } : {}),
    ...(config.swappable ? { swappable: config.swappable } : {}),
    ...(options.pgZeroDowntime || config.zeroDowntimeBackend ? { zeroDowntimeBackend: true } : {}),
  };
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

export async function check(options: CheckOptions): Promise<CheckResult> {
  const { config, path: configPath } = loadConfig(options.cwd, options.config);
  const sources = discoverMigrations(options.paths, { cwd: options.cwd, exclude: config.exclude ?? [], excludeBase: configPath ? dirname(configPath) : options.cwd });
  if (sources.length === 0) {
    throw usageError(`no migration files found under ${options.paths.join(', ')}.`, 'pass the Django project root (the folder holding your apps), e.g. `migrate-help check .`.');
  }
  let targets = sources.map((source) => source.path);
  let nothingToLint: string | undefined;
  if (options.since) {
    const changed = await changedFilesSince(options.since, options.cwd);
    targets = sources.filter((source) => changed.has(realPath(source.abs))).map((source) => source.path);
    if (targets.length === 0) nothingToLint = `No migration file was added or changed since ${options.since}.`;
  }
  const files = await readMigrations(sources);
  const report = analyze(files, engineSettings(config, options), { targets });
  return { report, targets, sources, rules: registry, ...(configPath ? { configPath } : {}), ...(nothingToLint ? { nothingToLint } : {}) };
}

const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

/** Do the findings reach the --fail-on threshold? */
export function failsAt(report: Pick<Report, 'findings'>, failOn: FailOn): boolean {
  if (failOn === 'never') return false;
  return report.findings.some((finding) => RANK[finding.severity] >= RANK[failOn]);
}
