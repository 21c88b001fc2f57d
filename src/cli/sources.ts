/** What discovery finds and what it leaves out. */

export type SkipReason = 'dependencies' | 'virtualenv' | 'gitignore' | 'exclude' | 'test-fixtures' | 'migrations-disabled' | 'migration-module-moved';

export const SKIP_REASONS: Readonly<Record<SkipReason, string>> = {
  dependencies: 'installed dependencies',
  virtualenv: 'a Python virtualenv or installed packages',
  gitignore: 'listed in .gitignore',
  exclude: 'excluded by the config file',
  'test-fixtures': "another tool's test fixtures",
  'migrations-disabled': 'MIGRATION_MODULES turns its migrations off (None)',
  'migration-module-moved': "MIGRATION_MODULES points the app's migrations elsewhere",
};

export interface Skipped {
  /** Relative to the cwd, POSIX. */
  path: string;
  reason: SkipReason;
}

export interface MigrationSource {
  /** Absolute path. */
  abs: string;
  /** Path relative to the cwd, POSIX separators (what reports show). */
  path: string;
  /** The app package folder whose AppConfig may declare the label; absent for loose files. */
  appDir?: string;
  /** The migrations folder (absolute); absent for loose files. */
  migrationsDir?: string;
  /** The app label, when known before reading (MIGRATION_MODULES) or once resolved (resolveLabels). */
  label?: string;
}

