/**
 * What both readers (tree-sitter's and the literal one) do with what they read: Migration class
 * attributes, list items, dependencies, imports. Readers hand over values; the rules of how a
 * value becomes a dependency, an operation or a problem live here once.
 */
import type { Dependency, ImportInfo, MigrationFile, MigrationKey, Operation, PyValue } from '../types.js';
import type { FileContext } from './context.js';
import { addProblem, lineOf, resolveConstant } from './context.js';
import { collectOperations } from './operations.js';
import { lastSegment, renderPy, stringValue } from './values.js';

/** Longer attribute values are helper lists, not markers like `stage = Stage.POST_DEPLOY`. */
const MAX_EXTRA_ATTRIBUTE_TEXT = 300;
export const LIST_ATTRIBUTES = new Set(['dependencies', 'operations', 'replaces', 'run_before']);
export const KNOWN_ATTRIBUTES = new Set([...LIST_ATTRIBUTES, 'initial', 'atomic']);

/** One part of a list-valued attribute: literal items, or a piece computed at import time. */
export type ListPart = { items: PyValue[] } | { dynamic: string; line: number };

/** The right-hand side of an attribute assignment, as a reader sees it. */
export interface AttributeValue {
  /** Line where the right-hand side starts. */
  line: number;
  /** Its source text. */
  text(): string;
  /** Its value (read once per assignment). */
  value(): PyValue;
  /** `[...] + OTHER + helper()` split into literal items and dynamic pieces. */
  listParts(): ListPart[];
}

/** List parts of one value: its items when it is (or names) a literal list or tuple. */
export function valueListParts(ctx: FileContext, value: PyValue, text: string, line: number): ListPart[] {
  const resolved = resolveConstant(ctx, value);
  if (resolved.kind === 'list' || resolved.kind === 'tuple') return [{ items: resolved.items }];
  return [{ dynamic: text, line }];
}

export function checkMigrationBases(file: MigrationFile, ctx: FileContext, baseNames: readonly string[]): void {
  if (!baseNames.some((base) => base.endsWith('Migration'))) {
    addProblem(ctx, 'unusual-base', `\`class Migration(${baseNames.join(', ')})\` does not extend migrations.Migration; it is read as one anyway.`, file.classLine);
  }
}

/** `import a.b as c` (module null) or `from module import a as b, *`. */
export function recordImport(file: MigrationFile, ctx: FileContext, module: string | null, names: ReadonlyArray<{ path: string; alias: string | null }>, wildcard: boolean, line: number): void {
  if (module === null) {
    for (const { path, alias } of names) {
      file.imports.push({ module: path, names: [{ name: path, alias }], line });
      if (alias) ctx.bindings.set(alias, path);
      else {
        const root = path.split('.')[0] as string;
        ctx.bindings.set(root, root);
      }
    }
    return;
  }
  const info: ImportInfo = { module, names: [], line };
  if (wildcard) info.names.push({ name: '*', alias: null });
  for (const { path, alias } of names) {
    info.names.push({ name: path, alias });
    ctx.bindings.set(alias ?? path, module.endsWith('.') ? `${module}${path}` : `${module}.${path}`);
  }
  file.imports.push(info);
}

export function assignAttribute(file: MigrationFile, ctx: FileContext, name: string, right: AttributeValue, mode: 'set' | 'extend'): void {
  const line = right.line;
  if (LIST_ATTRIBUTES.has(name)) {
    const parts = right.listParts();
    if (mode === 'set') clearAttribute(file, name);
    for (const part of parts) {
      if ('items' in part) addItems(file, ctx, name, part.items, line, 'extend');
      else addProblem(ctx, name === 'operations' ? 'dynamic-operations' : 'dynamic-attribute', `\`${name}\` includes \`${clip(part.dynamic)}\`, computed at import time; only its literal parts are read.`, part.line);
    }
    return;
  }
  if (name === 'initial' || name === 'atomic') {
    const value = resolveConstant(ctx, right.value());
    if (value.kind === 'bool') file[name] = value.value;
    else if (value.kind === 'none') file[name] = null;
    else addProblem(ctx, 'dynamic-attribute', `\`${name} = ${clip(right.text())}\` is not a literal True/False; it is treated as not declared.`, line);
    return;
  }
  // Class-level helpers (`state_operations = [...]` used by a later attribute) resolve like module constants.
  ctx.constants.set(name, right.value());
  const text = right.text();
  if (text.length <= MAX_EXTRA_ATTRIBUTE_TEXT) file.extraAttributes[name] = text;
}

function clearAttribute(file: MigrationFile, name: string): void {
  if (name === 'dependencies') file.dependencies = [];
  else if (name === 'operations') file.operations = [];
  else if (name === 'replaces') file.replaces = [];
  else if (name === 'run_before') file.runBefore = [];
}

export function addItems(file: MigrationFile, ctx: FileContext, name: string, items: PyValue[], line: number, mode: 'extend' | 'prepend'): void {
  if (name === 'operations') {
    const ops: Operation[] = [];
    collectOperations(ctx, items, [], ops, line);
    file.operations = mode === 'prepend' ? [...ops, ...file.operations] : [...file.operations, ...ops];
    file.operations.forEach((op, index) => (op.index = index));
  } else if (name === 'dependencies') {
    const deps = items.flatMap((item) => dependencyFrom(ctx, item, line));
    file.dependencies = mode === 'prepend' ? [...deps, ...file.dependencies] : [...file.dependencies, ...deps];
  } else {
    const keys = items.flatMap((item) => keyFrom(ctx, item, name, line));
    const target = name === 'replaces' ? 'replaces' : 'runBefore';
    file[target] = mode === 'prepend' ? [...keys, ...file[target]] : [...file[target], ...keys];
  }
}

function dependencyFrom(ctx: FileContext, raw: PyValue, fallbackLine: number): Dependency[] {
  const line = lineOf(ctx, raw, fallbackLine);
  const value = resolveConstant(ctx, raw);
  if ((value.kind === 'tuple' || value.kind === 'list') && value.items.length === 2) {
    const app = stringValue(resolveConstant(ctx, value.items[0] as PyValue));
    const name = stringValue(resolveConstant(ctx, value.items[1] as PyValue));
    if (app !== undefined && name !== undefined) return [{ app, name, line }];
  }
  if (value.kind === 'call' && lastSegment(value.callee) === 'swappable_dependency' && value.args.length >= 1) {
    const arg = resolveConstant(ctx, value.args[0] as PyValue);
    if (arg.kind === 'name' && arg.path.includes('.')) return [{ setting: lastSegment(arg.path), line }];
    if (arg.kind === 'str') return [{ app: arg.value.split('.')[0] as string, name: '__first__', line }];
  }
  addProblem(ctx, 'unreadable-dependency', `Dependency \`${clip(value.kind === 'expr' ? value.text : renderPy(value))}\` is not an ("app", "migration") pair; it is skipped.`, line);
  return [];
}

function keyFrom(ctx: FileContext, raw: PyValue, attribute: string, fallbackLine: number): MigrationKey[] {
  const value = resolveConstant(ctx, raw);
  if ((value.kind === 'tuple' || value.kind === 'list') && value.items.length === 2) {
    const app = stringValue(resolveConstant(ctx, value.items[0] as PyValue));
    const name = stringValue(resolveConstant(ctx, value.items[1] as PyValue));
    if (app !== undefined && name !== undefined) return [{ app, name }];
  }
  addProblem(ctx, 'unreadable-dependency', `\`${attribute}\` entry \`${clip(value.kind === 'expr' ? value.text : renderPy(value))}\` is not an ("app", "migration") pair; it is skipped.`, lineOf(ctx, raw, fallbackLine));
  return [];
}

export function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}
