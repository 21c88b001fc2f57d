/** All CLI output is composed here: commands return data, this turns it into stdout/stderr text. */
import type { Diagnosis } from '../engine/playbooks/index.js';
import { renderDiagnosisMarkdown, renderDiagnosisText, renderGraphMarkdown, renderGraphText, renderSummary, reporters } from '../engine/report/index.js';
import type { ReportFormat, ReporterInput } from '../engine/report/index.js';
import type { CheckResult } from './commands/check.js';
import type { DiagnoseResult } from './commands/diagnose.js';
import type { GraphResult } from './commands/graph.js';
import type { ParseResult } from './commands/parse.js';
import type { RuleRow } from './commands/rules.js';
import { renderRunSummary } from './summary.js';

export interface Output {
  stdout: string;
  stderr: string;
}

export function printCheck(result: CheckResult, format: ReportFormat, options: { color: boolean; version: string }): Output {
  const { report } = result;
  const input: ReporterInput = {
    findings: report.findings,
    graph: report.graph,
    problems: report.problems,
    settings: report.settings,
    stats: { files: report.stats.files, targets: report.stats.targets },
    rules: result.rules,
    color: options.color && format === 'text',
    version: options.version,
  };
  const body = reporters[format](input);
  const note = result.nothingToLint ? `${result.nothingToLint} ${report.stats.files} migration files read.\n` : '';
  const summary = renderRunSummary(result);
  if (format === 'text') return { stdout: `${note ? note : body}\n${summary}`, stderr: '' };
  // Machine formats keep stdout parseable; the human summary goes to stderr.
  return { stdout: body, stderr: `${note || `${renderSummary({ ...input, color: false })}\n`}${summary}` };
}

export function printGraph(result: GraphResult, format: 'text' | 'json' | 'markdown', options: { color: boolean }): Output {
  if (format === 'json') return { stdout: `${JSON.stringify(result.graph, null, 2)}\n`, stderr: '' };
  if (format === 'markdown') return { stdout: renderGraphMarkdown(result.graph), stderr: '' };
  return { stdout: renderGraphText(result.graph, options), stderr: '' };
}

export function printParse(result: ParseResult, format: 'json' | 'text'): Output {
  if (format === 'json') return { stdout: result.records.map((record) => `${JSON.stringify(record)}\n`).join(''), stderr: '' };
  const lines = result.files.map((file) => {
    const deps = file.dependencies.map((dep) => ('setting' in dep ? `settings.${dep.setting}` : `${dep.app}.${dep.name}`));
    const ops = file.operations.map((op) => op.type);
    const flags = [file.initial === true ? 'initial' : '', file.atomic === false ? 'atomic=False' : '', file.replaces.length > 0 ? `replaces ${file.replaces.length}` : ''].filter(Boolean);
    const problems = file.problems.map((problem) => `\n    problem line ${problem.line}: ${problem.code}: ${problem.message}`).join('');
    return `${file.path}  ${file.app}.${file.name}${flags.length > 0 ? `  [${flags.join(', ')}]` : ''}\n    depends on: ${deps.join(', ') || '(nothing)'}\n    operations: ${ops.join(', ') || '(none)'}${problems}`;
  });
  return { stdout: `${lines.join('\n')}\n`, stderr: '' };
}

function showmigrationsText(result: DiagnoseResult): string {
  const show = result.showmigrations;
  if (!show) return '';
  const out = [`Recognised ${show.format === 'migrate-plan' ? 'migrate --plan' : show.format === 'plan' ? 'showmigrations --plan' : 'showmigrations'} output:`];
  for (const [app, entries] of Object.entries(show.apps)) {
    const pending = entries.filter((entry) => !entry.applied).map((entry) => entry.name);
    out.push(`  ${app}: ${entries.length - pending.length} applied, ${pending.length} not applied${pending.length > 0 ? ` (${pending.join(', ')})` : ''}`);
  }
  const c = result.comparison;
  if (c) {
    out.push('Compared with the migrations on disk:');
    out.push(`  not applied: ${c.unapplied.join(', ') || 'none'}`);
    out.push(`  applied but missing on disk: ${c.appliedMissingOnDisk.join(', ') || 'none'}`);
    out.push(`  on disk but not in the output: ${c.notShown.join(', ') || 'none'}`);
    for (const o of c.outOfOrder) out.push(`  ${o.migration} is applied but its dependency ${o.unappliedDependency} is not: Django raises InconsistentMigrationHistory (${o.basis === 'order' ? 'judged by order' : 'by dependencies'}).`);
  }
  return `${out.join('\n')}\n`;
}

export function printDiagnose(result: DiagnoseResult, format: 'text' | 'json' | 'markdown', options: { color: boolean }): Output {
  if (format === 'json') return { stdout: `${JSON.stringify(result, null, 2)}\n`, stderr: '' };
  if (!result.recognised) {
    return { stdout: '', stderr: 'No known migration error or showmigrations output recognised in the input.\nhint: paste the whole traceback (the last lines name the error); see docs/playbooks.md for what is recognised.\n' };
  }
  const render = format === 'markdown' ? (d: Diagnosis) => renderDiagnosisMarkdown(d) : (d: Diagnosis) => renderDiagnosisText(d, options);
  const sections = result.diagnoses.map(render);
  const show = showmigrationsText(result);
  if (show) sections.push(format === 'markdown' ? `\`\`\`\n${show.trimEnd()}\n\`\`\`\n` : show);
  return { stdout: sections.join('\n'), stderr: '' };
}

export function printRules(rows: readonly RuleRow[], format: 'text' | 'json'): Output {
  if (format === 'json') return { stdout: `${JSON.stringify(rows, null, 2)}\n`, stderr: '' };
  const width = Math.max(...rows.map((row) => row.id.length), 4);
  const lines = rows.map((row) => {
    const dbs = Object.entries(row.databases)
      .map(([db, range]) => (range === '*' ? db : `${db} ${range}`))
      .join(', ');
    return `${row.id.padEnd(width)}  ${row.severity.padEnd(7)}  ${row.optIn ? '(opt-in) ' : ''}${row.summary}\n${' '.repeat(width + 11)}databases: ${dbs}`;
  });
  return { stdout: `${lines.join('\n')}\n${rows.length} rules. Details: docs/rules/README.md, one page per rule in docs/rules/<rule-id>.md\n`, stderr: '' };
}
