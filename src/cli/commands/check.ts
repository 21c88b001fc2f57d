/** `check <path…>`: lint migrations and report risky operations. Returns data; prints nothing. */
import { realpathSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { applyBaseline, createBaseline } from '../../engine/baseline.js';
import type { BaselineEntry } from '../../engine/baseline.js';
import { analyze, rules as registry } from '../../engine/index.js';
import type { EngineSettings, MigrationFile, Report, RuleMeta, Severity } from '../../engine/index.js';
import { labelSources } from '../app-labels.js';
import { baselineText, readBaseline, writeBaseline } from '../baseline-file.js';
import { loadConfig } from '../config.js';
import type { Config } from '../config.js';
import { usageError } from '../exit.js';
import { discoverMigrations, readMigrations } from '../files.js';
import type { MigrationSource, Skipped } from '../files.js';
import { changedFilesSince } from '../git.js';
import { loadMigrationModules, projectRootOf } from '../project.js';

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
  /** Settings module to read MIGRATION_MODULES from. */
  settings?: string;
  /** Report only findings not recorded in this baseline file. */
  baseline?: string;
  /** Record this run's findings in this file (they are then all baselined). */
  writeBaseline?: string;
  /** Tool version written into a new baseline file. */
  version?: string;
}

export interface BaselineSummary {
  /** The file, as the user named it. */
  file: string;
  baselined: number;
  stale: BaselineEntry[];
  /** Set when this run wrote the file: how many entries it holds. */
  written?: number;
}

export interface CheckResult {
  report: Report;
  /** Paths linted (relative, POSIX); the other files were read as context. */
  targets: string[];
  sources: MigrationSource[];
  /** Every file read, parsed: callers that also predict SQL (the Action) use these instead of reading again. */
  files: MigrationFile[];
  configPath?: string;
  /** Set when there was nothing to lint, with the reason (e.g. no migration changed since the ref). */
  nothingToLint?: string;
  /** Rule metadata for reporters (SARIF help texts). */
  rules: readonly RuleMeta[];
  /** Folders and files discovery left out, with the reason. */
  skipped: Skipped[];
  /** Things about the project the user should know (an unresolved MIGRATION_MODULES entry…). */
  notes: string[];
  baseline?: BaselineSummary;
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

/** The sources to read: what was named, plus the rest of the project around any single file named. */
function gatherSources(options: CheckOptions, discover: (paths: string[], skipped?: Skipped[]) => MigrationSource[], skipped: Skipped[]): { sources: MigrationSource[]; named: Set<string> } {
  const sources = discover(options.paths, skipped);
  const named = new Set(sources.map((source) => source.abs));
  // A file named alone still needs its siblings and its dependencies in other apps, or the graph reports false NodeNotFoundErrors.
  const roots = new Set(sources.filter((source) => source.migrationsDir && options.paths.some((given) => resolve(options.cwd, given) === source.abs)).map((source) => projectRootOf(source.appDir!)));
  if (roots.size === 0) return { sources, named };
  const byPath = new Map(sources.map((source) => [source.abs, source]));
  for (const context of discover([...roots])) if (!byPath.has(context.abs)) byPath.set(context.abs, context);
  return { sources: [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), named };
}

export async function check(options: CheckOptions): Promise<CheckResult> {
  const { config, path: configPath } = await loadConfig(options.cwd, options.config);
  const project = await loadMigrationModules({ cwd: options.cwd, config, ...(options.settings ? { settings: options.settings } : {}), ...(configPath ? { configPath } : {}) });
  const skipped: Skipped[] = [];
  const discover = (paths: string[], into?: Skipped[]) =>
    discoverMigrations(paths, { cwd: options.cwd, exclude: config.exclude ?? [], excludeBase: configPath ? dirname(configPath) : options.cwd, migrationModules: project.dirs, ...(into ? { skipped: into } : {}) });
  const gathered = gatherSources(options, discover, skipped);
  const sources = await labelSources(gathered.sources, { cwd: options.cwd, migrationModules: project.modules, skipped });
  if (sources.length === 0) {
    throw usageError(`no migration files found under ${options.paths.join(', ')}.`, 'pass the Django project root (the folder holding your apps), e.g. `migrate-help check .`.');
  }
  let targets = sources.filter((source) => gathered.named.has(source.abs)).map((source) => source.path);
  let nothingToLint: string | undefined;
  if (options.since) {
    const changed = await changedFilesSince(options.since, options.cwd);
    targets = sources.filter((source) => gathered.named.has(source.abs) && changed.has(realPath(source.abs))).map((source) => source.path);
    if (targets.length === 0) nothingToLint = `No migration file was added or changed since ${options.since}.`;
  }
  const files = await readMigrations(sources);
  const report = analyze(files, engineSettings(config, options), { targets });
  const baseline = await applyBaselineFile(report, files, targets, options, config, configPath);
  return {
    report,
    targets,
    sources,
    files,
    rules: registry,
    skipped,
    notes: project.notes,
    ...(configPath ? { configPath } : {}),
    ...(nothingToLint ? { nothingToLint } : {}),
    ...(baseline ? { baseline } : {}),
  };
}

/** --write-baseline records the findings; --baseline (or the config's `baseline`) drops the recorded ones from the report. */
async function applyBaselineFile(report: Report, files: readonly MigrationFile[], targets: readonly string[], options: CheckOptions, config: Config, configPath: string | undefined): Promise<BaselineSummary | undefined> {
  const targetSet = new Set(targets);
  const targetFiles = files.filter((file) => targetSet.has(file.path));
  if (options.writeBaseline) {
    const path = resolve(options.cwd, options.writeBaseline);
    const recorded = createBaseline(report.findings, files);
    writeBaseline(path, options.writeBaseline, baselineText(recorded, options.version ?? '0'));
    const baselined = report.findings.length;
    report.findings = [];
    return { file: options.writeBaseline, baselined, stale: [], written: recorded.entries.length };
  }
  const given = options.baseline ?? config.baseline;
  if (!given) return undefined;
  const path = options.baseline ? resolve(options.cwd, options.baseline) : resolve(configPath ? dirname(configPath) : options.cwd, given);
  const shown = options.baseline ?? (relative(options.cwd, path) || given);
  const outcome = applyBaseline(report.findings, await readBaseline(path, shown), files, targetFiles);
  report.findings = outcome.reported;
  return { file: shown, baselined: outcome.baselined, stale: outcome.stale };
}

const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

/** Do the findings reach the --fail-on threshold? */
export function failsAt(report: Pick<Report, 'findings'>, failOn: FailOn): boolean {
  if (failOn === 'never') return false;
  return report.findings.some((finding) => RANK[finding.severity] >= RANK[failOn]);
}
