/**
 * A pull request's migrations linted as the check run and the sticky comment see them: the PR's added
 * and changed migrations as targets, the base tree of the apps they touch as context.
 */
import { analyzeSources, type EngineSettings } from '../engine/index.js';
import type { Finding } from '../engine/rules/types.js';
import type { GitHub } from './client.js';
import type { PullRequestRef, ReviewContext } from './types.js';

export interface PullRequestLint {
  context: ReviewContext;
  findings: Finding[];
  settings: Awaited<ReturnType<typeof analyzeSources>>['settings'];
}

/** Null when the pull request changes no migrations. */
export async function lintPullRequest(github: Pick<GitHub, 'loadReviewContext'>, ref: PullRequestRef, settings: Partial<EngineSettings>): Promise<PullRequestLint | null> {
  const context = await github.loadReviewContext(ref, { baseContents: 'touched-apps' });
  if (context.migrationChanges.length === 0) return null;
  const report = await analyzeSources(context.engineInput.sources, settings, { targets: context.engineInput.targets });
  return { context, findings: report.findings, settings: report.settings };
}
