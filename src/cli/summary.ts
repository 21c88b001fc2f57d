/**
 * The closing summary of a text report: counts per rule and severity, the files with most findings,
 * the baseline, and what was skipped and why — so a first run on a large repository reads at a glance.
 */
import type { Finding, Severity } from '../engine/index.js';
import type { CheckResult } from './commands/check.js';
import { SKIP_REASONS } from './sources.js';
import type { SkipReason } from './sources.js';

const SEVERITY_ORDER: readonly Severity[] = ['error', 'warning', 'info'];
const TOP_FILES = 5;
const LISTED_SKIPS = 8;
const LISTED_STALE = 10;

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function ruleCounts(findings: readonly Finding[]): string[] {
  const byRule = new Map<string, Record<Severity, number>>();
  for (const finding of findings) {
    const counts = byRule.get(finding.ruleId) ?? { error: 0, warning: 0, info: 0 };
    counts[finding.severity]++;
    byRule.set(finding.ruleId, counts);
  }
  const total = (counts: Record<Severity, number>) => counts.error + counts.warning + counts.info;
  const rows = [...byRule].sort(([a, x], [b, y]) => y.error - x.error || total(y) - total(x) || (a < b ? -1 : 1));
  const width = Math.max(...rows.map(([id]) => id.length));
  return rows.map(([id, counts]) => `    ${id.padEnd(width)}  ${SEVERITY_ORDER.filter((severity) => counts[severity] > 0).map((severity) => `${counts[severity]} ${severity}`).join(', ')}`);
}

function topFiles(findings: readonly Finding[]): string[] {
  const byPath = new Map<string, number>();
  for (const finding of findings) byPath.set(finding.path, (byPath.get(finding.path) ?? 0) + 1);
  return [...byPath]
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .slice(0, TOP_FILES)
    .map(([path, count]) => `    ${String(count).padStart(4)}  ${path}`);
}

function skippedLines(result: CheckResult): string[] {
  const lines: string[] = [];
  const byReason = new Map<SkipReason, string[]>();
  for (const skip of result.skipped) byReason.set(skip.reason, [...(byReason.get(skip.reason) ?? []), skip.path]);
  for (const [reason, paths] of byReason) {
    const shown = paths.slice(0, LISTED_SKIPS).join(', ');
    lines.push(`    ${SKIP_REASONS[reason]}: ${shown}${paths.length > LISTED_SKIPS ? `, and ${paths.length - LISTED_SKIPS} more` : ''}`);
  }
  const context = result.report.stats.files - result.report.stats.targets;
  if (context > 0) lines.push(`    ${plural(context, 'migration file')} read as context only (dependencies and history, not linted)`);
  const unread = Object.entries(result.report.problems).filter(([path]) => result.targets.includes(path));
  if (unread.length > 0) lines.push(`    parts of ${plural(unread.length, 'file')} the reader could not follow (see the parse-error and dynamic-operations findings)`);
  return lines;
}

function baselineLines(result: CheckResult): string[] {
  const baseline = result.baseline;
  if (!baseline) return [];
  if (baseline.written !== undefined) {
    return [`  Baseline: wrote ${plural(baseline.baselined, 'finding')} (${plural(baseline.written, 'entry')}) to ${baseline.file}; ${baseline.baselined} baselined. Run with --baseline ${baseline.file} to see only new findings.`];
  }
  const lines = [`  Baseline ${baseline.file}: ${baseline.baselined} baselined.`];
  if (baseline.stale.length > 0) {
    lines.push(`  ${plural(baseline.stale.length, 'stale baseline entry')} (fixed or gone; rewrite the file with --write-baseline to drop them):`.replace('entrys', 'entries'));
    for (const entry of baseline.stale.slice(0, LISTED_STALE)) {
      lines.push(`    ${entry.app}.${entry.migration}${entry.operation === null ? '' : ` operation ${entry.operation}`}  ${entry.rule}${entry.count > 1 ? ` ×${entry.count}` : ''}`);
    }
    if (baseline.stale.length > LISTED_STALE) lines.push(`    and ${baseline.stale.length - LISTED_STALE} more`);
  }
  return lines;
}

/** The summary block printed at the end of every text report. */
export function renderRunSummary(result: CheckResult): string {
  const { findings } = result.report;
  const out = ['Summary'];
  if (findings.length > 0) {
    out.push('  By rule:', ...ruleCounts(findings));
    out.push('  Files with most findings:', ...topFiles(findings));
  }
  out.push(...baselineLines(result));
  const skipped = skippedLines(result);
  if (skipped.length > 0) out.push('  Skipped:', ...skipped);
  else out.push('  Skipped: nothing.');
  for (const note of result.notes) out.push(`  Note: ${note}`);
  return `${out.join('\n')}\n`;
}
