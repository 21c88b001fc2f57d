/** Small helpers over PyValue used while building operations and JSON. */
import type { PyValue } from '../types.js';

export function lastSegment(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot === -1 ? path : path.slice(dot + 1);
}

/** Python-like source rendering of a value, for `expr`-style fallbacks and messages. */
export function renderPy(value: PyValue): string {
  switch (value.kind) {
    case 'str':
      return pyQuote(value.value);
    case 'bytes':
      return `b${pyQuote(value.value)}`;
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
      return `[${value.items.map(renderPy).join(', ')}]`;
    case 'tuple':
      return value.items.length === 1 ? `(${renderPy(value.items[0] as PyValue)},)` : `(${value.items.map(renderPy).join(', ')})`;
    case 'set':
      return value.items.length === 0 ? 'set()' : `{${value.items.map(renderPy).join(', ')}}`;
    case 'dict':
      return `{${value.entries.map((entry) => `${renderPy(entry.key)}: ${renderPy(entry.value)}`).join(', ')}}`;
    case 'call': {
      const parts = [...value.args.map(renderPy), ...Object.entries(value.kwargs).map(([key, item]) => `${key}=${renderPy(item)}`)];
      return `${value.callee}(${parts.join(', ')})`;
    }
    case 'lambda':
    case 'expr':
      return value.text;
  }
}

function pyQuote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

export function stringValue(value: PyValue | undefined): string | undefined {
  return value?.kind === 'str' ? value.value : undefined;
}
