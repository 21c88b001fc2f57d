import type { GraphReport } from '../graph/types.js';
import type { Diagnosis } from '../playbooks/types.js';
import type { Finding } from '../rules/types.js';
import { countBySeverity, describeCounts, describeTarget, groupBy, posixPath, sortFindings } from './common.js';
import { RULES_DOC, SEVERITIES } from './types.js';
import type { ReporterInput } from './types.js';

const HEADINGS = { error: 'Errors', warning: 'Warnings', info: 'Info' } as const;

/** Slack only knows triple-backtick fences: neutralise any inside content we wrap in one. */
function fence(content: string, lang = ''): string {
  return `\`\`\`${lang}\n${content.replace(/```/g, "'''").trimEnd()}\n\`\`\``;
}

/** Inline code that survives backticks in the content. */
function code(text: string): string {
  return text.includes('`') ? `"${text}"` : `\`${text}\``;
}

/**
 * Join sections until `maxChars`, never cutting inside one, so code fences stay whole. The note
 * tells the reader what was left out.
 */
function joinWithin(sections: string[], maxChars: number | undefined, note: (left: number) => string): string {
  if (maxChars === undefined) return sections.join('\n\n');
  const kept: string[] = [];
  let size = 0;
  for (let i = 0; i < sections.length; i++) {
    const section = sections[i] as string;
    const reserve = note(sections.length - i).length + 2;
    if (size + section.length + 2 + reserve > maxChars && kept.length > 0) {
      kept.push(note(sections.length - i));
      return kept.join('\n\n');
    }
    kept.push(section);
    size += section.length + 2;
  }
  return kept.join('\n\n');
}

export interface MarkdownOptions {
  /** Keep the report under this many characters by dropping whole trailing sections. */
  maxChars?: number;
}

/** Concise risk report for Slack or a console: by severity, then rule, each rule's safe alternative once. */
export function renderMarkdown(input: ReporterInput, options: MarkdownOptions = {}): string {
  const findings = sortFindings(input.findings);
  const target = describeTarget(input.settings);
  const head = `**Migration risk report**${target ? ` (${target})` : ''}: ${findings.length === 0 ? 'no risky operations found' : describeCounts(countBySeverity(findings))}.`;
  const sections = [head];
  for (const severity of SEVERITIES) {
    const ofSeverity = findings.filter((finding) => finding.severity === severity);
    if (ofSeverity.length === 0) continue;
    sections.push(`**${HEADINGS[severity]}**`);
    for (const [ruleId, group] of groupBy(ofSeverity, (finding) => finding.ruleId)) {
      const items = group.map((finding) => `- ${code(`${posixPath(finding.path)}:${finding.line}`)} ${finding.message}`).join('\n');
      const alternative = (group[0] as Finding).safeAlternative.trim();
      sections.push(`${code(ruleId)}\n${items}${alternative ? `\n\n_Safe alternative:_\n${alternative}` : ''}`);
    }
  }
  if (findings.length > 0) sections.push(`_Rule reference: ${RULES_DOC}_`);
  return `${joinWithin(sections, options.maxChars, (left) => `_…${left} more section${left === 1 ? '' : 's'} left out; run \`migrate-help check\` for the full report._`)}\n`;
}

/** One playbook diagnosis as Markdown: meaning, causes, numbered recovery with commands, verify, prevent. */
export function renderDiagnosisMarkdown(d: Diagnosis): string {
  const parts = [`**${d.title}**${d.confidence === 'high' ? '' : ` _(confidence: ${d.confidence})_`}`, fence(d.matched, 'text'), d.meaning];
  parts.push(`**Likely causes**\n${d.likelyCauses.map((cause) => `- ${cause}`).join('\n')}`);
  const steps = d.steps.map((step, i) => `${i + 1}. ${step.text}${step.command ? `\n${fence(step.command, 'bash')}` : ''}`);
  parts.push(`**Recovery**\n${steps.join('\n')}`);
  parts.push(`**Verify**\n${d.verify.map((line) => `- ${line}`).join('\n')}`);
  parts.push(`**Prevent**\n${d.prevent.map((line) => `- ${line}`).join('\n')}`);
  return `${parts.join('\n\n')}\n`;
}

/** The graph's problems first (conflicts, cycles, missing, stale squashes), then leaves and plan size. */
export function renderGraphMarkdown(graph: GraphReport, options: { planLimit?: number } = {}): string {
  const apps = Object.keys(graph.apps).sort();
  const total = apps.reduce((sum, app) => sum + (graph.apps[app]?.migrations ?? 0), 0);
  const parts = [`**Migration graph**: ${apps.length} app${apps.length === 1 ? '' : 's'}, ${total} migration${total === 1 ? '' : 's'}.`];
  if (graph.conflicts.length > 0) {
    const lines = graph.conflicts.map((conflict) => {
      const branches = Object.entries(conflict.branches)
        .map(([leaf, only]) => `  - ${code(leaf)}: ${only.length > 0 ? only.map(code).join(' → ') : 'no own migrations'}`)
        .join('\n');
      return `- ${code(conflict.app)} has ${conflict.leaves.length} leaves: ${conflict.leaves.map(code).join(', ')}\n${branches}`;
    });
    parts.push(`**Conflicts** (fix with \`python manage.py makemigrations --merge\`)\n${lines.join('\n')}`);
  }
  if (graph.cycles.length > 0) parts.push(`**Cycles**\n${graph.cycles.map((cycle) => `- ${cycle.path.map(code).join(' → ')}`).join('\n')}`);
  if (graph.missing.length > 0) parts.push(`**Missing dependencies**\n${graph.missing.map((m) => `- ${code(`${posixPath(m.path)}:${m.line}`)} ${m.message}`).join('\n')}`);
  if (graph.staleReplaces.length > 0) parts.push(`**Stale squashes**\n${graph.staleReplaces.map((r) => `- ${code(`${posixPath(r.path)}:${r.line}`)} ${r.message}`).join('\n')}`);
  if (graph.conflicts.length + graph.cycles.length + graph.missing.length + graph.staleReplaces.length === 0) parts.push('No conflicts, cycles, missing dependencies or stale squashes.');
  parts.push(`**Leaves**\n${apps.map((app) => `- ${code(app)}: ${(graph.apps[app]?.leaves ?? []).map(code).join(', ') || 'none'}`).join('\n')}`);
  const limit = options.planLimit ?? 20;
  if (graph.plan.length > 0) {
    const shown = graph.plan.slice(-limit);
    const skipped = graph.plan.length - shown.length;
    parts.push(`**Plan** (${graph.plan.length} migrations${skipped > 0 ? `, last ${shown.length} shown` : ''})\n${fence(shown.join('\n'))}`);
  }
  return `${parts.join('\n\n')}\n`;
}
