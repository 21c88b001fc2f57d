/**
 * The JSON Lines record of `migrate-help parse --format json` (documented in docs/parser.md).
 */
import type { Dependency, FieldDef, MigrationFile, Operation, PyValue } from '../types.js';
import { lastSegment, renderPy } from './values.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Keys our records add to a call's object; a keyword argument with one of these names is emitted as `kw:<name>`. */
const RESERVED = new Set(['type', 'args']);

export function toParseJson(file: MigrationFile): object {
  return {
    path: file.path,
    app: file.app,
    name: file.name,
    hasMigrationClass: file.hasMigrationClass,
    dependencies: file.dependencies.map(dependencyJson),
    replaces: file.replaces.map(({ app, name }) => ({ app, name })),
    runBefore: file.runBefore.map(({ app, name }) => ({ app, name })),
    initial: file.initial,
    atomic: file.atomic,
    operations: file.operations.map(operationJson),
    problems: file.problems.map(({ code, message, line }) => ({ code, message, line })),
  };
}

function dependencyJson(dependency: Dependency): Json {
  return 'setting' in dependency ? { setting: dependency.setting } : { app: dependency.app, name: dependency.name };
}

function operationJson(op: Operation): Json {
  const out: { [key: string]: Json } = { type: op.type };
  for (const [key, value] of Object.entries(op.args)) {
    out[RESERVED.has(key) ? `kw:${key}` : key] = valueJson(value);
  }
  if (op.field && op.args['field']) out['field'] = fieldJson(op.field);
  if (op.fields && op.args['fields']) out['fields'] = op.fields.map(({ name, field }) => [name, fieldJson(field)]);
  for (const [key, children] of Object.entries(op.children ?? {})) out[RESERVED.has(key) ? `kw:${key}` : key] = children.map(operationJson);
  if (op.extraArgs.length > 0) out['args'] = op.extraArgs.map(valueJson);
  return out;
}

function fieldJson(field: FieldDef): Json {
  const out: { [key: string]: Json } = { type: field.type };
  for (const [key, value] of Object.entries(field.kwargs)) out[RESERVED.has(key) ? `kw:${key}` : key] = valueJson(value);
  if (field.extraArgs.length > 0) out['args'] = field.extraArgs.map(valueJson);
  return out;
}

/** A Python value as JSON: literals as themselves, dotted names as strings, calls as `{type, ...kwargs}`. */
export function valueJson(value: PyValue): Json {
  switch (value.kind) {
    case 'str':
    case 'bytes':
      return value.value;
    case 'int':
    case 'float':
      return Number.isFinite(value.value) ? value.value : { expr: value.text };
    case 'bool':
      return value.value;
    case 'none':
      return null;
    case 'name':
      return value.path;
    case 'list':
    case 'tuple':
    case 'set':
      return value.items.map(valueJson);
    case 'dict': {
      const out: { [key: string]: Json } = {};
      for (const { key, value: item } of value.entries) out[key.kind === 'str' ? key.value : renderPy(key)] = valueJson(item);
      return out;
    }
    case 'call': {
      const out: { [key: string]: Json } = { type: lastSegment(value.callee) };
      for (const [key, item] of Object.entries(value.kwargs)) out[RESERVED.has(key) ? `kw:${key}` : key] = valueJson(item);
      if (value.args.length > 0) out['args'] = value.args.map(valueJson);
      return out;
    }
    case 'lambda':
    case 'expr':
      return { expr: value.text };
  }
}
