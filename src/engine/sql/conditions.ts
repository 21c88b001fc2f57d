/**
 * A literal `Q(...)` compiled as Django's Query.build_where and WhereNode.as_sql do for check
 * constraints and partial indexes (columns unqualified): children in Q's order (keyword lookups
 * sorted), nested Q objects merged into their parent when Node.add merges them, parentheses around
 * more than one child, `NOT (…)` around a negated node. The lookups: exact (None as IS NULL, a
 * boolean field alone on PostgreSQL), isnull, gt, gte, lt, lte and in.
 */
import type { PyValue } from '../types.js';
import type { Column, Vendor } from './columns.js';
import { quoteLiteral, quoteName } from './columns.js';
import { Unpredictable } from './types.js';

interface Lookup {
  kind: 'lookup';
  path: string;
  value: PyValue;
}

interface Node {
  kind: 'node';
  connector: 'AND' | 'OR';
  negated: boolean;
  children: Array<Lookup | Node>;
}

export interface ConditionContext {
  vendor: Vendor;
  /** The column of a field of the constrained model, by field name (Unpredictable when unknown). */
  column(fieldName: string): Column;
}

const COMPARISONS: Record<string, string> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };
const TEXT_TYPES = new Set(['CharField', 'TextField', 'SlugField']);
const INTEGER_TYPES = /IntegerField$|^(ForeignKey|OneToOneField|AutoField|BigAutoField|SmallAutoField)$/;

function isQ(value: PyValue): value is PyValue & { kind: 'call' } {
  return value.kind === 'call' && /(^|\.)Q$/.test(value.callee);
}

/** Q(*args, **kwargs): args first, then keyword lookups sorted by name (Q.__init__). */
function readQ(q: PyValue): Node {
  if (!isQ(q)) throw new Unpredictable('the condition is not a literal Q(...)');
  const connector = q.kwargs['_connector'];
  const negated = q.kwargs['_negated'];
  if (connector !== undefined && !(connector.kind === 'str' && (connector.value === 'AND' || connector.value === 'OR'))) throw new Unpredictable('the condition joins with a connector other than AND/OR');
  if (negated !== undefined && negated.kind !== 'bool') throw new Unpredictable('`_negated=` is not a literal');
  const children: Array<Lookup | Node> = q.args.map((arg) => {
    if (isQ(arg)) return readQ(arg);
    if (arg.kind === 'tuple' && arg.items.length === 2 && arg.items[0]?.kind === 'str') return { kind: 'lookup', path: arg.items[0].value, value: arg.items[1]! };
    throw new Unpredictable('the condition holds an expression that is not a lookup');
  });
  const keys = Object.keys(q.kwargs).filter((key) => !key.startsWith('_')).sort();
  for (const key of keys) children.push({ kind: 'lookup', path: key, value: q.kwargs[key]! });
  return { kind: 'node', connector: connector?.kind === 'str' ? (connector.value as 'AND' | 'OR') : 'AND', negated: negated?.kind === 'bool' ? negated.value : false, children };
}

/** Node.add: a child node that is not negated and has the same connector (or one child) is merged. */
function merged(node: Node): Node {
  const children: Array<Lookup | Node> = [];
  for (const child of node.children) {
    if (child.kind === 'lookup') children.push(child);
    else {
      const inner = merged(child);
      if (!inner.negated && (inner.connector === node.connector || inner.children.length === 1)) children.push(...inner.children);
      else children.push(inner);
    }
  }
  return { ...node, children };
}

export function compileCondition(q: PyValue, ctx: ConditionContext): string {
  return renderNode(merged(readQ(q)), ctx, false);
}

function renderNode(node: Node, ctx: ConditionContext, negatedAbove: boolean): string {
  if (node.children.length === 0) throw new Unpredictable('an empty Q matches every row');
  const negated = negatedAbove !== node.negated;
  const parts = node.children.map((child) => (child.kind === 'lookup' ? renderLookup(child, ctx, negated) : renderNode(child, ctx, negated)));
  const sql = parts.join(` ${node.connector} `);
  if (node.negated) return `NOT (${sql})`;
  return parts.length > 1 ? `(${sql})` : sql;
}

function renderLookup(lookup: Lookup, ctx: ConditionContext, negated: boolean): string {
  const parts = lookup.path.split('__');
  if (parts.length > 2) throw new Unpredictable(`the lookup ${lookup.path} spans a relation`);
  const column = ctx.column(parts[0]!);
  let op = parts[1] ?? 'exact';
  let value = lookup.value;
  if (op === 'exact' && value.kind === 'none') {
    op = 'isnull';
    value = { kind: 'bool', value: true };
  }
  const lhs = quoteName(ctx.vendor, column.name);
  if (op === 'isnull') {
    if (value.kind !== 'bool') throw new Unpredictable('`__isnull` compares with a value that is not True/False');
    return `${lhs} IS ${value.value ? '' : 'NOT '}NULL`;
  }
  // Under a negation Django adds `AND col IS NOT NULL` for a nullable column.
  if (negated && column.null) throw new Unpredictable('a negated lookup on a nullable column gets an extra IS NOT NULL');
  if (op === 'exact' && value.kind === 'bool' && column.internalType === 'BooleanField' && ctx.vendor === 'postgresql') return value.value ? lhs : `NOT ${lhs}`;
  if (op === 'exact') return `${lhs} = ${literal(value, column, ctx)}`;
  if (COMPARISONS[op]) return `${lhs} ${COMPARISONS[op]} ${literal(value, column, ctx)}`;
  if (op === 'in') return `${lhs} IN (${inValues(value, column, ctx).join(', ')})`;
  throw new Unpredictable(`the lookup ${lookup.path} is not predicted yet`);
}

/** In.process_rhs: duplicates and None dropped, order kept. */
function inValues(value: PyValue, column: Column, ctx: ConditionContext): string[] {
  if (value.kind !== 'list' && value.kind !== 'tuple' && value.kind !== 'set') throw new Unpredictable('`__in` compares with a value that is not a literal list');
  if (value.kind === 'set') throw new Unpredictable('`__in` with a set: its order is Python\'s');
  const out: string[] = [];
  for (const item of value.items) {
    if (item.kind === 'none') continue;
    const sql = literal(item, column, ctx);
    if (!out.includes(sql)) out.push(sql);
  }
  if (out.length === 0) throw new Unpredictable('`__in` with no values matches nothing');
  return out;
}

/** A lookup value as the field prepares it and the driver quotes it; only types whose preparation is plain. */
function literal(value: PyValue, column: Column, ctx: ConditionContext): string {
  const type = column.internalType;
  const fits =
    (value.kind === 'str' && TEXT_TYPES.has(type)) ||
    (value.kind === 'int' && (INTEGER_TYPES.test(type) || type === 'DecimalField')) ||
    (value.kind === 'bool' && type === 'BooleanField') ||
    (value.kind === 'call' && type === 'DecimalField');
  if (!fits) throw new Unpredictable(`the condition compares ${column.name} (${type}) with a value whose preparation is not followed`);
  const sql = quoteLiteral(value, ctx.vendor, column);
  if (sql === undefined) throw new Unpredictable('the condition compares with None');
  return sql;
}
