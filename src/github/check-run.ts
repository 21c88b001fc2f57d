/** A check run on a pull request's head commit from the engine's findings. */
import type { Finding } from '../engine/rules/types.js';
import type { Severity } from '../engine/types.js';
import type { GitHubOctokit } from './transport.js';
import type { RepoRef } from './types.js';

/** GitHub takes at most this many annotations per create or update request; the rest go in updates. */
export const ANNOTATIONS_PER_REQUEST = 50;
export const CHECK_NAME = 'migrate-help';

const LEVEL: Record<Severity, 'failure' | 'warning' | 'notice'> = { error: 'failure', warning: 'warning', info: 'notice' };

export type CheckConclusion = 'failure' | 'neutral' | 'success';

/** Errors fail the check; warnings and info leave it neutral (visible, not blocking); none is success. */
export function conclusionOf(findings: readonly Finding[]): CheckConclusion {
  if (findings.some((finding) => finding.severity === 'error')) return 'failure';
  return findings.length > 0 ? 'neutral' : 'success';
}

function annotation(finding: Finding) {
  const startLine = Math.max(1, finding.line);
  const endLine = Math.max(startLine, finding.endLine ?? startLine);
  // Columns are only accepted on single-line annotations.
  const columns = endLine === startLine && finding.column !== undefined && finding.endColumn !== undefined ? { start_column: finding.column, end_column: finding.endColumn } : {};
  return {
    path: finding.path.replace(/\\/g, '/').replace(/^(\.\/)+/, ''),
    start_line: startLine,
    end_line: endLine,
    ...columns,
    annotation_level: LEVEL[finding.severity],
    title: `${finding.ruleId} (${finding.app}.${finding.migration})`,
    message: finding.message,
    raw_details: finding.safeAlternative.slice(0, 60_000),
  };
}

export interface CheckRunInput {
  headSha: string;
  findings: readonly Finding[];
  title: string;
  /** Markdown shown on the check's page. */
  summary: string;
  detailsUrl?: string;
}

/** Creates the check run (completed) with the first annotations, then adds the rest in batches. */
export async function createCheckRun(octokit: GitHubOctokit, ref: RepoRef, input: CheckRunInput): Promise<{ id: number; url: string; conclusion: CheckConclusion }> {
  const annotations = input.findings.map(annotation);
  const conclusion = conclusionOf(input.findings);
  const output = (batch: typeof annotations) => ({ title: input.title, summary: input.summary.slice(0, 65_535), annotations: batch });
  const { data } = await octokit.rest.checks.create({
    owner: ref.owner,
    repo: ref.repo,
    name: CHECK_NAME,
    head_sha: input.headSha,
    status: 'completed',
    conclusion,
    completed_at: new Date().toISOString(),
    ...(input.detailsUrl ? { details_url: input.detailsUrl } : {}),
    output: output(annotations.slice(0, ANNOTATIONS_PER_REQUEST)),
  });
  for (let start = ANNOTATIONS_PER_REQUEST; start < annotations.length; start += ANNOTATIONS_PER_REQUEST) {
    await octokit.rest.checks.update({ owner: ref.owner, repo: ref.repo, check_run_id: data.id, output: output(annotations.slice(start, start + ANNOTATIONS_PER_REQUEST)) });
  }
  return { id: data.id, url: data.html_url ?? '', conclusion };
}
