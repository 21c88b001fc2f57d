import type { Finding } from '../rules/types.js';
import type { Severity } from '../types.js';
import { style } from './ansi.js';
import type { Style } from './ansi.js';
import { countBySeverity, describeCounts, describeTarget, groupBy, posixPath, sortFindings } from './common.js';
import { RULES_DOC, SEVERITIES } from './types.js';
import type { ReporterInput } from './types.js';

function paint(s: Style, severity: Severity, text: string): string {
  return severity === 'error' ? s.red(text) : severity === 'warning' ? s.yellow(text) : s.cyan(text);
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => (line.length > 0 ? prefix + line : line))
    .join('\n');
}

/** The summary line plus the pointer to the rules reference. */
export function renderSummary(input: ReporterInput, s: Style = style(input.color === true)): string {
  const counts = countBySeverity(input.findings);
  const target = describeTarget(input.settings);
  const scope = input.stats
    ? ` in ${input.stats.targets} migration file${input.stats.targets === 1 ? '' : 's'}${input.stats.files !== input.stats.targets ? ` (${input.stats.files} read for context)` : ''}`
    : '';
  const on = target ? ` for ${target}` : '';
  const head = input.findings.length === 0 ? s.green(`✔ No findings${scope}${on}.`) : `${counts.error > 0 ? s.red('✖') : s.yellow('⚠')} ${describeCounts(counts)}${scope}${on}.`;
  return `${head}\n${s.dim(`Rules, why they matter and safe alternatives: ${RULES_DOC}`)}`;
}

/** Readable report: by migration file, then severity; each finding with its rule's safe alternative (printed once). */
export function renderText(input: ReporterInput): string {
  const s = style(input.color === true);
  const out: string[] = [];
  const byFile = groupBy(sortFindings(input.findings), (finding) => posixPath(finding.path));
  // A recipe is printed in full the first time its rule appears, then referred to.
  const shownAlternatives = new Set<string>();
  for (const [path, findings] of byFile) {
    const first = findings[0] as Finding;
    out.push(`${s.bold(path)}  ${s.dim(`${first.app}.${first.migration}`)}`);
    for (const severity of SEVERITIES) {
      for (const finding of findings.filter((f) => f.severity === severity)) {
        const where = finding.operation ? `${finding.operation.type} #${finding.operation.index + 1}` : '';
        const at = finding.column === undefined ? String(finding.line) : `${finding.line}:${finding.column}`;
        out.push(`  ${paint(s, severity, severity.padEnd(7))} line ${at.padEnd(4)} ${s.bold(finding.ruleId)}${where ? s.dim(`  (${where})`) : ''}`);
        out.push(indent(finding.message, '    '));
        for (const related of finding.related ?? []) out.push(indent(`${s.dim('Related:')} ${related.ruleId} (${related.severity}): ${related.message}`, '    '));
        if (!finding.safeAlternative) continue;
        if (shownAlternatives.has(finding.ruleId)) {
          out.push(s.dim(`    Safe alternative: as above for ${finding.ruleId}.`));
        } else {
          shownAlternatives.add(finding.ruleId);
          out.push(`    ${s.green('Safe alternative:')}`);
          out.push(indent(finding.safeAlternative.trimEnd(), '      '));
        }
      }
    }
    out.push('');
  }
  out.push(renderSummary(input, s));
  return `${out.join('\n')}\n`;
}
