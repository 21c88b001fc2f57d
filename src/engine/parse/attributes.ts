/**
 * What both readers (tree-sitter's and the literal one) do with what they read: Migration class
 * attributes, list items, dependencies, imports. Readers hand over values; the rules of how a
 * value becomes a dependency, an operation or a problem live here once.
 */
import type { Dependency, ImportInfo, MigrationFile, MigrationKey, Operation, OperationCondition, PyValue } from '../types.js';
import type { Branch, FileContext } from './context.js';
import { addProblem, lineOf, resolveConstant } from './context.js';
import { collectOperations } from './operations.js';
import { lastSegment, renderPy, stringValue } from './values.js';

/** Longer attribute values are helper lists, not markers like `stage = Stage.POST_DEPLOY`. */
const MAX_EXTRA_ATTRIBUTE_TEXT = 300;
export const LIST_ATTRIBUTES = new Set(['dependencies', 'operations', 'replaces', 'run_before']);
export const KNOWN_ATTRIBUTES = new Set([...LIST_ATTRIBUTES, 'initial', 'atomic']);

/**
 * One part of a list-valued attribute: literal items, or a piece computed at import time; `branches`
 * when a conditional expression (`[...] if c else []`) chose it.
 */
export type ListPart = ({ items: PyValue[] } | { dynamic: string; line: number }) & { branches?: Branch[] };

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

/** `name = value` in the class body (or in one of its `if` blocks). */
export function classAssignment(file: MigrationFile, ctx: FileContext, name: string, right: AttributeValue, line: number, conditional: boolean): void {
  // Operations read in a branch carry its condition instead.
  if (conditional && KNOWN_ATTRIBUTES.has(name) && !(name === 'operations' && ctx.branches.length > 0)) {
    addProblem(ctx, 'conditional-attribute', `\`${name}\` is set inside a conditional block; the literal values are read as if it ran.`, line);
  }
  assignAttribute(file, ctx, name, right, 'set');
}

/** `name <operator> value` in the class body; only `+=` on a list attribute is read. */
export function classAugmentedAssignment(file: MigrationFile, ctx: FileContext, name: string, operator: string, right: AttributeValue, line: number, conditional: boolean): void {
  if (!LIST_ATTRIBUTES.has(name)) return;
  if (operator !== '+=') {
    addProblem(ctx, name === 'operations' ? 'dynamic-operations' : 'dynamic-attribute', `\`${name} ${operator} …\` cannot be read without running the code.`, line);
    return;
  }
  if (conditional && !(name === 'operations' && ctx.branches.length > 0)) {
    addProblem(ctx, 'conditional-attribute', `\`${name} += …\` runs inside a conditional block; the literal values are read as if it ran.`, line);
  }
  assignAttribute(file, ctx, name, right, 'extend');
}

/**
 * `operations.append(x)`, `.extend([...])`, `.insert(i, x)` in the class body: `first` is the
 * argument appended or extended with, `inserted` the second one of `insert`.
 */
export function classListMutation(file: MigrationFile, ctx: FileContext, name: string, method: 'append' | 'extend' | 'insert', first: AttributeValue | undefined, inserted: AttributeValue | undefined, line: number, conditional: boolean): void {
  // Unconditional changes to `operations`, and those in a branch, are read exactly.
  if (name !== 'operations' || (conditional && ctx.branches.length === 0)) {
    addProblem(ctx, conditional ? 'conditional-attribute' : 'dynamic-attribute', `\`${name}.${method}(…)\`${conditional ? ' inside a conditional block' : ''} changes \`${name}\` at import time; the literal values are read as if it ran.`, line);
  }
  if (method === 'append' && first) addItems(file, ctx, name, [first.value()], first.line, 'extend');
  else if (method === 'extend' && first) assignAttribute(file, ctx, name, first, 'extend');
  else if (method === 'insert' && inserted) addItems(file, ctx, name, [inserted.value()], inserted.line, 'prepend');
}

/**
 * A `for`/`while` loop in the class body that names list attributes: it is not run, so what it adds
 * is not read; each attribute it names gets a problem.
 */
export function classLoop(ctx: FileContext, header: string, names: ReadonlySet<string>, line: number): void {
  for (const name of LIST_ATTRIBUTES) {
    if (!names.has(name)) continue;
    addProblem(ctx, name === 'operations' ? 'dynamic-operations' : 'dynamic-attribute', `\`${name}\` is changed in the loop \`${clip(header)}\`; the loop is not run, so what it adds to \`${name}\` is not read.`, line);
  }
}

/** An `if`/`elif`/`else` chain or conditional expression being read: its branches in order. */
export interface Chain {
  chain: number;
  /** Conditions of the branches read so far. */
  previous: string[];
}

export function openChain(ctx: FileContext): Chain {
  return { chain: ctx.nextChain++, previous: [] };
}

/** The next branch of a chain (`condition` null for `else`): taken when the earlier ones were not and its own condition holds. */
export function nextBranch(chain: Chain, condition: string | null): Branch {
  const parts = chain.previous.map(negate);
  const own = condition === null ? null : condition.replace(/\s+/g, ' ').trim();
  if (own !== null) parts.push(own);
  const branch: Branch = { chain: chain.chain, branch: chain.previous.length, text: joinConditions(parts) };
  if (own !== null) chain.previous.push(own);
  return branch;
}

/** Read `body` inside a branch of the class body. */
export function inBranch(ctx: FileContext, branch: Branch, body: () => void): void {
  ctx.branches.push(branch);
  try {
    body();
  } finally {
    ctx.branches.pop();
  }
}

/** `not x` for a name, `not (a == b)` otherwise; `not x` negated is `x`. */
export function negate(text: string): string {
  const simple = /^[\p{L}_][\p{L}\p{N}_.]*$/u;
  if (text.startsWith('not ') && simple.test(text.slice(4))) return text.slice(4);
  return simple.test(text) ? `not ${text}` : `not (${text})`;
}

function joinConditions(parts: readonly string[]): string {
  if (parts.length === 1) return parts[0] as string;
  return parts.map((part) => (/\b(or|if|lambda)\b/.test(part) && !part.startsWith('not (') ? `(${part})` : part)).join(' and ');
}

export function assignAttribute(file: MigrationFile, ctx: FileContext, name: string, right: AttributeValue, mode: 'set' | 'extend'): void {
  const line = right.line;
  if (LIST_ATTRIBUTES.has(name)) {
    const parts = right.listParts();
    if (mode === 'set' && name === 'operations') replaceOperations(file, ctx.branches);
    else if (mode === 'set') clearAttribute(file, name);
    for (const part of parts) {
      if ('items' in part) addItems(file, ctx, name, part.items, line, 'extend', part.branches);
      else addProblem(ctx, name === 'operations' ? 'dynamic-operations' : 'dynamic-attribute', `\`${name}\` includes \`${clip(part.dynamic)}\`, computed at import time; only its literal parts are read.`, part.line);
      if (part.branches && name !== 'operations') {
        addProblem(ctx, 'conditional-attribute', `\`${name}\` depends on \`${clip(part.branches[part.branches.length - 1]?.text ?? '')}\`; every branch is read as if it ran.`, line);
      }
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

/**
 * `operations = …` inside branches replaces only what the same branches read: operations of other
 * branches stay, and operations read before the branch stay for when it is not taken.
 */
function replaceOperations(file: MigrationFile, path: readonly Branch[]): void {
  if (path.length === 0) {
    file.operations = [];
    return;
  }
  const kept: Operation[] = [];
  for (const op of file.operations) {
    const atoms = op.condition?.branches ?? [];
    if (!compatible(atoms, path)) {
      kept.push(op);
      continue;
    }
    const outside = path.filter((branch) => !atoms.some((atom) => !atom.negated && atom.chain === branch.chain && atom.branch === branch.branch));
    if (outside.length === 0) continue;
    const innermost = outside[outside.length - 1] as Branch;
    addCondition(op, { chain: innermost.chain, branch: innermost.branch, negated: true }, negate(joinConditions(outside.map((branch) => branch.text))));
    kept.push(op);
  }
  file.operations = kept;
  file.operations.forEach((op, index) => (op.index = index));
}

/** Can an operation with these branches be in the list while `path` is taken? */
function compatible(atoms: OperationCondition['branches'], path: readonly Branch[]): boolean {
  for (const atom of atoms) {
    for (const branch of path) {
      if (atom.chain !== branch.chain) continue;
      if (atom.negated ? atom.branch === branch.branch : atom.branch !== branch.branch) return false;
    }
  }
  return true;
}

function addCondition(op: Operation, atom: OperationCondition['branches'][number], text: string): void {
  const condition = op.condition ?? { text: '', branches: [], replayed: true };
  condition.branches.push(atom);
  condition.text = condition.text === '' ? text : joinConditions([condition.text, text]);
  condition.replayed = condition.branches.every((each) => (each.negated ? each.branch !== 0 : each.branch === 0));
  setCondition(op, condition);
}

/** The operation and its nested operations share one condition. */
function setCondition(op: Operation, condition: OperationCondition): void {
  op.condition = condition;
  for (const children of Object.values(op.children ?? {})) for (const child of children) setCondition(child, condition);
}

function conditionOf(branches: readonly Branch[]): OperationCondition {
  return {
    text: joinConditions(branches.map((branch) => branch.text)),
    branches: branches.map(({ chain, branch }) => ({ chain, branch })),
    replayed: branches.every((branch) => branch.branch === 0),
  };
}

export function addItems(file: MigrationFile, ctx: FileContext, name: string, items: PyValue[], line: number, mode: 'extend' | 'prepend', branches: readonly Branch[] = []): void {
  if (name === 'operations') {
    const ops: Operation[] = [];
    collectOperations(ctx, items, [], ops, line);
    const path = [...ctx.branches, ...branches];
    if (path.length > 0) for (const op of ops) setCondition(op, conditionOf(path));
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
