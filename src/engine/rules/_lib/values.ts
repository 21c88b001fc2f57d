import type { FieldDef, PyValue } from '../../types.js';

/** Last segment of a dotted path: `django.db.models.deletion.CASCADE` → `CASCADE`. */
export function lastSegment(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot === -1 ? path : path.slice(dot + 1);
}

export function asString(value: PyValue | undefined): string | undefined {
  return value?.kind === 'str' ? value.value : undefined;
}

export function asBool(value: PyValue | undefined): boolean | undefined {
  return value?.kind === 'bool' ? value.value : undefined;
}

export function asNumber(value: PyValue | undefined): number | undefined {
  return value?.kind === 'int' || value?.kind === 'float' ? value.value : undefined;
}

/** Items of a list, tuple or set literal; undefined for anything else. */
export function asItems(value: PyValue | undefined): PyValue[] | undefined {
  return value && (value.kind === 'list' || value.kind === 'tuple' || value.kind === 'set') ? value.items : undefined;
}

/** A short readable rendering of a value for messages. */
export function describeValue(value: PyValue | undefined): string {
  if (!value) return '';
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
    case 'call':
      return `${value.callee}(…)`;
    case 'lambda':
      return 'lambda';
    case 'expr':
      return value.text;
    case 'list':
      return `[${value.items.map(describeValue).join(', ')}]`;
    case 'tuple':
      return `(${value.items.map(describeValue).join(', ')})`;
    case 'set':
      return `{${value.items.map(describeValue).join(', ')}}`;
    case 'dict':
      return '{…}';
  }
}

/** True when the kwarg is present and is literally `True`. */
export function isTrue(field: FieldDef, kwarg: string): boolean {
  return asBool(field.kwargs[kwarg]) === true;
}
