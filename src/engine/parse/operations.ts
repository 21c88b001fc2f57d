/** Operation and field objects built from the PyValue of their constructor calls. */
import type { CallableRef, FieldDef, Operation, PyValue, SourceSpan, SqlItem } from '../types.js';
import type { FileContext } from './context.js';
import { addProblem, lineOf, resolveConstant, resolveImportedPath } from './context.js';
import { setOwn } from './reader.js';
import { fieldSignature, MODEL_NAME_OPERATIONS, OPERATION_MODULES, operationSignature } from './signatures.js';
import { lastSegment, renderPy, stringValue } from './values.js';

const NESTED_LISTS: Readonly<Record<string, readonly string[]>> = {
  SeparateDatabaseAndState: ['database_operations', 'state_operations'],
  RunSQL: ['state_operations'],
};

/** Nesting deeper than this is hostile input, not a migration. */
const MAX_NESTING = 20;

/**
 * Turn the items of an operations list into Operation objects, appending to `out`. Items that
 * are not operation constructors (comprehensions, `*spread`, helper calls) become problems.
 */
export function collectOperations(ctx: FileContext, items: readonly PyValue[], path: string[], out: Operation[], fallbackLine: number, depth = 0): void {
  for (const raw of items) {
    const item = resolveConstant(ctx, raw);
    const line = lineOf(ctx, raw, fallbackLine);
    if (item.kind === 'call' && isOperationConstructor(item.callee)) {
      out.push(buildOperation(ctx, item, out.length, path, depth));
    } else if (item.kind === 'call') {
      addProblem(ctx, 'dynamic-operations', `Operation built by calling \`${item.callee}()\`; its result cannot be known without running the code.`, line);
    } else if ((item.kind === 'list' || item.kind === 'tuple') && raw.kind === 'name') {
      // A module-level list of operations (`operations = [*COMMON]` resolved through a name).
      collectOperations(ctx, item.items, path, out, line, depth + 1);
    } else {
      const text = item.kind === 'expr' ? item.text : renderPy(item);
      addProblem(ctx, 'dynamic-operations', `Operations entry \`${clip(text)}\` is computed at import time; only literal operation calls are read.`, line);
    }
  }
}

/** Classes are CapWords; a lower-case callee is a helper function returning operations. */
function isOperationConstructor(callee: string): boolean {
  const type = lastSegment(callee);
  return /^_*[A-Z]/.test(type) && /^[\p{L}_][\p{L}\p{N}_.]*$/u.test(callee);
}

function isDjangoOperation(ctx: FileContext, callee: string, type: string): boolean {
  if (operationSignature(type) === undefined) return false;
  const root = callee.split('.')[0] as string;
  if (ctx.bindings.has(root)) return OPERATION_MODULES.has(moduleOf(resolveImportedPath(ctx, callee), type));
  if (callee.includes('.')) {
    // A full dotted path, or a snippet pasted without its import line (`migrations.AddField`).
    const module = moduleOf(callee, type);
    return OPERATION_MODULES.has(module) || module === 'migrations' || module === 'operations';
  }
  // A bare name neither imported nor defined here: a snippet pasted without its imports.
  return !ctx.classNames.has(type);
}

function moduleOf(path: string, type: string): string {
  return path.slice(0, Math.max(0, path.length - type.length - 1));
}

export function buildOperation(ctx: FileContext, call: Extract<PyValue, { kind: 'call' }>, index: number, path: string[], depth: number): Operation {
  const type = lastSegment(call.callee);
  const known = isDjangoOperation(ctx, call.callee, type);
  const signature = known ? (operationSignature(type) ?? []) : [];
  const args: Record<string, PyValue> = {};
  const argSpans: Record<string, SourceSpan> = {};
  const placed = ctx.reader.argumentSpans.get(call);
  const extraArgs: PyValue[] = [];
  call.args.forEach((value, position) => {
    const name = signature[position];
    if (name === undefined || isStarred(value)) {
      extraArgs.push(value);
      return;
    }
    setOwn(args, name, value);
    const span = placed?.positional[position];
    if (span) setOwn(argSpans, name, span);
  });
  for (const [name, value] of Object.entries(call.kwargs)) {
    setOwn(args, name, value);
    const span = placed && Object.hasOwn(placed.keyword, name) ? placed.keyword[name] : undefined;
    if (span) setOwn(argSpans, name, span);
  }
  const span = ctx.reader.callSpans.get(call) ?? { line: call.line, column: 1, endLine: call.line, endColumn: 1 };
  const op: Operation = { type, callee: call.callee, known, args, extraArgs, span, argSpans, index, path, suppressed: [] };
  if (known) addNormalisedViews(ctx, op, depth);
  return op;
}

function isStarred(value: PyValue): boolean {
  return value.kind === 'expr' && value.text.startsWith('*');
}

function addNormalisedViews(ctx: FileContext, op: Operation, depth: number): void {
  const { args, type } = op;
  const text = (key: string): string | undefined => {
    const value = args[key];
    return value ? stringValue(resolveConstant(ctx, value)) : undefined;
  };
  if (MODEL_NAME_OPERATIONS.has(type)) {
    op.model = text('name');
  } else if (type === 'RenameModel') {
    op.model = text('old_name');
    op.name = text('new_name');
    op.oldName = text('old_name');
  } else if ('model_name' in args) {
    op.model = text('model_name');
    if (type === 'RenameField' || type === 'RenameIndex') {
      op.name = text('new_name');
      op.oldName = text('old_name');
    } else {
      op.name = text('name');
    }
  } else if (type === 'CreateExtension' || type === 'CreateCollation' || type === 'RemoveCollation') {
    op.name = text('name');
  }
  dropUndefined(op);

  if ((type === 'AddField' || type === 'AlterField') && args['field']) {
    const field = fieldFromValue(ctx, args['field']);
    if (field) op.field = field;
  }
  if (type === 'CreateModel' && args['fields']) op.fields = createModelFields(ctx, args['fields'], op.span.line);

  const nested = NESTED_LISTS[type];
  if (nested) {
    const children: Record<string, Operation[]> = {};
    for (const key of nested) {
      const value = args[key];
      if (!value) continue;
      children[key] = nestedOperations(ctx, value, [...op.path, key], op.span.line, depth + 1);
    }
    if (Object.keys(children).length > 0) op.children = children;
  }
  if (type === 'RunPython') {
    const code = args['code'];
    op.code = code ? callableRef(ctx, code, op.span.line) : { kind: 'other', text: '', line: op.span.line };
    const reverse = args['reverse_code'];
    op.reverseCode = !reverse || reverse.kind === 'none' ? null : callableRef(ctx, reverse, op.span.line);
  }
  if (type === 'RunSQL') {
    const sql = args['sql'];
    op.sql = sql ? (sqlItems(ctx, sql, op.span.line) ?? []) : [];
    const reverse = args['reverse_sql'];
    op.reverseSql = reverse ? sqlItems(ctx, reverse, op.span.line) : null;
  }
}

function dropUndefined(op: Operation): void {
  for (const key of ['model', 'name', 'oldName'] as const) if (op[key] === undefined) delete op[key];
}

function nestedOperations(ctx: FileContext, value: PyValue, path: string[], line: number, depth: number): Operation[] {
  const resolved = resolveConstant(ctx, value);
  const out: Operation[] = [];
  if (depth > MAX_NESTING) {
    addProblem(ctx, 'dynamic-operations', 'Operations nested too deeply to read.', line);
    return out;
  }
  if (resolved.kind === 'list' || resolved.kind === 'tuple') collectOperations(ctx, resolved.items, path, out, lineOf(ctx, value, line), depth);
  else if (resolved.kind !== 'none') {
    addProblem(ctx, 'dynamic-operations', `\`${path[path.length - 1] ?? 'operations'}\` is not a literal list of operations.`, lineOf(ctx, value, line));
  }
  return out;
}

/** A field constructor call → FieldDef with known positional arguments named. */
export function fieldFromValue(ctx: FileContext, value: PyValue): FieldDef | undefined {
  const call = resolveConstant(ctx, value);
  if (call.kind !== 'call') return undefined;
  const type = lastSegment(call.callee);
  const signature = fieldSignature(type);
  const kwargs: Record<string, PyValue> = {};
  const extraArgs: PyValue[] = [];
  call.args.forEach((arg, position) => {
    const name = signature[position];
    if (name !== undefined && !isStarred(arg) && !(name in kwargs)) setOwn(kwargs, name, arg);
    else extraArgs.push(arg);
  });
  for (const [name, arg] of Object.entries(call.kwargs)) setOwn(kwargs, name, arg);
  return { type, callee: call.callee, classPath: resolveImportedPath(ctx, call.callee), kwargs, extraArgs, line: call.line };
}

function createModelFields(ctx: FileContext, value: PyValue, line: number): Array<{ name: string; field: FieldDef }> {
  const list = resolveConstant(ctx, value);
  const fields: Array<{ name: string; field: FieldDef }> = [];
  if (list.kind !== 'list' && list.kind !== 'tuple') {
    addProblem(ctx, 'unreadable-field', 'CreateModel `fields` is not a literal list; its fields are not read.', lineOf(ctx, value, line));
    return fields;
  }
  for (const item of list.items) {
    const pair = resolveConstant(ctx, item);
    const name = (pair.kind === 'tuple' || pair.kind === 'list') && pair.items.length === 2 ? stringValue(resolveConstant(ctx, pair.items[0] as PyValue)) : undefined;
    const field = name !== undefined && (pair.kind === 'tuple' || pair.kind === 'list') ? fieldFromValue(ctx, pair.items[1] as PyValue) : undefined;
    if (name !== undefined && field) fields.push({ name, field });
    else addProblem(ctx, 'unreadable-field', `CreateModel field entry \`${clip(renderPy(item))}\` is not a ("name", Field(...)) pair.`, lineOf(ctx, item, line));
  }
  return fields;
}

export function callableRef(ctx: FileContext, value: PyValue, fallbackLine: number, depth = 0): CallableRef {
  const line = lineOf(ctx, value, fallbackLine);
  switch (value.kind) {
    case 'name': {
      if (value.path === 'noop' || value.path.endsWith('RunPython.noop')) return { kind: 'noop', line };
      if (!value.path.includes('.') && ctx.functionNames.has(value.path)) return { kind: 'function', name: value.path, line };
      return { kind: 'reference', path: resolveImportedPath(ctx, value.path), line };
    }
    case 'lambda':
      return { kind: 'lambda', params: value.params, text: value.text, line };
    case 'call': {
      const callee = resolveImportedPath(ctx, value.callee);
      const first = value.args[0];
      if ((callee === 'functools.partial' || callee === 'partial') && first && depth < 10) {
        return { kind: 'partial', inner: callableRef(ctx, first, line, depth + 1), line };
      }
      return { kind: 'other', text: renderPy(value), line };
    }
    case 'expr':
      return { kind: 'other', text: value.text, line };
    default:
      return { kind: 'other', text: renderPy(value), line };
  }
}

/** RunSQL `sql` / `reverse_sql` → items; null for None (irreversible). */
export function sqlItems(ctx: FileContext, value: PyValue, fallbackLine: number): SqlItem[] | null {
  const line = lineOf(ctx, value, fallbackLine);
  if (value.kind === 'none') return null;
  if (value.kind === 'name') {
    if (value.path === 'noop' || value.path.endsWith('RunSQL.noop')) return [];
    const resolved = resolveConstant(ctx, value);
    if (resolved === value) return [{ text: value.path, dynamic: true, line }];
    return sqlItems(ctx, resolved, line);
  }
  if (value.kind === 'list' || value.kind === 'tuple') {
    return value.items.flatMap((item) => sqlItem(ctx, item, line));
  }
  return [single(ctx, value, line)];
}

function sqlItem(ctx: FileContext, value: PyValue, fallbackLine: number): SqlItem[] {
  const line = lineOf(ctx, value, fallbackLine);
  const resolved = resolveConstant(ctx, value);
  if ((resolved.kind === 'tuple' || resolved.kind === 'list') && resolved.items.length === 2) {
    const [sql, params] = resolved.items as [PyValue, PyValue];
    return [{ ...single(ctx, sql, line), params }];
  }
  if (resolved.kind === 'name' && (resolved.path === 'noop' || resolved.path.endsWith('RunSQL.noop'))) return [];
  return [single(ctx, resolved, line)];
}

function single(ctx: FileContext, value: PyValue, line: number): SqlItem {
  const resolved = resolveConstant(ctx, value);
  if (resolved.kind === 'str') return { text: resolved.value, dynamic: false, line };
  return { text: resolved.kind === 'expr' ? resolved.text : renderPy(resolved), dynamic: true, line };
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}
