/**
 * Grounds a question on the engine's checks of the migrations in it: code pasted in the message
 * and `.py` files shared with it, all analysed together. The user sees a short findings block
 * (shown even when the model is down), each risk quoting the SQL its operation runs and the lock it
 * takes; the model gets every finding in full, with why it is risky, the predicted SQL, the complete
 * safe alternative and a summary of the operations that were read.
 */
import { EngineSettingsError, analyze, initParser } from '../../engine/index.js';
import type { EngineSettings, Finding, MigrationFile, Report } from '../../engine/index.js';
import { predictForReport, statementsByFinding } from '../../engine/report/sql.js';
import type { StatementsOf } from '../../engine/report/sql.js';
import type { Grounder, Grounding, Question } from '../types.js';
import { fixablePaths, wholeFilePieces } from '../safe-version.js';
import { describeOperations } from './operations-summary.js';
import { discoverCode } from './pasted-code.js';
import type { CodePiece } from './pasted-code.js';
import { blocksWithin, clip, databaseName, firstSentence, inlineCode, unwrapProse } from './markdown.js';
import { predictedSqlLines, quoteStatements } from './sql-quote.js';
import { showStatus } from './status.js';

export interface EngineGrounderOptions {
  /** Target database, version and rule switches for this question (the channel's settings). */
  settingsFor(question: Question): Promise<EngineSettings>;
}

const PARSE_ERROR = 'parse-error';
/** Pasted migrations depend on files of the user's repo that we do not have: never a finding here. */
const DEPENDENCY_NOT_FOUND = 'dependency-not-found';
const MULTIPLE_LEAVES = 'multiple-leaf-nodes';

/** Limits that keep the block short in a thread; the model context carries everything. */
const MAX_RULE_GROUPS = 8;
const MAX_ITEMS_PER_RULE = 4;
const MAX_FULL_ALTERNATIVES = 2;
const FULL_ALTERNATIVE_CHARS = 1_200;
const MAX_PARSE_NOTES = 5;
const CONTEXT_ALTERNATIVE_CHARS = 6_000;
const MAX_CONTEXT_CHARS = 40_000;

const SEVERITY_ORDER = ['error', 'warning', 'info'] as const;
const HEADINGS = { error: 'Errors', warning: 'Warnings', info: 'Info' } as const;

const FAILURE_NOTE =
  '_migrate-help could not run its own checks on the migration in this question (an internal error); the answer below does not rest on them._';

export function createEngineGrounder(options: EngineGrounderOptions): Grounder {
  return {
    name: 'engine',
    async ground(question, context) {
      try {
        await initParser();
        const { pieces, skipped } = discoverCode(question);
        if (pieces.length === 0) {
          if (skipped.length === 0) return undefined;
          const note = skipped.map((line) => `_${line}_`).join('\n');
          return { deterministicMarkdown: note, contextForModel: `Note from migrate-help: ${skipped.join(' ')}` };
        }
        const title = pieces.length === 1 ? `Checking ${plainLabel(pieces[0] as CodePiece)}` : `Checking ${pieces.length} migrations`;
        await showStatus(context, `${title}…`);
        await context.task?.({ id: 'engine', title, status: 'in_progress' });
        const settings = await options.settingsFor(question);
        let report: Report;
        try {
          report = analyze(
            pieces.map((piece) => piece.file),
            { ...settings, disabledRules: [...new Set([...(settings.disabledRules ?? []), DEPENDENCY_NOT_FOUND])] },
          );
        } catch (error) {
          if (!(error instanceof EngineSettingsError)) throw error;
          const note = `_migrate-help could not check the pasted migration: the engine settings for this channel are not valid (${error.message})._`;
          await context.task?.({ id: 'engine', title, status: 'error', details: error.message });
          return { deterministicMarkdown: note, contextForModel: `Note from migrate-help: ${note}` };
        }
        const grounding = groundingFor(pieces, report, skipped, statementsByFinding(await predictForReport(pieces.map((piece) => piece.file), report.settings)));
        const risks = report.findings.filter((finding) => finding.ruleId !== PARSE_ERROR).length;
        await context.task?.({ id: 'engine', title, status: 'complete', details: `${risks === 0 ? 'No' : risks} risk finding${risks === 1 ? '' : 's'} for ${databaseName(report.settings.database)} ${report.settings.versionText}` });
        return grounding;
      } catch {
        // The pipeline logs grounder failures; a short note keeps the user from expecting checks that did not run.
        return { deterministicMarkdown: FAILURE_NOTE };
      }
    },
  };
}

function plainLabel(piece: CodePiece): string {
  return piece.label.replace(/`/g, '');
}

/**
 * A conflict between pasted pieces is real only when two of them in one app build on the same
 * migration; otherwise "several leaves" just means the rest of the user's app is not here.
 */
function conflictIsReal(app: string, pieces: readonly CodePiece[]): boolean {
  const parents = new Set<string>();
  for (const piece of pieces) {
    if (piece.file.app !== app) continue;
    for (const dep of piece.file.dependencies) {
      if (!('app' in dep) || dep.app !== app) continue;
      const key = `${dep.app}.${dep.name}`;
      if (parents.has(key)) return true;
      parents.add(key);
    }
  }
  return false;
}

function groundingFor(pieces: CodePiece[], report: Report, skipped: string[], statementsOf: StatementsOf): Grounding {
  const findings = report.findings.filter((finding) => finding.ruleId !== MULTIPLE_LEAVES || conflictIsReal(finding.app, pieces));
  const risks = findings.filter((finding) => finding.ruleId !== PARSE_ERROR);
  const parseNotes = findings.filter((finding) => finding.ruleId === PARSE_ERROR);
  const byPath = new Map(pieces.map((piece) => [piece.file.path, piece]));
  const where = (finding: Finding): string => {
    const piece = byPath.get(finding.path);
    const label = piece ? piece.label : inlineCode(`${finding.app}.${finding.migration}`);
    return `${label}, line ${finding.line}${finding.operation ? ` (${finding.operation.type})` : ''}`;
  };
  const target = `${databaseName(report.settings.database)} ${report.settings.versionText}`;
  const sources = describeSources(pieces);
  const fixable = fixablePaths(risks, wholeFilePieces(pieces).map((piece) => piece.file.path), report.settings.database);
  return {
    deterministicMarkdown: renderFindingsMarkdown({ risks, parseNotes, where, target, sources, skipped, statementsOf }),
    contextForModel: renderFindingsContext({ pieces, risks, parseNotes, where, target, skipped, statementsOf }),
    ...(fixable.length === 0 ? {} : { safeVersion: { kind: 'question' as const, paths: fixable } }),
  };
}

function describeSources(pieces: readonly CodePiece[]): string {
  const pasted = pieces.filter((piece) => piece.origin === 'pasted');
  const files = pieces.filter((piece) => piece.origin === 'file');
  const parts: string[] = [];
  if (pasted.length === 1) parts.push(pasted[0]!.named ? `the pasted migration ${pasted[0]!.label}` : 'the pasted migration');
  else if (pasted.length > 1) parts.push(`the ${pasted.length} pasted migrations`);
  if (files.length === 1) parts.push(`the shared ${files[0]!.label}`);
  else if (files.length > 1) parts.push(`the ${files.length} shared files`);
  return parts.join(' and ');
}

interface RenderInput {
  risks: Finding[];
  parseNotes: Finding[];
  where(finding: Finding): string;
  target: string;
  skipped: string[];
  statementsOf: StatementsOf;
}

function countText(findings: readonly Finding[]): string {
  return SEVERITY_ORDER.map((severity) => [severity, findings.filter((finding) => finding.severity === severity).length] as const)
    .filter(([, count]) => count > 0)
    .map(([severity, count]) => (severity === 'info' ? `${count} info` : `${count} ${severity}${count === 1 ? '' : 's'}`))
    .join(', ');
}

/** Findings by severity, then by rule (in first-seen order). */
function groupFindings(findings: readonly Finding[]): Array<{ severity: Finding['severity']; ruleId: string; items: Finding[] }> {
  const groups: Array<{ severity: Finding['severity']; ruleId: string; items: Finding[] }> = [];
  for (const severity of SEVERITY_ORDER) {
    for (const finding of findings) {
      if (finding.severity !== severity) continue;
      const group = groups.find((candidate) => candidate.severity === severity && candidate.ruleId === finding.ruleId);
      if (group) group.items.push(finding);
      else groups.push({ severity, ruleId: finding.ruleId, items: [finding] });
    }
  }
  return groups;
}

function renderFindingsMarkdown(input: RenderInput & { sources: string }): string {
  const { risks, parseNotes, where, target, sources, skipped, statementsOf } = input;
  const sections: string[] = [];
  if (risks.length === 0) {
    const partly = parseNotes.length > 0 ? ' (in the parts the engine could read)' : '';
    sections.push(`**Engine findings**: No risky operations found in ${sources} for ${target}${partly}.`);
  } else {
    sections.push(`**Engine findings** for ${sources} (${target}): ${countText(risks)}.`);
    const groups = groupFindings(risks);
    let fullShown = 0;
    let lastSeverity: string | undefined;
    for (const group of groups.slice(0, MAX_RULE_GROUPS)) {
      const lines: string[] = [];
      if (group.severity !== lastSeverity) lines.push(`**${HEADINGS[group.severity]}**`);
      lastSeverity = group.severity;
      lines.push(inlineCode(group.ruleId));
      for (const finding of group.items.slice(0, MAX_ITEMS_PER_RULE)) {
        lines.push(`- ${where(finding)}: ${firstSentence(finding.message, 400)}`);
        const quote = quoteStatements(statementsOf(finding));
        if (quote) lines.push(quote);
      }
      if (group.items.length > MAX_ITEMS_PER_RULE) lines.push(`- …and ${group.items.length - MAX_ITEMS_PER_RULE} more like this`);
      const alternative = group.items[0]!.safeAlternative;
      if (group.severity === 'error' && fullShown < MAX_FULL_ALTERNATIVES && alternative.trim()) {
        fullShown++;
        const more = `_(Shortened here: the full recipe is in ${inlineCode(`docs/rules/${group.ruleId}.md`)}.)_`;
        sections.push(`${lines.join('\n')}\n\n_Safe alternative:_\n${blocksWithin(unwrapProse(alternative), FULL_ALTERNATIVE_CHARS, more)}`);
      } else {
        // A blank line keeps it out of the list item above (a lazy continuation line would join the bullet).
        if (alternative.trim()) lines.push(`\n_First step:_ ${firstSentence(alternative)}`);
        sections.push(lines.join('\n'));
      }
    }
    const hidden = groups.slice(MAX_RULE_GROUPS).reduce((sum, group) => sum + group.items.length, 0);
    if (hidden > 0) sections.push(`_…and ${hidden} more finding${hidden === 1 ? '' : 's'}; ask me about them or run \`migrate-help check\` on the files._`);
  }
  if (parseNotes.length > 0) {
    const lines = parseNotes.slice(0, MAX_PARSE_NOTES).map((finding) => `- ${where(finding)}: ${clip(finding.message, 300)}`);
    if (parseNotes.length > MAX_PARSE_NOTES) lines.push(`- …and ${parseNotes.length - MAX_PARSE_NOTES} more`);
    sections.push(`**Could not read everything** (the rest was checked)\n${lines.join('\n')}`);
  }
  if (skipped.length > 0) sections.push(skipped.map((line) => `_${line}_`).join('\n'));
  return sections.join('\n\n');
}

function renderFindingsContext(input: RenderInput & { pieces: readonly CodePiece[] }): string {
  const { pieces, risks, parseNotes, where, target, skipped, statementsOf } = input;
  const parts: string[] = [
    `Facts from migrate-help's deterministic engine (a static reading of the migrations in this question, target database ${target}). Treat them as true; explain them and build on them rather than contradicting them. The user already sees a short list of these findings above your answer: do not repeat the list, explain what matters and give the fix.`,
  ];
  parts.push(`Migrations read:\n${pieces.map((piece) => describePiece(piece)).join('\n')}`);
  if (parseNotes.length > 0) parts.push(`Parts the engine could not read:\n${parseNotes.map((finding) => `- ${plainWhere(where(finding))}: ${finding.message}`).join('\n')}`);
  if (risks.length === 0) {
    parts.push(`Findings: none. No risky operations were found for ${target}.`);
  } else {
    const explained = new Set<string>();
    const items = risks.map((finding) => {
      const lines = [`[${finding.severity}] ${finding.ruleId} at ${plainWhere(where(finding))}`, `Message: ${finding.message}`, ...predictedSqlLines(statementsOf(finding))];
      if (explained.has(finding.ruleId)) {
        lines.push('Why and safe alternative: as for the same rule above.');
      } else {
        explained.add(finding.ruleId);
        lines.push(`Why: ${finding.why.trim()}`);
        lines.push(`Safe alternative:\n${blocksWithin(finding.safeAlternative, CONTEXT_ALTERNATIVE_CHARS, '(recipe cut for length)')}`);
      }
      return lines.join('\n');
    });
    parts.push(`Findings (${risks.length}: ${countText(risks)}):\n\n${items.join('\n\n')}`);
  }
  if (skipped.length > 0) parts.push(`Not checked: ${skipped.join(' ')}`);
  const text = parts.join('\n\n');
  return text.length > MAX_CONTEXT_CHARS ? `${blocksWithin(text, MAX_CONTEXT_CHARS, '[Further findings left out for length.]')}` : text;
}

function plainWhere(text: string): string {
  return text.replace(/`/g, '');
}

function describePiece(piece: CodePiece): string {
  const file: MigrationFile = piece.file;
  const deps = file.dependencies.map((dep) => ('app' in dep ? `${dep.app}.${dep.name}` : `swappable ${dep.setting}`));
  const head = `- ${plainLabel(piece)}${piece.named ? '' : ` (read as ${file.app}.${file.name}; its real name was not in the question)`}`;
  const facts = [
    `  dependencies: ${deps.length > 0 ? deps.join(', ') : 'none'}`,
    `  atomic: ${file.atomic === null ? 'not set (True)' : file.atomic ? 'True' : 'False'}${file.initial ? '; initial = True' : ''}${file.replaces.length > 0 ? `; replaces ${file.replaces.map((key) => `${key.app}.${key.name}`).join(', ')}` : ''}`,
    `  operations:\n${describeOperations(file.operations, '    ')}`,
  ];
  return `${head}\n${facts.join('\n')}`;
}
