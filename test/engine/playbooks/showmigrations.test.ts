import { describe, expect, it } from 'vitest';
import type { GraphReport } from '../../../src/engine/graph/types.js';
import { compareWithGraph, parseShowMigrations } from '../../../src/engine/playbooks/index.js';
import type { MigrationFile } from '../../../src/engine/types.js';

const list = `$ python manage.py showmigrations
admin
 [X] 0001_initial
 [X] 0002_logentry_remove_auto_add
contenttypes
 (no migrations)
shop
 [X] 0001_squashed_0004_order (4 squashed migrations)
 [-] 0005_squashed_0006_x (2 squashed migrations) Run 'manage.py migrate' to finish recording.
 [ ] 0007_order_note
 [X] 0008_order_currency (applied at 2024-05-01 10:00:00)
`;

const plan = `[X]  contenttypes.0001_initial
[X]  auth.0001_initial ... (contenttypes.0001_initial)
[ ]  shop.0001_initial ... (auth.0001_initial)
[X]  shop.0002_order ... (shop.0001_initial)
`;

function graph(plan: string[], extra: Partial<GraphReport> = {}): GraphReport {
  return { apps: {}, conflicts: [], cycles: [], missing: [], staleReplaces: [], squashes: [], plan, ...extra };
}

describe('parseShowMigrations', () => {
  it('reads the list format with squash markers, (no migrations) and applied-at', () => {
    const parsed = parseShowMigrations(list);
    expect(parsed?.format).toBe('list');
    expect(parsed?.apps['contenttypes']).toEqual([]);
    expect(parsed?.apps['admin']?.map((e) => [e.name, e.applied])).toEqual([
      ['0001_initial', true],
      ['0002_logentry_remove_auto_add', true],
    ]);
    expect(parsed?.apps['shop']).toEqual([
      { name: '0001_squashed_0004_order', applied: true, squashed: 4 },
      { name: '0005_squashed_0006_x', applied: true, recordingIncomplete: true, squashed: 2 },
      { name: '0007_order_note', applied: false },
      { name: '0008_order_currency', applied: true, appliedAt: '2024-05-01 10:00:00' },
    ]);
  });

  it('reads the plan format with -v 2 dependencies', () => {
    const parsed = parseShowMigrations(plan);
    expect(parsed?.format).toBe('plan');
    expect(parsed?.order).toEqual(['contenttypes.0001_initial', 'auth.0001_initial', 'shop.0001_initial', 'shop.0002_order']);
    expect(parsed?.apps['shop']?.[1]).toEqual({ name: '0002_order', applied: true, dependencies: ['shop.0001_initial'] });
  });

  it('reads migrate --plan output as pending migrations', () => {
    const parsed = parseShowMigrations('Planned operations:\nshop.0007_order_note\n    Add field note to order\nshop.0008_x\n    Raw SQL operation -> IRREVERSIBLE\n');
    expect(parsed).toEqual({ format: 'migrate-plan', apps: { shop: [{ name: '0007_order_note', applied: false }, { name: '0008_x', applied: false }] }, order: ['shop.0007_order_note', 'shop.0008_x'] });
  });

  it('strips terminal colours and Windows line ends', () => {
    const parsed = parseShowMigrations('\x1b[1mshop\x1b[0m\r\n [X] 0001_initial\r\n [ ] 0002_x\r\n');
    expect(parsed?.apps['shop']?.map((e) => e.applied)).toEqual([true, false]);
  });

  it('returns null for text that holds no showmigrations output', () => {
    expect(parseShowMigrations('relation "x" does not exist')).toBeNull();
    expect(parseShowMigrations(' [X] 0001_initial')).toBeNull(); // an entry without an app header
  });
});

describe('compareWithGraph', () => {
  it('finds unapplied, missing on disk, not shown, and applied-after-unapplied by order', () => {
    const parsed = parseShowMigrations('shop\n [X] 0001_initial\n [ ] 0002_a\n [X] 0003_b\n [X] 0004_gone\n')!;
    const result = compareWithGraph(parsed, graph(['shop.0001_initial', 'shop.0002_a', 'shop.0003_b', 'shop.0005_new', 'other.0001_initial']));
    expect(result.unapplied).toEqual(['shop.0002_a']);
    expect(result.appliedMissingOnDisk).toEqual(['shop.0004_gone']);
    expect(result.notShown).toEqual(['shop.0005_new']);
    expect(result.outOfOrder).toEqual([
      { migration: 'shop.0003_b', unappliedDependency: 'shop.0002_a', basis: 'order' },
      { migration: 'shop.0004_gone', unappliedDependency: 'shop.0002_a', basis: 'order' },
    ]);
  });

  it('uses real dependencies from files, including swappable ones', () => {
    const parsed = parseShowMigrations('accounts\n [ ] 0001_initial\nadmin\n [X] 0001_initial\n')!;
    const file = (app: string, name: string, dependencies: MigrationFile['dependencies']): MigrationFile =>
      ({ path: `${app}/migrations/${name}.py`, app, name, dependencies }) as MigrationFile;
    const files = [file('accounts', '0001_initial', []), file('admin', '0001_initial', [{ setting: 'AUTH_USER_MODEL', line: 5 }])];
    const result = compareWithGraph(parsed, graph(['accounts.0001_initial', 'admin.0001_initial']), { files, swappable: { AUTH_USER_MODEL: 'accounts.User' } });
    expect(result.outOfOrder).toEqual([{ migration: 'admin.0001_initial', unappliedDependency: 'accounts.0001_initial', basis: 'dependency' }]);
  });

  it('uses the dependencies printed by showmigrations --plan -v 2', () => {
    const result = compareWithGraph(parseShowMigrations(plan)!, graph(['contenttypes.0001_initial', 'auth.0001_initial', 'shop.0001_initial', 'shop.0002_order']));
    expect(result.outOfOrder).toEqual([{ migration: 'shop.0002_order', unappliedDependency: 'shop.0001_initial', basis: 'dependency' }]);
    expect(result.unapplied).toEqual(['shop.0001_initial']);
  });

  it('does not call replaced migrations of a used squash missing', () => {
    const parsed = parseShowMigrations('shop\n [X] 0001_a\n [X] 0002_b\n')!;
    const result = compareWithGraph(parsed, graph(['shop.0001_squashed_0002_b'], { squashes: [{ squashed: 'shop.0001_squashed_0002_b', replaces: ['shop.0001_a', 'shop.0002_b'], used: true }] }));
    expect(result.appliedMissingOnDisk).toEqual([]);
  });
});
