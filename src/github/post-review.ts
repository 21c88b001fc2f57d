/**
 * "Post to PR" from a Slack review: the sticky comment the Action writes (with the same "SQL and locks"
 * block under each finding), written with the bot's own GitHub credentials (the allowlist is checked
 * before anything is sent). A PR without risks gets its existing comment marked resolved, or no comment.
 */
import type { EngineSettings } from '../engine/index.js';
import { renderPrComment, renderResolvedComment } from '../engine/report/pr-comment.js';
import { sqlSections } from '../engine/report/sql.js';
import { AppError } from '../errors.js';
import type { GitHub } from './client.js';
import { isHttpError, translateGitHubError } from './errors.js';
import { lintPullRequest } from './pr-lint.js';
import { upsertStickyComment, type StickyOutcome } from './sticky-comment.js';
import type { PullRequestRef } from './types.js';

export async function postReviewComment(github: Pick<GitHub, 'allowlist' | 'authMode' | 'loadReviewContext' | 'octokitFor'>, ref: PullRequestRef, settings: Partial<EngineSettings>): Promise<StickyOutcome> {
  github.allowlist.check(ref);
  const lint = await lintPullRequest(github, ref, settings);
  const findings = lint?.findings ?? [];
  const headSha = lint?.context.pullRequest.head.sha;
  const common = { ...(headSha === undefined ? {} : { headSha }), ...(lint === null ? {} : { settings: lint.settings }) };
  const octokit = await github.octokitFor(ref);
  try {
    if (findings.length === 0) return await upsertStickyComment(octokit, ref, renderResolvedComment(common), { onlyIfPresent: true });
    const sections = sqlSections(lint?.sql);
    return await upsertStickyComment(octokit, ref, renderPrComment({ ...common, findings, ...(sections ? { sections } : {}) }));
  } catch (error) {
    if (isHttpError(error) && (error.status === 403 || error.status === 404)) {
      const name = `${ref.owner}/${ref.repo}#${ref.number}`;
      const who = github.authMode === 'app' ? 'the GitHub App' : 'GITHUB_TOKEN';
      throw new AppError('github_auth_failed', `GitHub refused to write the comment on ${name} (HTTP ${error.status}): give ${who} Pull requests (or Issues) write access on that repository.`, { cause: error });
    }
    throw translateGitHubError(error, { repo: ref, auth: github.authMode });
  }
}
