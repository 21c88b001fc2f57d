/** Where lambdas hide inside a parsed value. */
import type { PyValue } from '../../types.js';

/** Every lambda inside a value (field kwargs nest: `validators=[...]`, `base_field=CharField(...)`). */
export function lambdasIn(value: PyValue, found: Array<Extract<PyValue, { kind: 'lambda' }>> = []): Array<Extract<PyValue, { kind: 'lambda' }>> {
  switch (value.kind) {
    case 'lambda':
      found.push(value);
      break;
    case 'call':
      for (const arg of value.args) lambdasIn(arg, found);
      // `for…in` with an own-key test: Object.values' order without building its array per call.
      for (const key in value.kwargs) if (Object.hasOwn(value.kwargs, key)) lambdasIn(value.kwargs[key]!, found);
      break;
    case 'list':
    case 'tuple':
    case 'set':
      for (const item of value.items) lambdasIn(item, found);
      break;
    case 'dict':
      for (const entry of value.entries) {
        lambdasIn(entry.key, found);
        lambdasIn(entry.value, found);
      }
      break;
    case 'expr':
      // A lambda inside an unmodelled expression (`partial(lambda: 1)` is modelled; `x or (lambda: 1)` is not).
      if (/(^|[^\w.])lambda\b/.test(value.text)) found.push({ kind: 'lambda', text: value.text, params: [], line: value.line });
      break;
    default:
      break;
  }
  return found;
}
