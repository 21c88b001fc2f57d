import { beforeAll, describe, expect, it } from 'vitest';
import { buildGraph } from '../../../src/engine/graph/index.js';
import { initParser, parseMigration } from '../../../src/engine/parse/index.js';
import { replayState, visitOperations } from '../../../src/engine/state/index.js';
import type { MigrationFile } from '../../../src/engine/types.js';
import {
  addConstraint,
  addField,
  addIndex,
  alterField,
  alterModelOptions,
  alterModelTable,
  alterUniqueTogether,
  createModel,
  deleteModel,
  field,
  migration as m,
  op,
  py,
  removeConstraint,
  removeField,
  removeIndex,
  renameField,
  renameModel,
  runSql,
  separate,
} from '../../helpers/migration-builder.js';

function replay(files: MigrationFile[]) {
  return replayState(files, buildGraph(files));
}

const initial = m('shop.0001_initial', {
  operations: [createModel('Order', [['id', field('BigAutoField', { primary_key: py.bool(true) })], ['total', field('IntegerField')]])],
});

describe('fields', () => {
  it('AddField, AlterField, RenameField and RemoveField, seen before each later migration', () => {
    const files = [
      initial,
      m('shop.0002_note', { deps: ['shop.0001_initial'], operations: [addField('order', 'note', field('TextField', { null: py.bool(true) }))] }),
      m('shop.0003_note_required', { deps: ['shop.0002_note'], operations: [alterField('Order', 'note', field('TextField'))] }),
      m('shop.0004_rename', { deps: ['shop.0003_note_required'], operations: [renameField('order', 'note', 'comment')] }),
      m('shop.0005_remove', { deps: ['shop.0004_rename'], operations: [removeField('order', 'total')] }),
      m('shop.0006_end', { deps: ['shop.0005_remove'] }),
    ];
    const timeline = replay(files);
    const fieldsBefore = (name: string) => [...timeline.before({ app: 'shop', name })!.model('shop', 'order')!.fields.keys()];
    expect(timeline.before({ app: 'shop', name: '0001_initial' }).model('shop', 'order')).toBeUndefined();
    expect(fieldsBefore('0002_note')).toEqual(['id', 'total']);
    expect(fieldsBefore('0003_note_required')).toEqual(['id', 'total', 'note']);
    const before3 = timeline.before({ app: 'shop', name: '0003_note_required' }).model('shop', 'Order')!;
    expect(before3.fields.get('note')!.kwargs['null']).toEqual(py.bool(true));
    const before4 = timeline.before({ app: 'shop', name: '0004_rename' }).model('shop', 'ORDER')!;
    expect(before4.fields.get('note')!.kwargs['null']).toBeUndefined();
    expect(fieldsBefore('0005_remove')).toEqual(['id', 'total', 'comment']);
    expect(fieldsBefore('0006_end')).toEqual(['id', 'comment']);
    expect(timeline.final().model('shop', 'order')!.createdIn).toEqual({ app: 'shop', name: '0001_initial' });
  });

  it('RenameField follows into unique_together', () => {
    const files = [
      initial,
      m('shop.0002', { deps: ['shop.0001_initial'], operations: [alterUniqueTogether('order', [['id', 'total']]), renameField('order', 'total', 'amount')] }),
    ];
    const options = replay(files).final().model('shop', 'order')!.options;
    expect(options['unique_together']).toEqual(py.set(py.tuple(py.str('id'), py.str('amount'))));
  });
});

describe('models and options', () => {
  it('RenameModel keeps fields and options, and repoints relations', () => {
    const files = [
      m('shop.0001_initial', {
        operations: [
          createModel('Order', [['id', field('AutoField')]], { ordering: py.list(py.str('id')) }),
          createModel('Line', [['order', field('ForeignKey', { to: py.str('shop.order') })]]),
        ],
      }),
      m('shop.0002_rename', { deps: ['shop.0001_initial'], operations: [renameModel('Order', 'Purchase')] }),
      m('shop.0003', { deps: ['shop.0002_rename'] }),
    ];
    const state = replay(files).before({ app: 'shop', name: '0003' });
    expect(state.model('shop', 'order')).toBeUndefined();
    const purchase = state.model('shop', 'purchase')!;
    expect(purchase.name).toBe('Purchase');
    expect([...purchase.fields.keys()]).toEqual(['id']);
    expect(purchase.options['ordering']).toEqual(py.list(py.str('id')));
    expect(purchase.dbTable).toBeNull();
    expect(state.model('shop', 'line')!.fields.get('order')!.kwargs['to']).toEqual(py.str('shop.Purchase'));
  });

  it('db_table from CreateModel options and from AlterModelTable', () => {
    const files = [
      m('shop.0001_initial', { operations: [createModel('Order', [['id', field('AutoField')]], { db_table: py.str('legacy_orders') })] }),
      m('shop.0002', { deps: ['shop.0001_initial'], operations: [alterModelTable('order', 'orders')] }),
      m('shop.0003', { deps: ['shop.0002'], operations: [alterModelTable('order', null)] }),
      m('shop.0004', { deps: ['shop.0003'] }),
    ];
    const timeline = replay(files);
    expect(timeline.before({ app: 'shop', name: '0002' }).model('shop', 'order')!.dbTable).toBe('legacy_orders');
    expect(timeline.before({ app: 'shop', name: '0003' }).model('shop', 'order')!.dbTable).toBe('orders');
    expect(timeline.before({ app: 'shop', name: '0004' }).model('shop', 'order')!.dbTable).toBeNull();
  });

  it('AlterModelOptions replaces the alterable keys and keeps the others', () => {
    const files = [
      m('shop.0001_initial', { operations: [createModel('Order', [], { db_table: py.str('t'), ordering: py.list(py.str('id')), verbose_name: py.str('order') })] }),
      m('shop.0002', { deps: ['shop.0001_initial'], operations: [alterModelOptions('order', { verbose_name: py.str('purchase') })] }),
    ];
    const options = replay(files).final().model('shop', 'order')!.options;
    expect(options).toEqual({ db_table: py.str('t'), verbose_name: py.str('purchase') });
  });

  it('indexes and constraints are tracked by name', () => {
    const files = [
      initial,
      m('shop.0002', { deps: ['shop.0001_initial'], operations: [addIndex('order', 'order_total_idx', ['total']), addConstraint('order', 'order_uniq')] }),
      m('shop.0003', { deps: ['shop.0002'], operations: [removeIndex('order', 'order_total_idx'), removeConstraint('order', 'order_uniq')] }),
      m('shop.0004', { deps: ['shop.0003'] }),
    ];
    const timeline = replay(files);
    const at3 = timeline.before({ app: 'shop', name: '0003' }).model('shop', 'order')!.options;
    expect((at3['indexes'] as { items: unknown[] }).items).toHaveLength(1);
    expect((at3['constraints'] as { items: unknown[] }).items).toHaveLength(1);
    const at4 = timeline.before({ app: 'shop', name: '0004' }).model('shop', 'order')!.options;
    expect(at4['indexes']).toEqual(py.list());
    expect(at4['constraints']).toEqual(py.list());
  });

  it('DeleteModel removes the model; operations on models we never saw create a placeholder', () => {
    const files = [
      initial,
      m('shop.0002', { deps: ['shop.0001_initial'], operations: [deleteModel('Order'), addField('invoice', 'paid', field('BooleanField'))] }),
    ];
    const state = replay(files).final();
    expect(state.model('shop', 'order')).toBeUndefined();
    expect(state.model('shop', 'invoice')).toMatchObject({ name: 'invoice', createdIn: null });
    expect(state.models().map((x) => x.name)).toEqual(['invoice']);
  });

  it('unknown operations change nothing', () => {
    const files = [initial, m('shop.0002', { deps: ['shop.0001_initial'], operations: [op('InstallPlugin', { name: py.str('Order') }, { known: false })] })];
    expect([...replay(files).final().model('shop', 'order')!.fields.keys()]).toEqual(['id', 'total']);
  });
});

describe('SeparateDatabaseAndState and RunSQL state_operations', () => {
  const files = [
    initial,
    m('shop.0002', {
      deps: ['shop.0001_initial'],
      operations: [
        separate([runSql('ALTER TABLE shop_order ADD COLUMN paid boolean'), addField('order', 'ghost', field('IntegerField'))], [addField('order', 'paid', field('BooleanField'))]),
        runSql('ALTER TABLE shop_order ADD COLUMN tax integer', [addField('order', 'tax', field('IntegerField'))]),
      ],
    }),
    m('shop.0003', { deps: ['shop.0002'] }),
  ];

  it('only state_operations change the state', () => {
    const state = replay(files).before({ app: 'shop', name: '0003' });
    expect([...state.model('shop', 'order')!.fields.keys()]).toEqual(['id', 'total', 'paid', 'tax']);
  });

  it('visits every operation with the state it sees and whether it touches the database', () => {
    const timeline = replay(files);
    const visits = visitOperations(files[1]!, timeline.before({ app: 'shop', name: '0002' }));
    expect(visits.map((v) => [v.op.type, v.dbEffective, v.model])).toEqual([
      ['SeparateDatabaseAndState', true, null],
      ['RunSQL', true, null],
      ['AddField', true, 'order'],
      ['AddField', false, 'order'],
      ['RunSQL', true, null],
      ['AddField', false, 'order'],
    ]);
    // The database-side AddField sees what the database side did before it, not the state side.
    expect(visits[2]!.stateBefore.model('shop', 'order')!.fields.has('paid')).toBe(false);
    expect(visits[4]!.stateBefore.model('shop', 'order')!.fields.has('paid')).toBe(true);
    expect(visits[4]!.stateBefore.model('shop', 'order')!.fields.has('ghost')).toBe(false);
  });
});

describe('timeline', () => {
  it('apply() returns a new state and leaves the snapshot untouched', () => {
    const timeline = replay([initial]);
    const start = timeline.final();
    const next = start.apply(addField('order', 'x', field('IntegerField')), 'shop');
    expect(next.model('shop', 'order')!.fields.has('x')).toBe(true);
    expect(start.model('shop', 'order')!.fields.has('x')).toBe(false);
    expect(timeline.final().model('shop', 'order')!.fields.has('x')).toBe(false);
  });

  it('replays other apps in plan order', () => {
    const files = [
      m('billing.0001_initial', { deps: ['shop.0002'], operations: [createModel('Invoice', [])] }),
      initial,
      m('shop.0002', { deps: ['shop.0001_initial'], operations: [addField('order', 'paid', field('BooleanField'))] }),
    ];
    const state = replay(files).before({ app: 'billing', name: '0001_initial' });
    expect(state.model('shop', 'order')!.fields.has('paid')).toBe(true);
    expect(state.model('billing', 'invoice')).toBeUndefined();
  });

  it('a migration replaced by a squash sees the squash start plus the replaced ones before it', () => {
    const files = [
      m('shop.0001_squashed_0002', { replaces: ['shop.0001_initial', 'shop.0002_note'], operations: [createModel('Order', [['id', field('AutoField')], ['note', field('TextField')]])] }),
      m('shop.0001_initial', { operations: [createModel('Order', [['id', field('AutoField')]])] }),
      m('shop.0002_note', { deps: ['shop.0001_initial'], operations: [addField('order', 'note', field('TextField'))] }),
    ];
    const timeline = replay(files);
    expect(timeline.order).toEqual(['shop.0001_squashed_0002']);
    expect(timeline.before({ app: 'shop', name: '0001_initial' }).model('shop', 'order')).toBeUndefined();
    expect([...timeline.before({ app: 'shop', name: '0002_note' }).model('shop', 'order')!.fields.keys()]).toEqual(['id']);
  });

  it('a key the replay never saw gets the final state', () => {
    const timeline = replay([initial]);
    expect(timeline.before({ app: 'other', name: '0001' }).model('shop', 'order')).toBeDefined();
  });
});

describe('real files through the parser', () => {
  beforeAll(async () => {
    await initParser();
  });

  it('sees a nullable column before the migration that makes it NOT NULL', () => {
    const sources: Record<string, string> = {
      'shop/migrations/0001_initial.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("note", models.TextField(null=True)),
            ],
            options={"db_table": "orders"},
        ),
    ]
`,
      'shop/migrations/0002_note_required.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(model_name="order", name="note", field=models.TextField(default="")),
        migrations.RenameModel("Order", "Purchase"),
    ]
`,
    };
    const files = Object.entries(sources).map(([path, text]) => parseMigration(text, { path }));
    const timeline = replay(files);
    const second = files[1]!;
    const before = timeline.before(second);
    expect(before.model('shop', 'Order')!.fields.get('note')!.kwargs['null']).toEqual(py.bool(true));
    expect(before.model('shop', 'order')!.dbTable).toBe('orders');
    const visits = visitOperations(second, before);
    expect(visits.map((v) => v.model)).toEqual(['order', 'order']);
    expect(visits[1]!.stateBefore.model('shop', 'order')!.fields.get('note')!.kwargs['default']).toEqual(py.str(''));
    expect(timeline.final().model('shop', 'purchase')!.dbTable).toBe('orders');
  });
});
