import { beforeAll, describe, expect, it } from 'vitest';
import { buildGraph } from '../../../src/engine/graph/index.js';
import { initParser, parseMigration } from '../../../src/engine/parse/index.js';
import type { MigrationFile } from '../../../src/engine/types.js';
import { migration as m } from '../../helpers/migration-builder.js';

/** Is `a` planned before `b`? */
function before(plan: string[], a: string, b: string): boolean {
  expect(plan).toContain(a);
  expect(plan).toContain(b);
  return plan.indexOf(a) < plan.indexOf(b);
}

describe('leaves and conflicts', () => {
  const branches = [
    m('shop.0001_initial'),
    m('shop.0002_order_note', { deps: ['shop.0001_initial'] }),
    m('shop.0002_order_status', { deps: ['shop.0001_initial'] }),
    m('shop.0003_status_index', { deps: ['shop.0002_order_status'] }),
  ];

  it('reports two leaves with what each branch added since they split', () => {
    const report = buildGraph(branches).report();
    expect(report.apps['shop']).toEqual({ migrations: 4, leaves: ['shop.0002_order_note', 'shop.0003_status_index'] });
    expect(report.conflicts).toEqual([
      {
        app: 'shop',
        leaves: ['shop.0002_order_note', 'shop.0003_status_index'],
        branches: {
          'shop.0002_order_note': ['shop.0002_order_note'],
          'shop.0003_status_index': ['shop.0002_order_status', 'shop.0003_status_index'],
        },
      },
    ]);
  });

  it('a merge migration depending on both leaves resolves the conflict', () => {
    const graph = buildGraph([...branches, m('shop.0004_merge', { deps: ['shop.0002_order_note', 'shop.0003_status_index'] })]);
    expect(graph.report().conflicts).toEqual([]);
    expect(graph.leaves('shop')).toEqual(['shop.0004_merge']);
    expect(graph.report().plan.at(-1)).toBe('shop.0004_merge');
  });

  it('a dependency from another app does not make a migration stop being a leaf', () => {
    const graph = buildGraph([m('shop.0001_initial'), m('billing.0001_initial', { deps: ['shop.0001_initial'] })]);
    expect(graph.leaves('shop')).toEqual(['shop.0001_initial']);
    expect(graph.leaves('billing')).toEqual(['billing.0001_initial']);
  });
});

describe('cycles', () => {
  it('reports the cycle path and the message Django prints, and still answers', () => {
    const graph = buildGraph([
      m('shop.0001_initial', { deps: ['billing.0001_initial'] }),
      m('billing.0001_initial', { deps: ['shop.0001_initial'] }),
      m('blog.0001_initial'),
    ]);
    const report = graph.report();
    expect(report.cycles).toEqual([{ path: ['billing.0001_initial', 'shop.0001_initial', 'billing.0001_initial'], message: 'billing.0001_initial, shop.0001_initial' }]);
    expect(report.plan).toEqual([]);
    expect(graph.order().sort()).toEqual(['billing.0001_initial', 'blog.0001_initial', 'shop.0001_initial']);
  });

  it('a longer cycle is listed in dependency order', () => {
    const report = buildGraph([
      m('a.0001', { deps: ['b.0001'] }),
      m('b.0001', { deps: ['c.0001'] }),
      m('c.0001', { deps: ['a.0001'] }),
    ]).report();
    expect(report.cycles.map((c) => c.path)).toEqual([['a.0001', 'b.0001', 'c.0001', 'a.0001']]);
    // Django walks children: a.0001 is needed by c.0001, which is needed by b.0001.
    expect(report.cycles[0]!.message).toBe('a.0001, c.0001, b.0001');
  });

  it('a self-dependency is a cycle of one', () => {
    const report = buildGraph([m('shop.0001_initial', { deps: ['shop.0001_initial'] })]).report();
    expect(report.cycles).toEqual([{ path: ['shop.0001_initial', 'shop.0001_initial'], message: 'shop.0001_initial' }]);
  });

  it('a cycle made by run_before is found too', () => {
    const report = buildGraph([m('a.0001', { deps: ['b.0001'] }), m('b.0001', { runBefore: ['a.0001'] })]).report();
    expect(report.cycles).toEqual([]);
    const cyclic = buildGraph([m('a.0001', { runBefore: ['b.0001'] }), m('b.0001', { runBefore: ['a.0001'] })]).report();
    expect(cyclic.cycles).toHaveLength(1);
  });
});

describe('missing dependencies', () => {
  it('a dependency on a first-party migration that does not exist', () => {
    const report = buildGraph([m('shop.0001_initial'), m('shop.0003_x', { deps: ['shop.0002_gone'] })]).report();
    expect(report.missing).toEqual([
      {
        from: { app: 'shop', name: '0003_x' },
        missing: { app: 'shop', name: '0002_gone' },
        via: 'dependency',
        message: "Migration shop.0003_x dependencies reference nonexistent parent node ('shop', '0002_gone')",
        path: 'shop/migrations/0003_x.py',
        line: 6,
      },
    ]);
    // The missing node is not a real migration: it is neither a leaf nor planned.
    expect(report.apps['shop']!.leaves).toEqual(['shop.0001_initial', 'shop.0003_x']);
    expect(report.plan).not.toContain('shop.0002_gone');
  });

  it('run_before naming a first-party migration that does not exist', () => {
    const report = buildGraph([m('shop.0001_initial'), m('billing.0001_initial', { runBefore: ['shop.0009_nope'] })]).report();
    expect(report.missing.map((x) => [x.via, x.message])).toEqual([['run_before', "Migration billing.0001_initial dependencies reference nonexistent child node ('shop', '0009_nope')"]]);
    expect(report.apps['billing']!.leaves).toEqual(['billing.0001_initial']);
  });

  it('dependencies on apps we did not read are external, not missing', () => {
    const graph = buildGraph([m('shop.0001_initial', { deps: ['contenttypes.0002_remove_content_type_name', 'auth.__first__', 'sites.__latest__'] })]);
    expect(graph.report().missing).toEqual([]);
    expect(graph.report().plan).toEqual(['shop.0001_initial']);
    expect(graph.node('shop.0001_initial')!.parents).toEqual([]);
  });

  it('same-app __latest__ is a missing node, as in Django', () => {
    const report = buildGraph([m('shop.0001_initial'), m('shop.0002_x', { deps: ['shop.__latest__'] })]).report();
    expect(report.missing.map((x) => x.missing.name)).toEqual(['__latest__']);
  });

  it('a dependency on a file with no Migration class is left to no-migration-class', () => {
    const report = buildGraph([m('shop.0001_initial'), m('shop.helpers', { hasMigrationClass: false }), m('shop.0002_x', { deps: ['shop.0001_initial', 'shop.helpers'] })]).report();
    expect(report.missing).toEqual([]);
    expect(report.apps['shop']).toEqual({ migrations: 2, leaves: ['shop.0002_x'] });
  });
});

describe('__first__, __latest__ and swappable dependencies', () => {
  const accounts = [m('accounts.0001_initial'), m('accounts.0002_profile', { deps: ['accounts.0001_initial'] })];

  it('__first__ of another app is its root, __latest__ its leaf', () => {
    const graph = buildGraph([...accounts, m('shop.0001_initial', { deps: ['accounts.__first__'] }), m('blog.0001_initial', { deps: ['accounts.__latest__'] })]);
    expect(graph.node('shop.0001_initial')!.parents).toEqual(['accounts.0001_initial']);
    expect(graph.node('blog.0001_initial')!.parents).toEqual(['accounts.0002_profile']);
  });

  it('__first__ of the same app is ignored', () => {
    const graph = buildGraph([m('shop.0001_initial'), m('shop.0002_x', { deps: ['shop.__first__'] })]);
    expect(graph.node('shop.0002_x')!.parents).toEqual([]);
    expect(graph.report().missing).toEqual([]);
  });

  it('AUTH_USER_MODEL defaults to auth.User: external when auth is not in the tree', () => {
    const graph = buildGraph([...accounts, m('shop.0001_initial', { deps: [{ setting: 'AUTH_USER_MODEL' }] })]);
    expect(graph.node('shop.0001_initial')!.parents).toEqual([]);
    expect(graph.report().missing).toEqual([]);
  });

  it('a custom user model setting makes the dependency point at that app', () => {
    const files = [...accounts, m('shop.0001_initial', { deps: [{ setting: 'AUTH_USER_MODEL' }] })];
    const graph = buildGraph(files, { swappable: { AUTH_USER_MODEL: 'accounts.User' } });
    expect(graph.node('shop.0001_initial')!.parents).toEqual(['accounts.0001_initial']);
    expect(before(graph.plan(), 'accounts.0001_initial', 'shop.0001_initial')).toBe(true);
    // The user app's own swappable dependency is a same-app __first__: ignored.
    const self = buildGraph([m('accounts.0001_initial', { deps: [{ setting: 'settings.AUTH_USER_MODEL' }] })], { swappable: { AUTH_USER_MODEL: 'accounts.User' } });
    expect(self.report().missing).toEqual([]);
    expect(self.report().cycles).toEqual([]);
  });

  it('an unknown swappable setting is recorded, not guessed', () => {
    const report = buildGraph([m('shop.0001_initial', { deps: [{ setting: 'OAUTH2_PROVIDER_APPLICATION_MODEL' }] })]).report();
    expect(report.unresolvedSettings).toEqual([{ from: { app: 'shop', name: '0001_initial' }, setting: 'OAUTH2_PROVIDER_APPLICATION_MODEL', path: 'shop/migrations/0001_initial.py', line: 6 }]);
  });
});

describe('squashed migrations', () => {
  const squash = m('shop.0001_squashed_0003_c', { replaces: ['shop.0001_a', 'shop.0002_b', 'shop.0003_c'] });
  const replaced = [m('shop.0001_a'), m('shop.0002_b', { deps: ['shop.0001_a'] }), m('shop.0003_c', { deps: ['shop.0002_b'] })];

  it('all replaced present: the squash stands in for them and dependents are remapped', () => {
    const graph = buildGraph([squash, ...replaced, m('shop.0004_d', { deps: ['shop.0003_c'] }), m('billing.0001_initial', { deps: ['shop.0002_b'] })]);
    const report = graph.report();
    expect(report.plan).toEqual(['shop.0001_squashed_0003_c', 'billing.0001_initial', 'shop.0004_d']);
    expect(report.squashes).toEqual([{ squashed: 'shop.0001_squashed_0003_c', replaces: ['shop.0001_a', 'shop.0002_b', 'shop.0003_c'], used: true }]);
    expect(report.staleReplaces).toEqual([]);
    expect(report.apps['shop']!.leaves).toEqual(['shop.0004_d']);
    expect(graph.node('shop.0004_d')!.parents).toEqual(['shop.0001_squashed_0003_c']);
    expect(graph.node('billing.0001_initial')!.parents).toEqual(['shop.0001_squashed_0003_c']);
    expect(graph.node('shop.0002_b')).toMatchObject({ inGraph: false, replacedBy: 'shop.0001_squashed_0003_c' });
  });

  it('none present: the squash is used, and a dependent naming a deleted replaced migration is flagged', () => {
    const report = buildGraph([squash, m('shop.0004_d', { deps: ['shop.0003_c'] })]).report();
    expect(report.missing).toEqual([]);
    expect(report.plan).toEqual(['shop.0001_squashed_0003_c', 'shop.0004_d']);
    expect(report.staleReplaces.map((s) => [s.kind, s.path])).toEqual([
      ['replaced-files-gone', 'shop/migrations/0001_squashed_0003_c.py'],
      ['depends-on-replaced', 'shop/migrations/0004_d.py'],
    ]);
    expect(report.staleReplaces[1]).toMatchObject({ from: { app: 'shop', name: '0004_d' }, target: { app: 'shop', name: '0003_c' }, squashed: { app: 'shop', name: '0001_squashed_0003_c' }, line: 6 });
  });

  it('partially present: reported, and the squash is still used as Django does on an empty database', () => {
    const report = buildGraph([squash, replaced[0]!, m('shop.0004_d', { deps: ['shop.0001_squashed_0003_c'] })]).report();
    expect(report.staleReplaces).toEqual([expect.objectContaining({ kind: 'partially-present', absent: ['shop.0002_b', 'shop.0003_c'], line: 4 })]);
    expect(report.plan).toEqual(['shop.0001_squashed_0003_c', 'shop.0004_d']);
  });

  it('with some replaced migrations applied, the squash is dropped and dependents go back to the replaced ones', () => {
    const graph = buildGraph([squash, ...replaced, m('shop.0004_d', { deps: ['shop.0001_squashed_0003_c'] })], { applied: ['shop.0001_a'] });
    expect(graph.node('shop.0004_d')!.parents).toEqual(['shop.0003_c']);
    expect(graph.report().plan).toEqual(['shop.0001_a', 'shop.0002_b', 'shop.0003_c', 'shop.0004_d']);
    expect(graph.report().squashes[0]!.used).toBe(false);
  });

  it('a dependency on a replaced migration no squash can stand in for gets Django\'s squash message', () => {
    const graph = buildGraph([squash, ...replaced.slice(0, 2), m('shop.0004_d', { deps: ['shop.0003_c'] })], { applied: ['shop.0001_a'] });
    expect(graph.report().missing[0]!.message).toBe(
      "Migration shop.0004_d depends on nonexistent node ('shop', '0003_c'). Django tried to replace migration shop.0003_c with any of [shop.0001_squashed_0003_c] but wasn't able to because some of the replaced migrations are already applied.",
    );
  });

  it('a squash of a squash', () => {
    const outer = m('shop.0001_squashed_0005_e', { replaces: ['shop.0001_squashed_0003_c', 'shop.0004_d', 'shop.0005_e'] });
    const graph = buildGraph([outer, squash, ...replaced, m('shop.0004_d', { deps: ['shop.0003_c'] }), m('shop.0005_e', { deps: ['shop.0004_d'] }), m('shop.0006_f', { deps: ['shop.0005_e'] })]);
    expect(graph.report().plan).toEqual(['shop.0001_squashed_0005_e', 'shop.0006_f']);
    expect(graph.node('shop.0002_b')!.replacedBy).toBe('shop.0001_squashed_0005_e');
  });
});

describe('plan', () => {
  it('run_before puts the declaring migration first', () => {
    const graph = buildGraph([m('shop.0001_initial'), m('shop.0002_x', { deps: ['shop.0001_initial'] }), m('billing.0001_initial', { runBefore: ['shop.0002_x'] })]);
    expect(graph.node('shop.0002_x')!.parents).toEqual(['billing.0001_initial', 'shop.0001_initial']);
    expect(before(graph.plan(), 'billing.0001_initial', 'shop.0002_x')).toBe(true);
  });

  it('walks like Django: leaves in order, the largest parent first', () => {
    const graph = buildGraph([
      m('shop.0001_initial'),
      m('billing.0001_initial'),
      m('shop.0002_x', { deps: ['shop.0001_initial', 'billing.0001_initial'] }),
      m('accounts.0001_initial'),
    ]);
    // Checked against Django 3.2 (scripts/django-graph.py): leaves sorted, parents pushed sorted, popped last first.
    expect(graph.plan()).toEqual(['accounts.0001_initial', 'billing.0001_initial', 'shop.0001_initial', 'shop.0002_x']);
    expect(graph.plan(['shop.0001_initial'])).toEqual(['shop.0001_initial']);
    expect(graph.plan([{ app: 'shop', name: '0002_x' }])).toEqual(['shop.0001_initial', 'billing.0001_initial', 'shop.0002_x']);
  });

  it('does not depend on the order files are given in', () => {
    const files = [
      m('shop.0001_initial'),
      m('shop.0002_a', { deps: ['shop.0001_initial'] }),
      m('shop.0002_b', { deps: ['shop.0001_initial', 'billing.__first__'] }),
      m('billing.0001_initial', { runBefore: ['shop.0002_a'] }),
      m('billing.0002_x', { deps: ['billing.0001_initial', 'shop.0002_b'] }),
    ];
    const expected = JSON.stringify(buildGraph(files).report());
    for (let shift = 1; shift < files.length; shift++) {
      const rotated = [...files.slice(shift), ...files.slice(0, shift)];
      expect(JSON.stringify(buildGraph(rotated).report())).toBe(expected);
      expect(JSON.stringify(buildGraph([...rotated].reverse()).report())).toBe(expected);
    }
  });

  it('handles a 10,000-migration chain without deep recursion', () => {
    const files: MigrationFile[] = [];
    for (let i = 0; i < 10_000; i++) files.push(m(`big.${String(i).padStart(5, '0')}`, { deps: i ? [`big.${String(i - 1).padStart(5, '0')}`] : [] }));
    const report = buildGraph(files).report();
    expect(report.plan).toHaveLength(10_000);
    expect(report.plan[0]).toBe('big.00000');
    expect(report.apps['big']!.leaves).toEqual(['big.09999']);
    const loop = [...files.slice(1), m('big.00000', { deps: ['big.09999'] })];
    expect(buildGraph(loop).report().cycles[0]!.path).toHaveLength(10_001);
  });
});

describe('odd input', () => {
  it('empty input', () => {
    const graph = buildGraph([]);
    expect(graph.report()).toEqual({ apps: {}, conflicts: [], cycles: [], missing: [], staleReplaces: [], squashes: [], plan: [] });
    expect(graph.plan()).toEqual([]);
    expect(graph.leaves('x')).toEqual([]);
    expect(graph.node('x.y')).toBeUndefined();
    expect(graph.node('nodot')).toBeUndefined();
  });

  it('duplicate names: the first path wins and the duplicate is reported', () => {
    const report = buildGraph([m('shop.0001_initial', { path: 'b/shop/migrations/0001_initial.py' }), m('shop.0001_initial', { path: 'a/shop/migrations/0001_initial.py' })]).report();
    expect(report.duplicates).toEqual([{ id: 'shop.0001_initial', paths: ['a/shop/migrations/0001_initial.py', 'b/shop/migrations/0001_initial.py'] }]);
    expect(report.plan).toEqual(['shop.0001_initial']);
  });

  it('malformed entries are skipped rather than thrown on', () => {
    const broken = [null, { app: '', name: 'x' }, { ...m('shop.0001_initial'), dependencies: [null, { app: 'shop' }, { setting: 42 }], replaces: undefined, runBefore: 'nope' }];
    const report = buildGraph(broken as unknown as MigrationFile[]).report();
    expect(report.plan).toEqual(['shop.0001_initial']);
  });
});

describe('real files through the parser', () => {
  beforeAll(async () => {
    await initParser();
  });

  const tree: Record<string, string> = {
    'accounts/migrations/0001_initial.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        migrations.CreateModel(name="User", fields=[("id", models.BigAutoField(primary_key=True, serialize=False))]),
    ]
`,
    'shop/migrations/0001_initial.py': `from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("user", models.ForeignKey(on_delete=models.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
        ),
    ]
`,
    'shop/migrations/0002_order_note.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [migrations.AddField("order", "note", models.TextField(null=True))]
`,
    'shop/migrations/0002_order_status.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    run_before = [("shop", "0002_order_note")]
    operations = [migrations.AddField("order", "status", models.CharField(max_length=10, null=True))]
`,
  };

  it('reads dependencies, swappable settings and run_before from the files', () => {
    const files = Object.entries(tree).map(([path, text]) => parseMigration(text, { path }));
    const graph = buildGraph(files, { swappable: { AUTH_USER_MODEL: 'accounts.User' } });
    const report = graph.report();
    expect(report.conflicts).toEqual([]);
    expect(report.missing).toEqual([]);
    expect(report.apps['shop']!.leaves).toEqual(['shop.0002_order_note']);
    expect(report.plan).toEqual(['accounts.0001_initial', 'shop.0001_initial', 'shop.0002_order_status', 'shop.0002_order_note']);
    // Without the setting the user model is auth's: external.
    expect(buildGraph(files).node('shop.0001_initial')!.parents).toEqual([]);
  });
});
