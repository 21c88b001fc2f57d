/** Which indexes a field or model option builds: unique and plain field indexes, `*_together` sets and B-tree key columns. */
import type { FieldDef, PyValue } from '../../types.js';
import type { MigrationRuleContext, OperationVisit } from '../types.js';
import { isForeignKey, isIndexed, isUnique } from './fields.js';
import { asItems, asString, isTrue, lastSegment } from './values.js';

/** True when the field gets a unique index or constraint: `unique`, `primary_key`, or a OneToOneField. */
export function addsUniqueIndex(field: FieldDef): boolean {
  return isUnique(field) || field.type === 'OneToOneField';
}

/** True when the field gets a plain (non-unique) index: `db_index=True` or a FK left indexed. */
export function addsPlainIndex(field: FieldDef): boolean {
  return isIndexed(field) && !addsUniqueIndex(field);
}

/** Why a field is indexed, for messages. */
export function indexReason(field: FieldDef): string {
  if (isTrue(field, 'db_index')) return 'db_index=True';
  if (isForeignKey(field)) return `${field.type} columns are indexed by default`;
  return 'an index';
}

/**
 * `unique_together` / `index_together` value → normalised sets of lower-cased field names, like
 * Django's `normalize_together` (a single tuple of names counts as one set). Undefined when not literal.
 */
export function togetherSets(value: PyValue | undefined): string[][] | undefined {
  if (value === undefined || value.kind === 'none') return [];
  // `set()`, `frozenset({...})`: makemigrations writes an empty set as a call.
  if (value.kind === 'call' && (value.callee === 'set' || value.callee === 'frozenset')) return value.args.length === 0 ? [] : togetherSets(value.args[0]);
  const items = asItems(value);
  if (!items) return undefined;
  if (items.length === 0) return [];
  if (items.every((item) => item.kind === 'str')) return [items.map((item) => (item.kind === 'str' ? item.value.toLowerCase() : ''))];
  const sets: string[][] = [];
  for (const item of items) {
    const names = asItems(item);
    if (!names || !names.every((name) => name.kind === 'str')) return undefined;
    sets.push(names.map((name) => (name.kind === 'str' ? name.value.toLowerCase() : '')));
  }
  return sets;
}

/** Sets present in `after` but not in `before` (order of names inside a set matters, as for the index). */
export function addedSets(before: string[][], after: string[][]): string[][] {
  const known = new Set(before.map((set) => set.join(',')));
  return after.filter((set) => !known.has(set.join(',')));
}

/** The model's previous `unique_together` / `index_together`, or undefined when the earlier state is unknown. */
export function previousTogether(ctx: MigrationRuleContext, visit: OperationVisit, option: 'unique_together' | 'index_together'): string[][] | undefined {
  if (!visit.model) return undefined;
  const model = visit.stateBefore.model(ctx.migration.app, visit.model);
  if (!model) return undefined;
  return togetherSets(model.options[option]);
}

/** The key columns of a B-tree index value, or undefined when it is not a plain B-tree `Index` we can read. */
export interface IndexColumns {
  name: string;
  columns: string[];
  line: number;
}

/** Index classes whose columns form one B-tree key (GIN, GiST, BRIN and Bloom treat many columns differently). */
const BTREE_INDEX_CLASSES = new Set(['Index', 'BTreeIndex']);

export function btreeIndexColumns(value: PyValue | undefined, fallbackLine: number): IndexColumns | undefined {
  if (value?.kind !== 'call' || !BTREE_INDEX_CLASSES.has(lastSegment(value.callee))) return undefined;
  const columns: string[] = [];
  for (const item of asItems(value.kwargs['fields']) ?? []) {
    const name = asString(item);
    columns.push(name !== undefined ? name.replace(/^-/, '') : '<expression>');
  }
  // Positional arguments are expressions: `Index(Lower("email"), F("created"), name=...)`.
  for (const expression of value.args) columns.push(expression.kind === 'call' ? `${lastSegment(expression.callee)}(…)` : '<expression>');
  return { name: asString(value.kwargs['name']) ?? 'unnamed', columns, line: value.line || fallbackLine };
}
