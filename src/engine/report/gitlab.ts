import { createHash } from 'node:crypto';
import type { Finding } from '../rules/types.js';
import type { Severity } from '../types.js';
import { posixPath, sortFindings } from './common.js';
import type { ReporterInput } from './types.js';

/** GitLab's scale has five steps; ours three. Errors rank above what GitLab calls major, info stays info. */
export const GITLAB_SEVERITY: Record<Severity, 'info' | 'minor' | 'major' | 'critical' | 'blocker'> = { error: 'critical', warning: 'major', info: 'info' };

/**
 * What identifies a finding across pushes: the rule, the migration and where the operation sits in
 * it (index path), never the line, so an edit above it keeps the same fingerprint. Findings on no
 * operation (file or project level) fall back to the message id.
 */
function identity(finding: Finding): string {
  const where = finding.operation ? [...finding.operation.path, String(finding.operation.index)].join('/') : `file:${finding.messageId ?? ''}`;
  return [finding.ruleId, finding.app, finding.migration, where].join('\0');
}

function lines(finding: Finding): { begin: number; end?: number } {
  const begin = Math.max(1, finding.line);
  return finding.endLine !== undefined && finding.endLine > begin ? { begin, end: finding.endLine } : { begin };
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/**
 * GitLab Code Quality JSON (`artifacts:reports:codequality`): an array of issues with description,
 * check_name, fingerprint, severity and location.path / location.lines.begin (and .end for multi-line findings). GitLab drops issues
 * whose fingerprints repeat, so a second finding with the same identity gets an occurrence suffix.
 */
export function renderGitlab(input: ReporterInput): string {
  const seen = new Map<string, number>();
  const issues = sortFindings(input.findings).map((finding) => {
    const key = identity(finding);
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    return {
      description: `${finding.message} (${finding.app}.${finding.migration})`,
      check_name: finding.ruleId,
      fingerprint: md5(occurrence === 0 ? key : `${key}\0${occurrence}`),
      severity: GITLAB_SEVERITY[finding.severity],
      location: { path: posixPath(finding.path), lines: lines(finding) },
    };
  });
  return `${JSON.stringify(issues, null, 2)}\n`;
}
