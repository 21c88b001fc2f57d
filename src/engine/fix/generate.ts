/**
 * The fix generator: the risky operations of one migration (the findings `check` reports at warning
 * or above), each replaced by its recipe's steps, the rest kept as written, as a chain of migration
 * files whose last one keeps the original name.
 */
import { analyze } from '../analyze.js';
import type { Finding } from '../rules/types.js';
import { buildGraph } from '../graph/index.js';
import { replayState } from '../state/index.js';
import type { ProjectState } from '../state/index.js';
import { predictSql } from '../sql/index.js';
import type { MigrationSql, SqlTarget } from '../sql/index.js';
import { resolveSettings } from '../settings.js';
import type { EngineSettings, MigrationFile, Operation } from '../types.js';
import { recipes } from './recipes/index.js';
import { dependencySource, headerOf, renderMigration } from './render.js';
import type { FileHeader } from './render.js';
import { SourceText } from './source.js';
import type { CodeStep, FixContext, FixedFile, FixedOperation, FixResult, FixStep, UnfixedOperation } from './types.js';
import { FixInputError } from './types.js';

export interface FixInput {
  /** Every migration of the project (the one to fix among them), for the graph, state and SQL. */
  files: readonly MigrationFile[];
  /** Path of the migration to fix, as in `files`. */
  path: string;
  /** Its source text. */
  source: string;
  settings: Partial<EngineSettings>;
}

const RISKY = new Set(['error', 'warning']);

function requireMigration(files: readonly MigrationFile[], path: string): MigrationFile {
  const migration = files.find((file) => file.path === path);
  if (!migration) throw new FixInputError('not-in-project', `${path} was not read as a migration of the project.`, 'pass a file inside an app\'s migrations/ folder.');
  const syntax = migration.problems.find((problem) => problem.code === 'syntax-error');
  if (syntax) throw new FixInputError('unparseable', `${path} does not parse as Python (line ${syntax.line}: ${syntax.message}).`, 'fix the syntax error first; `python -m py_compile` shows it too.');
  if (!migration.hasMigrationClass) throw new FixInputError('not-a-migration', `${path} has no \`class Migration\`: it is not a Django migration.`, 'pass a migration file (one that makemigrations wrote).');
  if (migration.replaces.length > 0) throw new FixInputError('squashed', `${path} is a squashed migration (it declares \`replaces\`).`, 'fix the migration it replaces, or squash again after fixing.');
  return migration;
}

/** Findings at warning or above on each top-level operation, by operation index. */
function risksByOperation(findings: readonly Finding[], path: string): Map<number, Finding[]> {
  const byIndex = new Map<number, Finding[]>();
  for (const finding of findings) {
    const all = [finding, ...(finding.related ?? []).map((related) => ({ ...finding, ...related }) as Finding)];
    for (const one of all) {
      if (one.path !== path || !RISKY.has(one.severity) || !one.operation || one.operation.path.length > 0) continue;
      const list = byIndex.get(one.operation.index) ?? [];
      if (!list.some((f) => f.ruleId === one.ruleId)) list.push(one);
      byIndex.set(one.operation.index, list);
    }
  }
  return byIndex;
}

/** The state before each top-level operation, and after the last. */
function operationStates(files: readonly MigrationFile[], migration: MigrationFile, swappable: Record<string, string>): ProjectState[] {
  const timeline = replayState(files, buildGraph(files, { swappable }));
  const states = [timeline.before(migration)];
  for (const op of migration.operations) states.push(states[states.length - 1]!.apply(op, migration.app, migration));
  return states;
}

interface Planned {
  steps: FixStep[];
  codeSteps: CodeStep[];
}

/** One operation: its recipe's steps, or the operation as written with the reason it stays. */
function planOperation(ctx: FixContext, fixed: FixedOperation[], unfixed: UnfixedOperation[]): Planned | null {
  if (ctx.findings.length === 0) return null;
  const ruleIds = ctx.findings.map((finding) => finding.ruleId);
  const candidates = recipes.filter((recipe) => recipe.operationTypes.includes(ctx.op.type) && ruleIds.every((id) => recipe.fixes.includes(id)));
  let reason = `no recipe answers ${ruleIds.map((id) => `\`${id}\``).join(' and ')} on ${ctx.op.type}`;
  for (const recipe of candidates) {
    if (!recipe.databases.includes(ctx.target.database)) {
      reason = `the recipe "${recipe.title}" is for ${recipe.databases.join(', ')} only`;
      continue;
    }
    const plan = recipe.plan(ctx);
    if (!plan) continue;
    if ('noFix' in plan) {
      reason = plan.noFix;
      continue;
    }
    fixed.push({ index: ctx.op.index, type: ctx.op.type, recipe: recipe.id, ruleIds });
    return { steps: plan.steps, codeSteps: plan.codeSteps ?? [] };
  }
  unfixed.push({ index: ctx.op.index, type: ctx.op.type, ruleIds, reason });
  return null;
}

/** The operations in order, each recipe's steps placed after the releases before it. */
function sequence(migration: MigrationFile, text: SourceText, plans: Array<Planned | null>): { steps: FixStep[]; codeSteps: CodeStep[] } {
  const steps: FixStep[] = [];
  const codeSteps: CodeStep[] = [];
  let release = 1;
  let open: FixStep | null = null;
  migration.operations.forEach((op, index) => {
    const plan = plans[index];
    if (!plan) {
      if (!open) {
        open = { slug: 'unchanged', release, operations: [], note: 'the operations kept as written', verbatim: true, ...(migration.atomic === false ? { nonAtomicBecause: 'as in the original migration' } : {}) };
        steps.push(open);
      }
      open.operations.push(text.block(op.span));
      return;
    }
    open = null;
    const base = release - 1;
    for (const step of plan.steps) {
      steps.push({ ...step, release: base + step.release });
      release = Math.max(release, base + step.release);
    }
    for (const step of plan.codeSteps) codeSteps.push({ release: base + step.release, text: step.text });
  });
  return { steps, codeSteps };
}

function fileName(original: string, index: number, count: number, step: FixStep): string {
  return index === count - 1 ? original : `${original}_step${index + 1}_${step.slug}`;
}

function renderFiles(migration: MigrationFile, header: FileHeader, steps: readonly FixStep[]): FixedFile[] {
  const dir = migration.path.slice(0, migration.path.length - `${migration.name}.py`.length);
  const names = steps.map((step, i) => fileName(migration.name, i, steps.length, step));
  return steps.map((step, i) => {
    const dependencies = i === 0 ? migration.dependencies.map(dependencySource) : [dependencySource({ app: migration.app, name: names[i - 1]!, line: 0 })];
    const attributes = [
      ...(i === 0 && migration.initial ? ['initial = True'] : []),
      ...(i === steps.length - 1 && migration.runBefore.length > 0 ? [`run_before = [${migration.runBefore.map((key) => dependencySource({ ...key, line: 0 })).join(', ')}]`] : []),
    ];
    const comment = `Written by migrate-help fix from ${migration.name}.py: file ${i + 1} of ${steps.length}, release ${step.release}.`;
    const source = renderMigration({ step, header, dependencies, attributes, comment });
    return { name: names[i]!, path: `${dir}${names[i]}.py`, release: step.release, source, original: i === steps.length - 1, note: step.note };
  });
}

function deployNote(files: readonly FixedFile[], codeSteps: readonly CodeStep[], unfixed: readonly UnfixedOperation[]): string[] {
  const releases = [...new Set(files.map((file) => file.release))].sort((a, b) => a - b);
  const note: string[] = [];
  for (const release of releases) {
    note.push(`Release ${release}${release === 1 ? ' (the release that carried the original migration)' : ', once release ' + (release - 1) + ' runs on every server'}:`);
    for (const file of files.filter((f) => f.release === release)) note.push(`  - ${file.name}.py: ${file.note}`);
    for (const step of codeSteps.filter((s) => s.release === release)) note.push(`  - code: ${step.text}`);
  }
  for (const op of unfixed) note.push(`No automatic fix for operation ${op.index + 1} (${op.type}, ${op.ruleIds.join(', ')}): ${op.reason}. It is kept as written.`);
  return note;
}

/** The fixed sequence for one migration. Throws FixInputError for input it cannot work on. */
export function generateFix(input: FixInput): FixResult {
  const migration = requireMigration(input.files, input.path);
  const resolved = resolveSettings(input.settings);
  const target: SqlTarget = { database: resolved.database, version: resolved.versionText };
  const swappable = input.settings.swappable ?? {};
  const report = analyze([...input.files], input.settings, { targets: [input.path] });
  const risks = risksByOperation(report.findings, input.path);
  if (risks.size === 0) throw new FixInputError('no-risk', `${input.path} has no risky operation (nothing at warning or above on ${target.database} ${target.version}).`, 'nothing to fix; `migrate-help check` lists what it found.');
  const predicted: MigrationSql | undefined = predictSql(input.files, target, { targets: [input.path], swappable })[0];
  const states = operationStates(input.files, migration, swappable);
  const text = new SourceText(input.source);
  const fixed: FixedOperation[] = [];
  const unfixed: UnfixedOperation[] = [];
  const plans = migration.operations.map((op: Operation, index) =>
    planOperation({ op, migration, source: text, before: states[index]!, after: states[index + 1]!, target, predicted: predicted?.operations[index], findings: risks.get(index) ?? [], swappable }, fixed, unfixed),
  );
  if (fixed.length === 0) return { path: input.path, files: [], fixed, unfixed, note: deployNote([], [], unfixed) };
  const { steps, codeSteps } = sequence(migration, text, plans);
  const files = renderFiles(migration, headerOf(migration, (from, to) => text.lines(from, to)), steps);
  return { path: input.path, files, fixed, unfixed, note: deployNote(files, codeSteps, unfixed) };
}


