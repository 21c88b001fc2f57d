/**
 * A pull request's migrations linted as the check run, the sticky comment and the Slack review see them:
 * the PR's added and changed migrations as targets, the base tree of the apps they touch as context, and
 * the SQL each target runs, predicted from the same parsed files.
 */
import { analyze, initParser, parseMigration, type EngineSettings, type Report, type SourceFile } from '../engine/index.js';
import { predictForReport } from '../engine/report/sql.js';
import type { Finding } from '../engine/rules/types.js';
import type { MigrationSql } from '../engine/sql/index.js';
import type { GitHub } from './client.js';
import type { PullRequestRef, ReviewContext } from './types.js';

export interface PullRequestLint {
  context: ReviewContext;
  findings: Finding[];
  settings: Report['settings'];
  /** The targets' predicted SQL; empty when the prediction could not run (the findings still stand). */
  sql: MigrationSql[];
}

export interface LintedSources {
  report: Report;
  sql: MigrationSql[];
}

/** The engine's report and the targets' predicted SQL, from one parse of the sources. */
export async function lintSources(sources: readonly SourceFile[], settings: Partial<EngineSettings>, targets: readonly string[]): Promise<LintedSources> {
  await initParser();
  const files = sources.map((source) => parseMigration(source.text, { path: source.path, ...(source.appLabel ? { appLabel: source.appLabel } : {}) }));
  const report = analyze(files, settings, { targets: [...targets] });
  return { report, sql: await predictForReport(files, report.settings, targets) };
}

/** Null when the pull request changes no migrations. */
export async function lintPullRequest(github: Pick<GitHub, 'loadReviewContext'>, ref: PullRequestRef, settings: Partial<EngineSettings>): Promise<PullRequestLint | null> {
  const context = await github.loadReviewContext(ref, { baseContents: 'touched-apps' });
  if (context.migrationChanges.length === 0) return null;
  const { report, sql } = await lintSources(context.engineInput.sources, settings, context.engineInput.targets);
  return { context, findings: report.findings, settings: report.settings, sql };
}
