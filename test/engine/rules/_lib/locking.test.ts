import { describe, expect, it } from 'vitest';
import { changesDatabase } from '../../../../src/engine/rules/_lib/columns.js';
import { constraintInfo } from '../../../../src/engine/rules/_lib/constraints.js';
import { dbDefaultVolatility, existingRowFill, isLiteralDbDefault } from '../../../../src/engine/rules/_lib/defaults.js';
import { addedSets, togetherSets } from '../../../../src/engine/rules/_lib/indexes.js';
import { isConcurrentStatement, isRerunnableStatement } from '../../../../src/engine/rules/_lib/statements.js';
import type { FieldDef, PyValue } from '../../../../src/engine/types.js';

const str = (value: string): PyValue => ({ kind: 'str', value });
const call = (callee: string, args: PyValue[] = [], kwargs: Record<string, PyValue> = {}): PyValue => ({ kind: 'call', callee, args, kwargs, line: 1 });
const field = (type: string, kwargs: Record<string, PyValue> = {}): FieldDef => ({ type, callee: `models.${type}`, kwargs, extraArgs: [], line: 1 });
const yes: PyValue = { kind: 'bool', value: true };

describe('concurrent and re-runnable statements', () => {
  it('recognises statements PostgreSQL refuses in a transaction, not REFRESH … CONCURRENTLY', () => {
    expect(isConcurrentStatement('create unique index concurrently x on t (a)')).toBe(true);
    expect(isConcurrentStatement('REINDEX INDEX CONCURRENTLY x')).toBe(true);
    expect(isConcurrentStatement('ALTER TABLE p DETACH PARTITION c CONCURRENTLY')).toBe(true);
    expect(isConcurrentStatement('REFRESH MATERIALIZED VIEW CONCURRENTLY v')).toBe(false);
    expect(isConcurrentStatement('CREATE INDEX x ON t (a)')).toBe(false);
  });

  it('treats IF [NOT] EXISTS and DO blocks as re-runnable', () => {
    expect(isRerunnableStatement('CREATE INDEX CONCURRENTLY IF NOT EXISTS x ON t (a)')).toBe(true);
    expect(isRerunnableStatement('DO $$ BEGIN END $$')).toBe(true);
    expect(isRerunnableStatement('ALTER TABLE t ADD CONSTRAINT c UNIQUE USING INDEX x')).toBe(false);
  });
});

describe('dbDefaultVolatility', () => {
  it('classifies literals, stable functions, volatile functions and unknown ones', () => {
    expect(dbDefaultVolatility(str('new')).kind).toBe('literal');
    expect(dbDefaultVolatility(call('models.functions.Now'))).toEqual({ kind: 'non-volatile', functions: ['Now'] });
    expect(dbDefaultVolatility(call('RandomUUID'))).toEqual({ kind: 'volatile', function: 'RandomUUID' });
    expect(dbDefaultVolatility({ kind: 'expr', text: 'Now() + timedelta(days=1)', line: 1 }).kind).toBe('non-volatile');
    expect(dbDefaultVolatility({ kind: 'expr', text: 'Random() * 10', line: 1 })).toEqual({ kind: 'volatile', function: 'Random' });
    expect(dbDefaultVolatility(call('NextNumber'))).toEqual({ kind: 'unknown', function: 'NextNumber' });
  });

  it('counts Value(<literal>) as a literal default but Now() as an expression', () => {
    expect(isLiteralDbDefault(call('models.Value', [str('x')]))).toBe(true);
    expect(isLiteralDbDefault(call('Now'))).toBe(false);
  });
});

describe('existingRowFill', () => {
  it('mirrors Django: Python default, NOT NULL blank strings, auto_now, then db_default', () => {
    expect(existingRowFill(field('UUIDField', { default: { kind: 'name', path: 'uuid.uuid4' } }))?.source).toBe('default');
    expect(existingRowFill(field('SlugField', { blank: yes }))?.source).toBe('blank string');
    expect(existingRowFill(field('SlugField', { blank: yes, null: yes }))).toBeUndefined();
    expect(existingRowFill(field('DateTimeField', { auto_now_add: yes }))?.source).toBe('auto_now');
    expect(existingRowFill(field('IntegerField', { db_default: { kind: 'int', value: 0, text: '0' } }))?.source).toBe('db_default');
    expect(existingRowFill(field('IntegerField', { default: { kind: 'none' } }))).toBeUndefined();
  });
});

describe('constraints and together sets', () => {
  it('classifies constraints and spots index-backed unique constraints', () => {
    expect(constraintInfo(call('models.CheckConstraint', [], { name: str('c') }))).toMatchObject({ kind: 'check', name: 'c', indexBacked: false });
    expect(constraintInfo(call('models.UniqueConstraint', [], { fields: { kind: 'list', items: [str('a')] }, name: str('u') }))?.indexBacked).toBe(false);
    expect(constraintInfo(call('models.UniqueConstraint', [call('Lower', [str('email')])], { name: str('u') }))?.indexBacked).toBe(true);
    expect(constraintInfo(call('ExclusionConstraint', [], { name: str('x') }))?.kind).toBe('exclusion');
    expect(constraintInfo(str('nope'))).toBeUndefined();
  });

  it('normalises unique_together like Django and finds added sets', () => {
    const tuple = (...names: string[]): PyValue => ({ kind: 'tuple', items: names.map(str) });
    expect(togetherSets(tuple('A', 'b'))).toEqual([['a', 'b']]);
    expect(togetherSets({ kind: 'set', items: [tuple('a', 'b'), tuple('c')] })).toEqual([['a', 'b'], ['c']]);
    expect(togetherSets(call('set'))).toEqual([]);
    expect(togetherSets({ kind: 'name', path: 'UNIQUE' })).toBeUndefined();
    expect(addedSets([['a', 'b']], [['a', 'b'], ['c']])).toEqual([['c']]);
  });
});

describe('changesDatabase', () => {
  it('ignores attributes that never reach the database', () => {
    const before = field('CharField', { max_length: { kind: 'int', value: 10, text: '10' } });
    expect(changesDatabase(before, field('CharField', { max_length: { kind: 'int', value: 10, text: '10' }, help_text: str('x') }))).toBe(false);
    expect(changesDatabase(before, field('CharField', { max_length: { kind: 'int', value: 20, text: '20' } }))).toBe(true);
    expect(changesDatabase(before, field('CharField', { max_length: { kind: 'int', value: 10, text: '10' }, db_index: yes }), ['db_index'])).toBe(false);
  });
});
