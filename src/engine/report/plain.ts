/** Plain-text renderings of a diagnosis and a graph, for the terminal. */
import type { GraphReport } from '../graph/types.js';
import type { Diagnosis } from '../playbooks/types.js';
import { style } from './ansi.js';
import { posixPath } from './common.js';

export function renderDiagnosisText(d: Diagnosis, options: { color?: boolean } = {}): string {
  const s = style(options.color === true);
  const out = [s.bold(d.title), s.dim(`  recognised: ${d.matched}`)];
  const names = Object.entries(d.extracted).map(([key, value]) => `${key}=${value}`);
  if (names.length > 0) out.push(s.dim(`  found: ${names.join(', ')}`));
  if (d.confidence !== 'high') out.push(s.dim(`  confidence: ${d.confidence}`));
  out.push('', d.meaning, '', s.bold('Likely causes'), ...d.likelyCauses.map((cause) => `  - ${cause}`), '', s.bold('Recovery'));
  d.steps.forEach((step, i) => {
    out.push(`  ${i + 1}. ${step.text}`);
    if (step.command) out.push(`       ${s.cyan(step.command)}`);
  });
  out.push('', s.bold('Verify'), ...d.verify.map((line) => `  - ${line}`), '', s.bold('Prevent'), ...d.prevent.map((line) => `  - ${line}`));
  return `${out.join('\n')}\n`;
}

export function renderGraphText(graph: GraphReport, options: { color?: boolean } = {}): string {
  const s = style(options.color === true);
  const out: string[] = [];
  const apps = Object.keys(graph.apps).sort();
  out.push(s.bold('Leaves'));
  for (const app of apps) out.push(`  ${app}: ${(graph.apps[app]?.leaves ?? []).join(', ') || '(none)'}  ${s.dim(`${graph.apps[app]?.migrations ?? 0} migrations`)}`);
  const section = (title: string, lines: string[]) => {
    out.push('', lines.length > 0 ? s.red(`${title} (${lines.length})`) : `${title}: none`);
    out.push(...lines);
  };
  section(
    'Conflicts',
    graph.conflicts.map((c) => `  ${c.app}: ${c.leaves.join(', ')}${Object.entries(c.branches).map(([leaf, only]) => `\n    ${leaf}: ${only.join(' -> ') || '(no own migrations)'}`).join('')}`),
  );
  section('Cycles', graph.cycles.map((c) => `  ${c.path.join(' -> ')}`));
  section('Missing', graph.missing.map((m) => `  ${posixPath(m.path)}:${m.line}  ${m.message}`));
  section('Stale replaces', graph.staleReplaces.map((r) => `  ${posixPath(r.path)}:${r.line}  ${r.message}`));
  out.push('', s.bold(`Plan (${graph.plan.length} migrations)`));
  for (const node of graph.plan) out.push(`  ${node}`);
  return `${out.join('\n')}\n`;
}
