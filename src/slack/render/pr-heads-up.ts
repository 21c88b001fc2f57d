/**
 * The heads-up a linked channel gets when a pull request adds risky migrations: the PR, its risks by
 * severity, the worst one in a line, and a button that opens the full review in the message's thread.
 */
import type { KnownBlock } from '@slack/types';
import type { Finding } from '../../engine/rules/types.js';
import type { Severity } from '../../engine/types.js';
import { escapeMrkdwn } from './messages.js';

export const OPEN_PR_REVIEW_ACTION = 'open_pr_review';

/** Warnings and errors are worth a channel's attention; info findings stay on the check run. */
const RISKY: readonly Severity[] = ['error', 'warning'];

export interface PullRequestHeadsUp {
  /** `owner/repo#N`, the button's value. */
  ref: string;
  title: string;
  url: string;
  findings: readonly Finding[];
}

export function riskyFindings(findings: readonly Finding[]): Finding[] {
  return RISKY.flatMap((severity) => findings.filter((finding) => finding.severity === severity));
}

function countsLine(risky: readonly Finding[]): string {
  return RISKY.map((severity) => [severity, risky.filter((finding) => finding.severity === severity).length] as const)
    .filter(([, count]) => count > 0)
    .map(([severity, count]) => `${count} ${severity}${count === 1 ? '' : 's'}`)
    .join(', ');
}

/** Null when nothing reaches a warning: no heads-up for that PR. */
export function headsUpMessage(headsUp: PullRequestHeadsUp): { text: string; blocks: KnownBlock[] } | null {
  const risky = riskyFindings(headsUp.findings);
  const worst = risky[0];
  if (worst === undefined) return null;
  const text = `:warning: <${headsUp.url}|${escapeMrkdwn(headsUp.ref)}> “${escapeMrkdwn(headsUp.title)}” adds risky migrations: ${countsLine(risky)}.`;
  const worstLine = `Worst: \`${worst.ruleId}\` in \`${escapeMrkdwn(worst.path)}:${worst.line}\`: ${escapeMrkdwn(worst.message)}`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${text}\n${worstLine}` } },
      {
        type: 'actions',
        elements: [{ type: 'button', action_id: OPEN_PR_REVIEW_ACTION, text: { type: 'plain_text', text: 'Open the review in a thread' }, value: headsUp.ref }],
      },
    ],
  };
}
