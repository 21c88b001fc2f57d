import type { Finding } from '../rules/types.js';
import type { Severity } from '../types.js';
import { posixPath, sortFindings } from './common.js';
import type { ReporterInput } from './types.js';

const COMMAND: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'notice' };
/** The message of an annotation is cut here; the full recipe is in the rules docs. */
const MAX_MESSAGE = 4_000;

/** Workflow command data: %, CR and LF must be escaped. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Workflow command properties additionally escape `:` and `,`. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** `endLine`, `col` and `endColumn` properties when the finding has a range (GitHub uses the columns on one-line ranges). */
function range(finding: Finding): string[] {
  if (finding.column === undefined || finding.endLine === undefined || finding.endColumn === undefined) return [];
  return [`endLine=${Math.max(1, finding.endLine)}`, `col=${finding.column}`, `endColumn=${finding.endColumn}`];
}

/** GitHub Actions annotations (`::error file=…,line=…,title=…::message`), one per finding. */
export function renderGithub(input: ReporterInput): string {
  const lines = sortFindings(input.findings).map((finding) => {
    const related = (finding.related ?? []).map((note) => `\nRelated: ${note.ruleId} (${note.severity}): ${note.message}`).join('');
    let message = finding.safeAlternative ? `${finding.message}${related}\n\nSafe alternative:\n${finding.safeAlternative}` : `${finding.message}${related}`;
    if (message.length > MAX_MESSAGE) message = `${message.slice(0, MAX_MESSAGE)}\n… (see docs/rules/${finding.ruleId}.md)`;
    const properties = [`file=${escapeProperty(posixPath(finding.path))}`, `line=${Math.max(1, finding.line)}`, ...range(finding), `title=${escapeProperty(`${finding.ruleId} (${finding.app}.${finding.migration})`)}`];
    return `::${COMMAND[finding.severity]} ${properties.join(',')}::${escapeData(message)}`;
  });
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
