/**
 * Whether the condition of a conditionally built operation (docs/parser.md) can hold on the target
 * database. Only tests of `connection.vendor` (and `connection.mysql_is_mariadb`) are decided; any
 * other part of a condition may hold, so the operation is linted.
 */
import type { Database } from './types.js';

const VENDOR = /^(?:schema_editor\.)?connection\.vendor$/;
const QUOTED = /^(['"])(\w+)\1$/;

/** Django's `connection.vendor` for each target: MariaDB reports `mysql`. */
const VENDOR_OF: Record<Database, string> = { postgresql: 'postgresql', mysql: 'mysql', mariadb: 'mysql', sqlite: 'sqlite', oracle: 'oracle' };

/** False when some part of the `and`-joined condition is a vendor test the target database fails. */
export function conditionMayHold(condition: string, database: Database): boolean {
  return splitTopLevel(condition, ' and ').every((part) => evaluate(part.trim(), database, 0) !== false);
}

/** true / false when decided, undefined when the part is not about the database vendor. */
function evaluate(text: string, database: Database, depth: number): boolean | undefined {
  if (depth > 10) return undefined;
  if (text.startsWith('not ')) {
    const inner = evaluate(text.slice(4).trim(), database, depth + 1);
    return inner === undefined ? undefined : !inner;
  }
  if (text.startsWith('(') && text.endsWith(')') && splitTopLevel(text.slice(1, -1), ',').length === 1 && enclosesAll(text)) return evaluate(text.slice(1, -1).trim(), database, depth + 1);
  if (splitTopLevel(text, ' and ').length > 1 || splitTopLevel(text, ' or ').length > 1) return undefined;
  if (/^(?:schema_editor\.)?connection\.mysql_is_mariadb$/.test(text)) return database === 'mariadb' ? true : database === 'mysql' ? false : undefined;
  const comparison = /^(.+?)\s*(==|!=|\bnot in\b|\bin\b)\s*(.+)$/.exec(text);
  if (!comparison) return undefined;
  const [, left, operator, right] = comparison as unknown as [string, string, string, string];
  const vendor = VENDOR_OF[database];
  if (operator === '==' || operator === '!=') {
    const other = VENDOR.test(left.trim()) ? right.trim() : VENDOR.test(right.trim()) ? left.trim() : null;
    const name = other === null ? null : QUOTED.exec(other)?.[2];
    if (!name) return undefined;
    return operator === '==' ? name === vendor : name !== vendor;
  }
  if (!VENDOR.test(left.trim())) return undefined;
  const list = /^[([{](.*)[)\]}]$/.exec(right.trim());
  if (!list) return undefined;
  const names = splitTopLevel(list[1] as string, ',').map((item) => item.trim()).filter((item) => item !== '');
  const decoded = names.map((item) => QUOTED.exec(item)?.[2]);
  if (decoded.some((item) => item === undefined)) return undefined;
  const member = decoded.includes(vendor);
  return operator === 'in' ? member : !member;
}

/** The opening parenthesis at 0 closes at the very end. */
function enclosesAll(text: string): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i === text.length - 1;
  }
  return false;
}

/** Split on `separator` outside brackets and quotes. */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (depth === 0 && text.startsWith(separator, i)) {
      parts.push(text.slice(from, i));
      from = i + separator.length;
      i += separator.length - 1;
    }
  }
  parts.push(text.slice(from));
  return parts;
}
