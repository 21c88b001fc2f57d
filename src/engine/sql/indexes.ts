/**
 * A literal `models.Index(...)` or django.contrib.postgres index (GinIndex, BTreeIndex, …) read into
 * what Index.create_sql needs: fields with ordering and opclasses, the access method (`USING gin`),
 * storage parameters (`WITH (fastupdate = off)`), INCLUDE columns and the partial-index condition.
 */
import type { ImportInfo, PyValue } from '../types.js';
import { Unpredictable } from './types.js';

/** A callee resolved through the migration file's imports: `GinIndex` → `django.contrib.postgres.indexes.GinIndex`. */
export type CalleeResolver = (callee: string) => string;

export function importResolver(imports: readonly ImportInfo[]): CalleeResolver {
  const bindings = new Map<string, string>();
  for (const entry of imports) {
    if (entry.names.length === 0) bindings.set(entry.module.split('.')[0]!, entry.module.split('.')[0]!);
    for (const { name, alias } of entry.names) bindings.set(alias ?? name, `${entry.module}.${name}`);
  }
  return (callee) => {
    const dot = callee.indexOf('.');
    const root = dot === -1 ? callee : callee.slice(0, dot);
    const bound = bindings.get(root);
    if (bound === undefined) return callee;
    return dot === -1 ? bound : `${bound}${callee.slice(dot)}`;
  };
}

export interface IndexSpec {
  name: string;
  /** Field names without the `-` of descending order. */
  fields: string[];
  descending: boolean[];
  opclasses: string[];
  /** The access method of a contrib.postgres index; null for models.Index. */
  using: string | null;
  withParams: string[];
  include: string[];
  condition: PyValue | null;
}

type Param = (value: PyValue) => string;

const onOff = (name: string): Param => (value) => {
  if (value.kind !== 'bool') throw new Unpredictable(`\`${name}=\` is not a literal True/False`);
  return `${name} = ${value.value ? 'on' : 'off'}`;
};
const integer = (name: string): Param => (value) => {
  if (value.kind !== 'int') throw new Unpredictable(`\`${name}=\` is not a literal integer`);
  return `${name} = ${value.value}`;
};

/** contrib.postgres index classes: the access method and get_with_params, in Django's order. */
const POSTGRES_INDEXES: Record<string, { using: string; params: Array<[string, Param]> }> = {
  BTreeIndex: { using: 'btree', params: [['fillfactor', integer('fillfactor')], ['deduplicate_items', onOff('deduplicate_items')]] },
  BrinIndex: { using: 'brin', params: [['autosummarize', onOff('autosummarize')], ['pages_per_range', integer('pages_per_range')]] },
  GinIndex: { using: 'gin', params: [['gin_pending_list_limit', integer('gin_pending_list_limit')], ['fastupdate', onOff('fastupdate')]] },
  GistIndex: { using: 'gist', params: [['buffering', onOff('buffering')], ['fillfactor', integer('fillfactor')]] },
  HashIndex: { using: 'hash', params: [['fillfactor', integer('fillfactor')]] },
  SpGistIndex: { using: 'spgist', params: [['fillfactor', integer('fillfactor')]] },
};

/** A callee whose class name is a contrib.postgres index (GinIndex, `indexes.BTreeIndex`, …), however imported. */
export function isPostgresIndexName(callee: string): boolean {
  return (callee.split('.').pop() ?? '') in POSTGRES_INDEXES;
}

const COMMON_KWARGS = new Set(['fields', 'name', 'opclasses', 'include', 'condition']);

function strings(value: PyValue | undefined, what: string): string[] {
  if (value === undefined || value.kind === 'none') return [];
  if (value.kind !== 'list' && value.kind !== 'tuple') throw new Unpredictable(`${what} is not a literal list`);
  return value.items.map((item) => {
    if (item.kind !== 'str') throw new Unpredictable(`${what} holds a value that is not a literal string`);
    return item.value;
  });
}

function indexClass(path: string): { using: string | null; params: Array<[string, Param]> } {
  if (path === 'django.db.models.Index' || path === 'django.db.models.indexes.Index') return { using: null, params: [] };
  const prefix = 'django.contrib.postgres.indexes.';
  const known = path.startsWith(prefix) ? POSTGRES_INDEXES[path.slice(prefix.length)] : undefined;
  if (!known) throw new Unpredictable(`${path} is not an index class the prediction knows`);
  return known;
}

function withParams(index: PyValue & { kind: 'call' }, params: Array<[string, Param]>): string[] {
  const out: string[] = [];
  for (const [name, render] of params) {
    const value = index.kwargs[name];
    if (value !== undefined && value.kind !== 'none') out.push(render(value));
  }
  return out;
}

export function readIndex(index: PyValue, resolve: CalleeResolver): IndexSpec {
  if (index.kind !== 'call') throw new Unpredictable('the index is not a literal call');
  const kind = indexClass(resolve(index.callee));
  const allowed = new Set([...COMMON_KWARGS, ...kind.params.map(([name]) => name)]);
  for (const key of Object.keys(index.kwargs)) if (!allowed.has(key)) throw new Unpredictable(`an index with \`${key}=\` is not predicted yet`);
  if (index.args.length > 0) throw new Unpredictable('an expression index is not predicted yet');
  const name = index.kwargs['name'];
  if (name?.kind !== 'str') throw new Unpredictable('the index has no literal name');
  const fields = strings(index.kwargs['fields'], 'index fields');
  if (fields.length === 0) throw new Unpredictable('index fields are not literal strings');
  const opclasses = strings(index.kwargs['opclasses'], '`opclasses=`');
  if (opclasses.length > 0 && opclasses.length !== fields.length) throw new Unpredictable('`opclasses=` does not match the fields');
  const condition = index.kwargs['condition'];
  return {
    name: name.value,
    fields: fields.map((f) => f.replace(/^-/, '')),
    descending: fields.map((f) => f.startsWith('-')),
    opclasses,
    using: kind.using,
    withParams: withParams(index, kind.params),
    include: strings(index.kwargs['include'], '`include=`'),
    condition: condition === undefined || condition.kind === 'none' ? null : condition,
  };
}
