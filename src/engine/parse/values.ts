/** Small helpers over PyValue used while building operations and JSON. */
import type { PyValue } from '../types.js';

export function lastSegment(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot === -1 ? path : path.slice(dot + 1);
}

/**
 * Python source for a value, for `expr`-style fallbacks, messages and generated migrations; `quote`
 * writes string literals (generated files pass the quotes Django's writer picks).
 */
export function renderPy(value: PyValue, quote: (text: string) => string = pyQuote): string {
  const render = (item: PyValue): string => renderPy(item, quote);
  switch (value.kind) {
    case 'str':
      return quote(value.value);
    case 'bytes':
      return `b${quote(value.value)}`;
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
      return `[${value.items.map(render).join(', ')}]`;
    case 'tuple':
      return value.items.length === 1 ? `(${render(value.items[0] as PyValue)},)` : `(${value.items.map(render).join(', ')})`;
    case 'set':
      return value.items.length === 0 ? 'set()' : `{${value.items.map(render).join(', ')}}`;
    case 'dict':
      return `{${value.entries.map((entry) => `${render(entry.key)}: ${render(entry.value)}`).join(', ')}}`;
    case 'call': {
      const parts = [...value.args.map(render), ...Object.entries(value.kwargs).map(([key, item]) => `${key}=${render(item)}`)];
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
