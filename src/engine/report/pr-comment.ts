/**
 * The pull-request comment (and job summary): every finding with the rule's message, why it is risky and
 * the safe recipe folded in `<details>`. Pure Markdown; the GitHub edge finds the comment by STICKY_MARKER.
 */
import type { Finding } from '../rules/types.js';
import type { Severity } from '../types.js';
import { countBySeverity, describeCounts, describeTarget, posixPath, sortFindings } from './common.js';
import { RULES_DOC } from './types.js';

/** Hidden first line of the one comment migrate-help keeps on a pull request. */
export const STICKY_MARKER = '<!-- migrate-help:sticky -->';

/** GitHub refuses comment bodies longer than this (characters). */
export const MAX_COMMENT_CHARS = 65_536;

/** A folded block under a finding, e.g. the SQL a migration runs and the lock it takes. */
export interface FindingSection {
  title: string;
  /** Markdown. */
  body: string;
}

export interface PrCommentInput {
  findings: readonly Finding[];
  settings?: { database: string; versionText: string };
  /** The commit the report is about (shown shortened). */
  headSha?: string;
  /** Link to the workflow run or check run with the full report. */
  detailsUrl?: string;
  /** Extra folded sections per finding, after the safe recipe (the SQL-and-lock section plugs in here). */
  sections?: (finding: Finding) => readonly FindingSection[];
  /** Budget for the whole body; findings that do not fit are counted, not shown. */
  maxChars?: number;
}

const LABEL: Record<Severity, string> = { error: '🛑 error', warning: '⚠️ warning', info: 'ℹ️ info' };

function folded(title: string, body: string): string {
  return `<details><summary>${title}</summary>\n\n${body.trim()}\n\n</details>`;
}

function quoteMessage(text: string): string {
  return text
    .trim()
    .split('\n')
    .map((line) => `> ${line}`.trimEnd())
    .join('\n');
}

function findingBlock(finding: Finding, recipeShown: boolean, sections: readonly FindingSection[]): string {
  const where = `\`${posixPath(finding.path)}\` line ${Math.max(1, finding.line)} (\`${finding.app}.${finding.migration}\`${finding.operation ? `, ${finding.operation.type} #${finding.operation.index + 1}` : ''})`;
  const parts = [`#### ${LABEL[finding.severity]} \`${finding.ruleId}\`: ${where}`, quoteMessage(finding.message), `**Why:** ${finding.why.trim()}`];
  parts.push(recipeShown ? `Safe recipe: as for \`${finding.ruleId}\` above.` : folded('Safe recipe', finding.safeAlternative));
  for (const section of sections) parts.push(folded(section.title, section.body));
  return parts.join('\n\n');
}

function heading(input: PrCommentInput, findings: readonly Finding[]): string {
  const target = describeTarget(input.settings);
  const counts = describeCounts(countBySeverity(findings));
  const commit = input.headSha ? ` at \`${input.headSha.slice(0, 7)}\`` : '';
  const noun = findings.length === 1 ? 'risk' : 'risks';
  return `### migrate-help: ${findings.length} migration ${noun}${commit}\n\n${counts}${target ? ` for ${target}` : ''}.`;
}

/** The comment with findings. Over budget, the last findings are left out and counted. */
export function renderPrComment(input: PrCommentInput): string {
  const findings = sortFindings(input.findings);
  const budget = (input.maxChars ?? MAX_COMMENT_CHARS) - 400;
  const footer = `Rules, why they matter and safe recipes: \`${RULES_DOC}\`.${input.detailsUrl ? ` [Full report](${input.detailsUrl}).` : ''} This comment is updated on every push.`;
  let body = `${STICKY_MARKER}\n${heading(input, findings)}`;
  const recipes = new Set<string>();
  let shown = 0;
  for (const finding of findings) {
    const block = findingBlock(finding, recipes.has(finding.ruleId), input.sections?.(finding) ?? []);
    if (body.length + block.length + footer.length > budget) break;
    body += `\n\n${block}`;
    recipes.add(finding.ruleId);
    shown++;
  }
  const left = findings.length - shown;
  if (left > 0) body += `\n\n…and ${left} more ${left === 1 ? 'finding' : 'findings'} that do not fit in a comment: see the annotations on the diff${input.detailsUrl ? ` or the [full report](${input.detailsUrl})` : ''}.`;
  return `${body}\n\n---\n${footer}\n`;
}

/** The same comment once the risks are gone: kept (not deleted) so the review history still makes sense. */
export function renderResolvedComment(input: Pick<PrCommentInput, 'settings' | 'headSha' | 'detailsUrl'>): string {
  const target = describeTarget(input.settings);
  const commit = input.headSha ? ` as of \`${input.headSha.slice(0, 7)}\`` : '';
  return `${STICKY_MARKER}\n### migrate-help: resolved ✅\n\nThe migration risks reported earlier are gone${commit}: no findings${target ? ` for ${target}` : ''} in the migrations this pull request adds or changes.${input.detailsUrl ? ` [Run](${input.detailsUrl}).` : ''}\n`;
}

/** The job summary of a clean run (no comment is created for one). */
export function renderNoRisks(input: Pick<PrCommentInput, 'settings' | 'headSha'>): string {
  const target = describeTarget(input.settings);
  const commit = input.headSha ? ` at \`${input.headSha.slice(0, 7)}\`` : '';
  return `### migrate-help: no migration risks${commit}\n\nNo findings${target ? ` for ${target}` : ''} in the migrations checked.\n`;
}
