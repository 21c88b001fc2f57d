/** Migration files in Django's own layout, from a recipe's steps. */
import type { Dependency, MigrationFile, PyValue } from '../types.js';
import { indent, pyString } from './source.js';
import { renderPy } from '../parse/values.js';
import type { FixStep } from './types.js';

export interface FileHeader {
  /** Import statements of the original file other than `from django.db import …`. */
  imports: string[];
  /** Names the original imported from `django.db`. */
  djangoDbNames: string[];
  /** The original's module-level code between its imports and the class (RunPython functions…). */
  preamble: string;
}

/** `("app", "name")` / `migrations.swappable_dependency(settings.X)`. */
export function dependencySource(dependency: Dependency): string {
  return 'setting' in dependency ? `migrations.swappable_dependency(settings.${dependency.setting})` : `(${pyString(dependency.app)}, ${pyString(dependency.name)})`;
}

export interface RenderInput {
  step: FixStep;
  header: FileHeader;
  dependencies: string[];
  /** Extra class attributes (`initial = True`, `run_before = […]`) as source lines. */
  attributes?: string[];
  /** First comment line: where the file comes from. */
  comment: string;
}

export function renderMigration(input: RenderInput): string {
  const { step, header } = input;
  const names = [...new Set(['migrations', 'models', ...header.djangoDbNames, ...(step.djangoDbNames ?? [])])].sort();
  const imports = [...new Set([...header.imports, ...(step.imports ?? [])])];
  const lines = [`# ${input.comment}`, `from django.db import ${names.join(', ')}`, ...imports, '', ''];
  const code = [...(step.verbatim && header.preamble ? [header.preamble] : []), ...(step.functions ?? [])];
  for (const fn of code) lines.push(fn.trimEnd(), '', '');
  lines.push('class Migration(migrations.Migration):');
  if (step.nonAtomicBecause) lines.push(`    atomic = False  # ${step.nonAtomicBecause}`, '');
  for (const attribute of input.attributes ?? []) lines.push(`    ${attribute}`, '');
  lines.push('    dependencies = [', ...input.dependencies.map((d) => `        ${d},`), '    ]', '');
  lines.push('    operations = [', ...step.operations.map((op) => `${indent(op, 8)},`), '    ]', '');
  return lines.join('\n');
}

/** A keyword call spread over lines, the way Django's writer prints operations. */
export function call(callee: string, kwargs: ReadonlyArray<[string, string]>): string {
  if (kwargs.length === 0) return `${callee}()`;
  const body = kwargs.map(([name, value]) => `${indent(`${name}=${value}`, 4)},`).join('\n');
  return `${callee}(\n${body}\n)`;
}

/** A list of source items, one per line. */
export function list(items: readonly string[]): string {
  if (items.length === 0) return '[]';
  return `[\n${items.map((item) => `${indent(item, 4)},`).join('\n')}\n]`;
}

/** RunSQL with its reverse, both as lists of statements (`null` reverse: RunSQL.noop). */
export function runSql(sql: readonly string[], reverse: readonly string[] | null, stateOperations?: readonly string[]): string {
  const kwargs: Array<[string, string]> = [
    ['sql', list(sql.map(pyString))],
    ['reverse_sql', reverse === null ? 'migrations.RunSQL.noop' : list(reverse.map(pyString))],
  ];
  if (stateOperations) kwargs.push(['state_operations', list(stateOperations)]);
  return call('migrations.RunSQL', kwargs);
}

export function separate(databaseOperations: readonly string[], stateOperations: readonly string[]): string {
  return call('migrations.SeparateDatabaseAndState', [
    ['database_operations', list(databaseOperations)],
    ['state_operations', list(stateOperations)],
  ]);
}

/** The original's imports (`from django.db import …` names apart, the rest verbatim) and its module-level code. */
export function headerOf(migration: MigrationFile, lines: (from: number, to: number) => string): FileHeader {
  const imports: string[] = [];
  const djangoDbNames: string[] = [];
  let lastImportLine = 0;
  for (const imp of migration.imports) {
    const text = statementAt(lines, imp.line);
    lastImportLine = Math.max(lastImportLine, imp.line + text.split('\n').length - 1);
    if (imp.module === 'django.db' && imp.names.every((n) => n.alias === null)) djangoDbNames.push(...imp.names.map((n) => n.name));
    else if (!imports.includes(text)) imports.push(text);
  }
  const preamble = migration.classLine > lastImportLine + 1 ? lines(lastImportLine + 1, migration.classLine - 1).trim() : '';
  return { imports, djangoDbNames, preamble };
}

/** The import statement starting on `line`, with its parenthesised continuation lines. */
function statementAt(lines: (from: number, to: number) => string, line: number): string {
  let text = lines(line, line);
  for (let end = line; (text.match(/\(/g)?.length ?? 0) > (text.match(/\)/g)?.length ?? 0) && end < line + 200; ) {
    end++;
    text = lines(line, end);
  }
  return text.trimEnd();
}

/** A parsed Python value back as source (state fields have no source text of their own). */
export function pySource(value: PyValue): string {
  return renderPy(value, pyString);
}
