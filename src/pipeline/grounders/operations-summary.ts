/** One line per parsed operation, for the model: what the engine read, so it does not re-guess the code. */
import type { CallableRef, FieldDef, Operation, PyValue } from '../../engine/index.js';
import { clip } from './markdown.js';

const MAX_LINE = 240;
const MAX_OPERATIONS = 60;
/** Field kwargs that change what the database does; the rest (verbose_name, help_text…) are noise here. */
const FIELD_KEYS = ['null', 'default', 'db_default', 'unique', 'db_index', 'primary_key', 'max_length', 'to', 'on_delete', 'db_column', 'db_constraint', 'through'];

/** A short Python-like rendering of a parsed value. */
function renderValue(value: PyValue, depth = 0): string {
  switch (value.kind) {
    case 'str':
      return JSON.stringify(value.value);
    case 'bytes':
      return `b${JSON.stringify(value.value)}`;
    case 'int':
    case 'float':
      return value.text;
    case 'bool':
      return value.value ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'name':
      return value.path;
    case 'list':
    case 'tuple':
    case 'set': {
      const [open, close] = value.kind === 'list' ? ['[', ']'] : value.kind === 'tuple' ? ['(', ')'] : ['{', '}'];
      if (depth > 1) return `${open}…${close}`;
      return `${open}${value.items.map((item) => renderValue(item, depth + 1)).join(', ')}${close}`;
    }
    case 'dict':
      return depth > 1 ? '{…}' : `{${value.entries.map((entry) => `${renderValue(entry.key, depth + 1)}: ${renderValue(entry.value, depth + 1)}`).join(', ')}}`;
    case 'call': {
      if (depth > 1) return `${value.callee}(…)`;
      const args = [...value.args.map((arg) => renderValue(arg, depth + 1)), ...Object.entries(value.kwargs).map(([key, arg]) => `${key}=${renderValue(arg, depth + 1)}`)];
      return `${value.callee}(${args.join(', ')})`;
    }
    case 'lambda':
    case 'expr':
      return value.text;
  }
}

function renderField(field: FieldDef): string {
  const kwargs = FIELD_KEYS.filter((key) => key in field.kwargs).map((key) => `${key}=${renderValue(field.kwargs[key] as PyValue, 1)}`);
  return `${field.type}(${kwargs.join(', ')})`;
}

function renderCallable(ref: CallableRef | null | undefined): string {
  if (!ref) return 'none';
  switch (ref.kind) {
    case 'noop':
      return 'RunPython.noop';
    case 'function':
      return ref.name;
    case 'reference':
      return ref.path;
    case 'lambda':
      return 'a lambda';
    case 'partial':
      return `partial(${renderCallable(ref.inner)})`;
    case 'other':
      return ref.text;
  }
}

function describeOperation(op: Operation): string {
  const target = [op.model, op.oldName ? `${op.oldName} → ${op.name ?? '?'}` : op.name].filter(Boolean).join('.');
  let detail = '';
  if (op.field) detail = renderField(op.field);
  else if (op.fields) detail = `fields: ${op.fields.map((entry) => `${entry.name} ${renderField(entry.field)}`).join(', ')}`;
  else if (op.code) detail = `forward ${renderCallable(op.code)}, reverse ${renderCallable(op.reverseCode)}`;
  else if (op.sql) detail = `sql ${op.sql.map((item) => JSON.stringify(item.text.trim())).join('; ') || 'noop'}; reverse ${op.reverseSql === null || op.reverseSql === undefined ? 'none' : op.reverseSql.length === 0 ? 'noop' : 'given'}`;
  else {
    const args = Object.entries(op.args)
      .filter(([key]) => key !== 'model_name' && key !== 'name')
      .map(([key, value]) => `${key}=${renderValue(value, 1)}`);
    detail = args.join(', ');
  }
  const known = op.known ? '' : ' (custom operation)';
  const suppressed = op.suppressed.length > 0 ? ` [suppressed: ${op.suppressed.join(', ')}]` : '';
  return clip(`line ${op.span.line} ${op.type}${known}${target ? ` ${target}` : ''}${detail ? `: ${detail}` : ''}${suppressed}`, MAX_LINE);
}

/** Numbered operation lines, nested lists (SeparateDatabaseAndState, state_operations) indented under their parent. */
export function describeOperations(operations: readonly Operation[], indent: string): string {
  const lines: string[] = [];
  let shown = 0;
  const walk = (ops: readonly Operation[], prefix: string): void => {
    ops.forEach((op, index) => {
      if (shown >= MAX_OPERATIONS) return;
      shown++;
      lines.push(`${prefix}${index + 1}. ${describeOperation(op)}`);
      for (const [name, children] of Object.entries(op.children ?? {})) {
        lines.push(`${prefix}   ${name}:`);
        walk(children, `${prefix}     `);
      }
    });
  };
  walk(operations, indent);
  if (lines.length === 0) return `${indent}(none)`;
  const total = countOperations(operations);
  if (total > shown) lines.push(`${indent}…and ${total - shown} more`);
  return lines.join('\n');
}

function countOperations(operations: readonly Operation[]): number {
  return operations.reduce((sum, op) => sum + 1 + Object.values(op.children ?? {}).reduce((inner, children) => inner + countOperations(children), 0), 0);
}
