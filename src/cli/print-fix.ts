/** Output of `fix`: the generated files (or the paths written), the deploy-order note and what stays unfixed. */
import type { FixOutcome } from './commands/fix.js';
import type { Output } from './print.js';

function unfixedLines(outcome: FixOutcome): string[] {
  return (outcome.result?.unfixed ?? []).map((op) => `no automatic fix: operation ${op.index + 1} (${op.type}; ${op.ruleIds.join(', ')}): ${op.reason}.`);
}

export function printFix(outcome: FixOutcome): Output {
  const result = outcome.result;
  if (!result) return { stdout: `${outcome.nothing ?? 'nothing to fix.'}\n`, stderr: '' };
  if (result.files.length === 0) return { stdout: '', stderr: `${[...unfixedLines(outcome), 'No file was generated.'].join('\n')}\n` };
  const parts: string[] = [];
  if (outcome.written.length > 0) {
    parts.push(`Wrote ${outcome.written.length} file${outcome.written.length === 1 ? '' : 's'} (the last keeps the original name, so migrations that depend on it still resolve):`);
    for (const path of outcome.written) parts.push(`  ${path}`);
    parts.push('');
  } else {
    for (const file of result.files) parts.push(`# ==== ${file.path} (release ${file.release}${file.original ? ', replaces the original' : ', new'})`, file.source);
  }
  parts.push('Deploy order:', ...result.note, '');
  return { stdout: parts.join('\n'), stderr: result.unfixed.length > 0 ? `${unfixedLines(outcome).join('\n')}\n` : '' };
}
