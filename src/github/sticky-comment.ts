/**
 * The one migrate-help comment on a pull request: found by STICKY_MARKER at the start of its body (every
 * page of comments is read), created once, edited in place afterwards. Used by the Action and by the
 * Slack "Post to PR" button, so both write the same comment.
 */
import { STICKY_MARKER } from '../engine/report/pr-comment.js';
import type { GitHubOctokit } from './transport.js';

export interface IssueRef {
  owner: string;
  repo: string;
  /** Pull request (issue) number. */
  number: number;
}

export type StickyOutcome =
  | { action: 'created' | 'updated' | 'unchanged'; id: number; url: string; removedDuplicates: number }
  /** Nothing to resolve: no sticky comment existed and none is wanted. */
  | { action: 'none' };

interface StickyComment {
  id: number;
  body: string;
  url: string;
}

/** Every comment that carries the marker, oldest first. */
export async function findStickyComments(octokit: GitHubOctokit, ref: IssueRef): Promise<StickyComment[]> {
  const found: StickyComment[] = [];
  const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, { owner: ref.owner, repo: ref.repo, issue_number: ref.number, per_page: 100 });
  for await (const page of pages) {
    for (const comment of page.data) {
      if (comment.body?.startsWith(STICKY_MARKER)) found.push({ id: comment.id, body: comment.body, url: comment.html_url });
    }
  }
  return found;
}

/**
 * Write `body` into the sticky comment. `onlyIfPresent` (the resolved state) edits an existing comment but
 * never creates one: a PR that never had risks gets no comment. Extra marker comments (two runs that raced
 * to create one) are deleted, so the PR ends with exactly one.
 */
export async function upsertStickyComment(octokit: GitHubOctokit, ref: IssueRef, body: string, options: { onlyIfPresent?: boolean } = {}): Promise<StickyOutcome> {
  if (!body.startsWith(STICKY_MARKER)) throw new Error('a sticky comment body must start with STICKY_MARKER');
  const [first, ...duplicates] = await findStickyComments(octokit, ref);
  for (const duplicate of duplicates) await octokit.rest.issues.deleteComment({ owner: ref.owner, repo: ref.repo, comment_id: duplicate.id });
  const removedDuplicates = duplicates.length;
  if (!first) {
    if (options.onlyIfPresent) return { action: 'none' };
    const { data } = await octokit.rest.issues.createComment({ owner: ref.owner, repo: ref.repo, issue_number: ref.number, body });
    return { action: 'created', id: data.id, url: data.html_url, removedDuplicates };
  }
  if (first.body === body) return { action: 'unchanged', id: first.id, url: first.url, removedDuplicates };
  const { data } = await octokit.rest.issues.updateComment({ owner: ref.owner, repo: ref.repo, comment_id: first.id, body });
  return { action: 'updated', id: data.id, url: data.html_url, removedDuplicates };
}
