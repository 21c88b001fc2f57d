import { describe, expect, it } from 'vitest';
import { columnKind, typeChange } from '../../../../src/engine/rules/_lib/columns.js';
import { declaredStage } from '../../../../src/engine/rules/_lib/rolling-deploy.js';
import type { Database, FieldDef, MigrationFile, PyValue } from '../../../../src/engine/types.js';

/** A field as the parser would give it, from literal kwargs. */
function field(type: string, kwargs: Record<string, number | string | boolean | PyValue> = {}): FieldDef {
  const values: Record<string, PyValue> = {};
  for (const [key, value] of Object.entries(kwargs)) {
    if (typeof value === 'number') values[key] = { kind: 'int', value, text: String(value) };
    else if (typeof value === 'string') values[key] = { kind: 'str', value };
    else if (typeof value === 'boolean') values[key] = { kind: 'bool', value };
    else values[key] = value;
  }
  return { type, callee: `models.${type}`, kwargs: values, extraArgs: [], line: 1 };
}

const char = (length?: number): FieldDef => field('CharField', length === undefined ? {} : { max_length: length });
const decimal = (digits: number, places: number): FieldDef => field('DecimalField', { max_digits: digits, decimal_places: places });

describe('typeChange', () => {
  const table: Array<[string, FieldDef, FieldDef, Database, ReturnType<typeof typeChange>]> = [
    ['PG: longer varchar', char(20), char(100), 'postgresql', 'safe'],
    ['PG: varchar limit removed', char(20), char(), 'postgresql', 'safe'],
    ['PG: shorter varchar', char(100), char(20), 'postgresql', 'rewrite'],
    ['PG: varchar to text', char(20), field('TextField'), 'postgresql', 'safe'],
    ['PG: text to varchar(n)', field('TextField'), char(20), 'postgresql', 'rewrite'],
    ['PG: more digits, same scale', decimal(10, 2), decimal(14, 2), 'postgresql', 'safe'],
    ['PG: scale changed', decimal(10, 2), decimal(14, 4), 'postgresql', 'rewrite'],
    ['PG: fewer digits', decimal(14, 2), decimal(10, 2), 'postgresql', 'rewrite'],
    ['PG: int to bigint', field('IntegerField'), field('BigIntegerField'), 'postgresql', 'rewrite'],
    ['PG: date to datetime', field('DateField'), field('DateTimeField'), 'postgresql', 'rewrite'],
    ['PG: same type, other class (CharField → SlugField of equal length)', char(50), field('SlugField'), 'postgresql', 'none'],
    ['PG: Positive → plain integer drops a CHECK', field('PositiveIntegerField'), field('IntegerField'), 'postgresql', 'safe'],
    ['PG: plain → Positive integer adds a CHECK', field('IntegerField'), field('PositiveIntegerField'), 'postgresql', 'check-added'],
    ['PG: collation change', char(20), field('CharField', { max_length: 20, db_collation: 'C' }), 'postgresql', 'rewrite'],
    ['MySQL: growth within one-byte prefix', char(20), char(63), 'mysql', 'safe'],
    ['MySQL: growth across the prefix boundary', char(63), char(64), 'mysql', 'rewrite'],
    ['MySQL: growth within two-byte prefix', char(100), char(255), 'mysql', 'safe'],
    ['MariaDB: shrink', char(100), char(50), 'mariadb', 'rewrite'],
    ['MySQL: varchar to text copies', char(20), field('TextField'), 'mysql', 'rewrite'],
    ['MySQL: Positive → plain integer drops UNSIGNED', field('PositiveIntegerField'), field('IntegerField'), 'mysql', 'rewrite'],
    ['SQLite: any growth rebuilds', char(20), char(100), 'sqlite', 'rewrite'],
    ['unknown class without max_length', field('TextField'), field('MarkdownField'), 'postgresql', 'unknown'],
    ['unknown class with max_length counts as varchar', char(20), field('CountryField', { max_length: 20 }), 'postgresql', 'none'],
    ['non-literal max_length', field('CharField', { max_length: { kind: 'name', path: 'settings.CODE_LENGTH' } }), char(3), 'postgresql', 'unknown'],
  ];
  it.each(table)('%s', (_name, before, after, database, expected) => {
    expect(typeChange(before, after, database)).toBe(expected);
  });

  it('follows a foreign key to the type of its target key', () => {
    const resolve = (fk: FieldDef): FieldDef | undefined => (fk.kwargs['to']?.kind === 'str' && fk.kwargs['to'].value === 'shop.customer' ? field('BigAutoField', { primary_key: true }) : undefined);
    const toCustomer = field('ForeignKey', { to: 'shop.customer' });
    expect(columnKind(toCustomer, resolve).base).toBe('bigint');
    expect(typeChange(field('BigIntegerField'), toCustomer, 'postgresql', resolve)).toBe('none');
    expect(typeChange(field('UUIDField'), toCustomer, 'postgresql', resolve)).toBe('rewrite');
    expect(typeChange(field('UUIDField'), field('ForeignKey', { to: 'elsewhere.thing' }), 'postgresql', resolve)).toBe('unknown');
  });
});

describe('declaredStage', () => {
  const migration = (extraAttributes: Record<string, string>): MigrationFile => ({ extraAttributes }) as unknown as MigrationFile;
  it('reads django-syzygy and django-safemigrate markers', () => {
    expect(declaredStage(migration({ stage: 'Stage.POST_DEPLOY' }))?.stage).toBe('post-deploy');
    expect(declaredStage(migration({ stage: 'Stage.PRE_DEPLOY' }))?.stage).toBe('pre-deploy');
    expect(declaredStage(migration({ safe: 'Safe.after_deploy()' }))?.stage).toBe('post-deploy');
    expect(declaredStage(migration({ safe: 'Safe.before_deploy' }))?.stage).toBe('pre-deploy');
    expect(declaredStage(migration({ safe: 'Safe.always()' }))).toBeNull();
    expect(declaredStage(migration({}))).toBeNull();
  });
});
